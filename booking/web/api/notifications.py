"""Delay reports and the outbox in the management API."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from booking.clock import utcnow
from booking.extensions import db
from booking.models import Notification
from booking.operations.delays import report_delay
from booking.operations.staff import get_staff
from booking.web.api.auth import authenticate_api_key
from booking.web.api.schema import Fields, is_id, read_json_body
from booking.web.audit import audit
from booking.web.formatting import iso_in

bp = Blueprint("notifications", __name__)
bp.before_request(authenticate_api_key)
MAX_DELAY_MINUTES = 12 * 60


@bp.post("/staff/<int:staff_id>/delay")
def delay(staff_id: int):
    staff = get_staff(g.business, staff_id)
    body = Fields(read_json_body())
    minutes = body.integer("minutes", required=True, minimum=0, maximum=MAX_DELAY_MINUTES)
    body.check()
    result = report_delay(g.business, staff, minutes, utcnow())
    audit("staff.delay", "staff", staff.id, minutes=minutes, notified=result.notified)
    db.session.commit()
    tz = g.business.timezone
    return jsonify({"affected": [{"booking_id": booking_id, "estimated_start": iso_in(estimate, tz)}
                                 for booking_id, estimate in result.affected],
                    "notified": result.notified})


def notification_json(row: Notification, tz: str) -> dict:
    return {"id": row.id, "booking_id": row.booking_id, "kind": row.kind, "channel": row.channel,
            "due_at": iso_in(row.due_at, tz), "status": row.status, "attempts": row.attempts,
            "sent_at": iso_in(row.sent_at, tz), "last_error": row.last_error}


@bp.get("/notifications")
def index():
    args = Fields(request.args.to_dict())
    raw = args.data.get("booking_id")
    if raw not in (None, "") and not is_id(raw):
        args.errors["booking_id"] = "must be an id"
    args.check()
    query = select(Notification).where(Notification.business_id == g.business.id)
    if raw:
        query = query.where(Notification.booking_id == int(raw))
    rows = db.session.scalars(query.order_by(Notification.due_at, Notification.id).limit(1000))
    return jsonify({"notifications": [notification_json(row, g.business.timezone) for row in rows]})
