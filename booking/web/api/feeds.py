"""Calendar feeds (export): the private .ics URL of a staff member or the business, its rotation
and the "busy only" switch."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from booking.clock import utcnow
from booking.extensions import db
from booking.models import CalendarFeed
from booking.operations import feeds as ops
from booking.operations.staff import get_staff
from booking.web.api.auth import authenticate_api_key
from booking.web.api.schema import Fields, read_json_body
from booking.web.audit import audit
from booking.web.urls import absolute_url

bp = Blueprint("feeds", __name__)
bp.before_request(authenticate_api_key)


def feed_url(token: str) -> str:
    return absolute_url("feeds.calendar", token=token)


def _feed(staff_id: int | None) -> CalendarFeed:
    staff = None if staff_id is None else get_staff(g.business, staff_id)
    return ops.get_or_create_feed(g.business, staff, utcnow())


def _json(feed: CalendarFeed, token: str | None = None) -> dict:
    return {"url": feed_url(token or ops.feed_token(feed)), "busy_only": feed.busy_only}


def _show(staff_id: int | None):
    return jsonify(_json(_feed(staff_id)))


def _rotate(staff_id: int | None):
    feed = _feed(staff_id)
    token = ops.rotate_feed(feed, utcnow())
    audit("feed.rotate", "feed", feed.id, staff_id=feed.staff_id)
    db.session.commit()
    return jsonify(_json(feed, token))


def _patch(staff_id: int | None):
    body = Fields(read_json_body())
    busy_only = body.flag("busy_only", required=True)
    body.check()
    feed = _feed(staff_id)
    ops.set_busy_only(feed, busy_only)
    audit("feed.busy_only", "feed", feed.id, staff_id=feed.staff_id, busy_only=busy_only)
    db.session.commit()
    return jsonify(_json(feed))


@bp.get("/staff/<int:staff_id>/feed")
def staff_feed(staff_id: int):
    return _show(staff_id)


@bp.post("/staff/<int:staff_id>/feed/rotate")
def rotate_staff_feed(staff_id: int):
    return _rotate(staff_id)


@bp.patch("/staff/<int:staff_id>/feed")
def patch_staff_feed(staff_id: int):
    return _patch(staff_id)


@bp.get("/business/feed")
def business_feed():
    return _show(None)


@bp.post("/business/feed/rotate")
def rotate_business_feed():
    return _rotate(None)


@bp.patch("/business/feed")
def patch_business_feed():
    return _patch(None)
