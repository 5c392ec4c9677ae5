"""GET /healthz: the process answers, the database does too, and how the scheduler is doing.

For load balancers: only a database that does not answer makes it 503. A scheduler without a
fresh heartbeat (booking.observability.heartbeat) leaves the web process fit to serve, so it
answers 200 with "status": "degraded" and "scheduler": "stale"; "scheduler": "none" means no
scheduler process has ever run against this database (SCHEDULER=off and no `flask worker`).
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from booking.clock import utcnow
from booking.database import error_summary
from booking.extensions import db
from booking.observability.heartbeat import scheduler_state
from booking.web.errors import unavailable_response
from booking.web.formatting import iso_in

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """200 while the database answers; 503 with Retry-After (and the error shape) while it does not.

    Any database error counts here, not only the outage kinds: a load balancer polling this
    should take the process out of rotation whatever keeps it from its database."""
    try:
        db.session.execute(text("SELECT 1"))
        scheduler = scheduler_state(utcnow())
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", error_summary(exc))
        return unavailable_response({"status": "error", "database": "error", "scheduler": "unknown"})
    body = {"status": "degraded" if scheduler.state == "stale" else "ok", "database": "ok",
            "scheduler": scheduler.state,
            "scheduler_last_beat": iso_in(scheduler.last_beat, "UTC")}
    return jsonify(body), 200
