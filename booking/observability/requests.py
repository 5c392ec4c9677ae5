"""Per request: an id (echoed in X-Request-ID, stamped on every log line), one access log line
and the latency histogram.

The id and the start time are taken on Flask's request_started signal, before the URL value
preprocessors (token and slug look-ups, which may already log or fail) run; the access line
and the observation are made by the last after_request hook, so they see the final status.
"""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request, request_started

from booking.observability.metrics import observe_request

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is a plain token: it ends up in every log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger("booking.access")


def incoming_request_id(value: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token (<= 64 of A-Z a-z 0-9 . _ -), else a new one."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _begin(_sender: Flask, **_extra) -> None:
    g.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.setdefault("request_id", incoming_request_id(None))
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    observe_request(rule, request.method, response.status_code, seconds)
    duration_ms = round(seconds * 1000, 1)
    access_log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, duration_ms,
                    extra={"method": request.method, "path": request.path, "status": response.status_code,
                           "duration_ms": duration_ms})
    return response


def init_request_hooks(app: Flask) -> None:
    """Register the hooks; call before any other after_request hook (it must run last)."""
    request_started.connect(_begin, app)
    app.after_request(_finish)
