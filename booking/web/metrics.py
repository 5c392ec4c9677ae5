"""GET /metrics: Prometheus text, only for a scraper that holds METRICS_TOKEN.

Without METRICS_TOKEN the endpoint does not exist (404); with it, `Authorization: Bearer
<token>` is required (compared in constant time) and anything else is 401.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request

from booking.clock import utcnow
from booking.observability.metrics import CONTENT_TYPE, render_metrics
from booking.web.errors import error_response

bp = Blueprint("metrics", __name__)


def _bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    # The token is compared whatever the scheme said: no early exit whose timing tells anything.
    return hmac.compare_digest(given.strip().encode(), token.encode()) and scheme.lower() == "bearer"


@bp.get("/metrics")
def metrics() -> Response:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    if not _bearer_matches(request.headers.get("Authorization"), token):
        response, status = error_response(401, "unauthorized", "A valid metrics token is required.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response, status
    return Response(render_metrics(utcnow()), content_type=CONTENT_TYPE)
