"""Every error leaves as API.md says: JSON under /api/ and for JSON clients, a page otherwise."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from booking.errors import DomainError, SlotUnavailable
from booking.extensions import db
from booking.web.formatting import slot_json

log = logging.getLogger(__name__)

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "bad_request", 429: "rate_limited"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, code: str, message: str, **extra):
    db.session.rollback()
    if wants_json():
        body = {"error": code, "message": message}
        body.update(extra)
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def _domain_error(exc: DomainError):
    extra = dict(exc.extra)
    if isinstance(exc, SlotUnavailable):
        tz = getattr(g, "response_tz", None) or "UTC"
        extra["alternatives"] = [slot_json(slot, tz) for slot in exc.alternatives]
    return error_response(exc.status, exc.code, exc.message, **extra)


def _http_error(exc: HTTPException):
    status = exc.code or 500
    code = HTTP_CODES.get(status, "error")
    message = exc.description or code
    if status == 429:
        message = "Too many requests; please wait a moment and try again."
    return error_response(status, code, message)


def _csrf_error(exc: CSRFError):
    return error_response(400, "bad_request", "The form expired or was sent twice. Please try again.")


def _unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal", "Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
