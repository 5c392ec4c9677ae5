"""Bookings in the management API."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from booking.clock import utcnow
from booking.extensions import db
from booking.models import STATUSES
from booking.operations.booking_changes import change_status, move_booking
from booking.operations.bookings import create_booking, get_booking, list_bookings
from booking.web.api.auth import authenticate_api_key
from booking.web.api.booking_input import booking_request
from booking.web.api.public import created_booking_json
from booking.web.api.schema import Fields, is_id, read_json_body
from booking.web.formatting import booking_json

bp = Blueprint("bookings", __name__)
bp.before_request(authenticate_api_key)
STAFF_STATUSES = ("arrived", "completed", "no_show", "cancelled", "confirmed")


@bp.get("/bookings")
def index():
    args = Fields(request.args.to_dict())
    start, end = args.moment("from"), args.moment("to")
    status = args.choice("status", STATUSES)
    staff_raw = args.data.get("staff_id")
    if staff_raw not in (None, "") and not is_id(staff_raw):
        args.errors["staff_id"] = "must be an id"
    args.check()
    staff_id = int(staff_raw) if staff_raw else None
    found = list_bookings(g.business, start, end, staff_id, status)
    return jsonify({"bookings": [booking_json(b, g.business.timezone) for b in found]})


@bp.post("/bookings")
def create():
    result = create_booking(g.business, booking_request("staff"), utcnow(), g.actor)
    db.session.commit()
    body = dict(booking_json(result.booking, g.business.timezone), **created_booking_json(result, g.business.timezone))
    return jsonify(body), 201 if result.created else 200


@bp.get("/bookings/<int:booking_id>")
def show(booking_id: int):
    return jsonify(booking_json(get_booking(g.business, booking_id), g.business.timezone))


@bp.patch("/bookings/<int:booking_id>")
def patch(booking_id: int):
    booking = get_booking(g.business, booking_id)
    body = Fields(read_json_body())
    start = body.moment("start")
    staff_id = body.integer("staff_id")
    status = body.choice("status", STAFF_STATUSES)
    if not (start or staff_id or status):
        body.errors["body"] = "send start and/or staff_id (a move), or status"
    body.check()
    now = utcnow()
    if start or staff_id:
        move_booking(g.business, booking, start, staff_id, now, g.actor)
    if status:
        change_status(booking, status, now, g.actor)
    db.session.commit()
    return jsonify(booking_json(booking, g.business.timezone))
