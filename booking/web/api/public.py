"""Public API: business info, availability and booking, by slug and without auth."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, g, jsonify, request

from booking.clock import utcnow
from booking.errors import InvalidInput, NotFound
from booking.extensions import db, limiter
from booking.operations.availability import available_slots
from booking.operations.bookings import create_booking
from booking.operations.services import get_service, list_services
from booking.operations.staff import get_staff, list_staff
from booking.timezones import is_known_zone, zone
from booking.web.api.booking_input import booking_request
from booking.web.api.schema import Fields, is_id
from booking.web.formatting import iso_in, slot_json
from booking.web.tenancy import bind_business_by_slug
from booking.web.urls import absolute_url

bp = Blueprint("public", __name__)
MAX_RANGE_DAYS = 62


bind_business_by_slug(bp)


@bp.get("/public/<slug>")
def business_info():
    business = g.business
    return jsonify({
        "name": business.name, "slug": business.slug, "timezone": business.timezone, "locale": business.locale,
        "services": [{"id": s.id, "name": s.name, "duration_minutes": s.duration_minutes, "capacity": s.capacity,
                      "description": s.description, "price": str(s.price) if s.price is not None else None,
                      "staff_ids": [m.id for m in s.staff if m.active]} for s in list_services(business)],
        "staff": [{"id": m.id, "name": m.name} for m in list_staff(business)],
    })


def _query_id(args: Fields, name: str, required: bool) -> int | None:
    raw = args.data.get(name)
    if raw in (None, ""):
        if required:
            args.errors[name] = "is required"
        return None
    if not is_id(raw):
        args.errors[name] = "must be an id"
        return None
    return int(raw)


def parse_availability_query(default_tz: str) -> tuple[int, int | None, datetime, datetime, str]:
    """service, staff (None = any), [start, end) covering local dates from..to in tz, tz."""
    args = Fields(request.args.to_dict())
    service_id = _query_id(args, "service", required=True)
    staff_raw = args.data.get("staff") or "any"
    staff_id = None if staff_raw == "any" else _query_id(args, "staff", required=True)
    tz_name = args.data.get("tz") or default_tz
    if not is_known_zone(tz_name):
        args.errors["tz"] = "must be an IANA time zone such as Europe/Berlin"
    first, last = args.day("from", required=True), args.day("to", required=True)
    if first and last and not 0 <= (last - first).days < MAX_RANGE_DAYS:
        args.errors["to"] = f"must be on or after from and at most {MAX_RANGE_DAYS} days after it"
    args.check()
    tz = zone(tz_name)
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    return service_id, staff_id, start, end, tz_name


def lookup_offer(business, service_id: int, staff_id: int | None):
    """The service and the staff to search; unknown ids are 422 (they are query parameters)."""
    try:
        service = get_service(business, service_id)
        staff = [get_staff(business, staff_id)] if staff_id is not None else list(service.staff)
    except NotFound as exc:
        raise InvalidInput({"service" if "service" in exc.message else "staff": exc.message}) from exc
    return service, [member for member in staff if member.active and member in service.staff]


@bp.get("/public/<slug>/availability")
def availability():
    service_id, staff_id, start, end, tz_name = parse_availability_query(g.business.timezone)
    service, staff = lookup_offer(g.business, service_id, staff_id)
    slots = available_slots(g.business, service, staff, start, end, utcnow())
    return jsonify({"timezone": tz_name, "slots": [slot_json(slot, tz_name) for slot in slots]})


def created_booking_json(result, tz_name: str) -> dict:
    booking = result.booking
    return {"id": booking.id, "status": booking.status, "start": iso_in(booking.start_utc, tz_name),
            "end": iso_in(booking.end_utc, tz_name), "staff_id": booking.staff_id,
            "service_id": booking.service_id, "manage_token": result.manage_token,
            "manage_url": absolute_url("manage_page.show", token=result.manage_token),
            "ics_url": absolute_url("api.manage.ics", token=result.manage_token)}


@bp.post("/public/<slug>/bookings")
@limiter.limit("30 per minute; 300 per hour")
def book():
    result = create_booking(g.business, booking_request("online"), utcnow(), "customer")
    db.session.commit()
    return jsonify(created_booking_json(result, g.business.timezone)), 201 if result.created else 200
