"""Manage a booking by its private token: view, reschedule, cancel, .ics."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify

from booking.clock import utcnow
from booking.extensions import db, limiter
from booking.operations.booking_changes import (
    cancel_booking,
    check_cutoff,
    move_booking,
)
from booking.calendars.invitations import booking_invitation
from booking.web.api.schema import Fields, read_json_body
from booking.web.formatting import booking_json
from booking.web.tenancy import bind_booking_by_token
from booking.web.urls import absolute_url

bp = Blueprint("manage", __name__)


bind_booking_by_token(bp)


def manage_json() -> dict:
    body = booking_json(g.booking, g.business.timezone)
    body.update(manage_url=absolute_url("manage_page.show", token=g.manage_token),
                ics_url=absolute_url("api.manage.ics", token=g.manage_token),
                business={"name": g.business.name, "slug": g.business.slug, "timezone": g.business.timezone})
    return body


@bp.get("/manage/<token>")
def show():
    return jsonify(manage_json())


@bp.post("/manage/<token>/reschedule")
@limiter.limit("20 per minute")
def reschedule():
    body = Fields(read_json_body())
    start = body.moment("start", required=True)
    body.check()
    now = utcnow()
    check_cutoff(g.business, g.booking, now)
    move_booking(g.business, g.booking, start, None, now, "customer", source="online")
    db.session.commit()
    return jsonify(manage_json())


@bp.post("/manage/<token>/cancel")
@limiter.limit("20 per minute")
def cancel():
    now = utcnow()
    if g.booking.status != "cancelled":
        check_cutoff(g.business, g.booking, now)
    cancel_booking(g.booking, now, "customer")
    db.session.commit()
    return jsonify(manage_json())


@bp.get("/manage/<token>/ics")
def ics():
    body = booking_invitation(g.booking, g.business, current_app.config["MAIL_FROM"])
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="booking.ics"'},
                    content_type="text/calendar; charset=utf-8")
