"""Staff members, their weekly hours, date overrides and time off."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, g, jsonify

from booking.clock import utcnow
from booking.errors import InvalidInput
from booking.extensions import db
from booking.operations import staff as ops
from booking.web.api.auth import authenticate_api_key
from booking.web.api.schema import Fields, parse_ranges, read_json_body
from booking.web.audit import audit, changed_values, ranges_detail
from booking.web.formatting import clock_text, iso_in, staff_json

bp = Blueprint("staff", __name__)
bp.before_request(authenticate_api_key)


def _hours_json(hours: dict) -> dict:
    return {day: [[clock_text(s), clock_text(e)] for s, e in ranges] for day, ranges in hours.items()}


def _staff_fields(partial: bool) -> dict:
    body = Fields(read_json_body())
    fields = {"name": body.text("name", required=True)} if body.has("name") or not partial else {}
    if body.has("email"):
        fields["email"] = body.email("email")
    if body.has("timezone"):
        fields["timezone"] = body.zone("timezone")
    body.check()
    return fields


@bp.post("/staff")
def create_staff():
    fields = _staff_fields(partial=False)
    staff = ops.create_staff(g.business, fields, utcnow())
    audit("staff.create", "staff", staff.id, **fields)
    db.session.commit()
    return jsonify(staff_json(staff)), 201


@bp.get("/staff")
def list_staff():
    return jsonify({"staff": [staff_json(member) for member in ops.list_staff(g.business)]})


@bp.get("/staff/<int:staff_id>")
def show_staff(staff_id: int):
    staff = ops.get_staff(g.business, staff_id)
    return jsonify(dict(staff_json(staff), hours=_hours_json(ops.weekly_hours(staff))))


@bp.patch("/staff/<int:staff_id>")
def patch_staff(staff_id: int):
    staff = ops.get_staff(g.business, staff_id)
    fields = _staff_fields(partial=True)
    audit("staff.update", "staff", staff.id, changes=changed_values(staff, fields))
    ops.update_staff(staff, fields)
    db.session.commit()
    return jsonify(staff_json(staff))


@bp.delete("/staff/<int:staff_id>")
def delete_staff(staff_id: int):
    staff = ops.get_staff(g.business, staff_id)
    ops.deactivate_staff(staff)
    audit("staff.deactivate", "staff", staff.id, name=staff.name)
    db.session.commit()
    return "", 204


@bp.put("/staff/<int:staff_id>/hours")
def put_hours(staff_id: int):
    staff = ops.get_staff(g.business, staff_id)
    body = read_json_body()
    hours, errors = {}, {}
    for day, value in body.items():
        if day not in ops.WEEKDAYS:
            errors[day] = "unknown day; use " + ", ".join(ops.WEEKDAYS)
            continue
        try:
            hours[day] = parse_ranges(value)
        except ValueError as exc:
            errors[day] = str(exc)
    if errors:
        raise InvalidInput(errors)
    stored = ops.set_weekly_hours(staff, hours)
    audit("staff.hours", "staff", staff.id, hours={day: ranges_detail(r) for day, r in stored.items()})
    db.session.commit()
    return jsonify(_hours_json(stored))


def _parse_day(day: str) -> date:
    """The <day> of an override path, read like every other date (years 1900 to 2999)."""
    path = Fields({"date": day})
    on = path.day("date", required=True)
    path.check()
    return on


@bp.put("/staff/<int:staff_id>/overrides/<day>")
def put_override(staff_id: int, day: str):
    staff = ops.get_staff(g.business, staff_id)
    on = _parse_day(day)
    body = Fields(read_json_body())
    try:
        ranges = parse_ranges(body.data.get("hours")) if body.has("hours") else None
    except ValueError as exc:
        raise InvalidInput({"hours": str(exc)}) from exc
    if ranges is None:
        raise InvalidInput({"hours": "is required (an empty list closes the day)"})
    override = ops.set_override(staff, on, ranges)
    audit("staff.override_set", "staff", staff.id, date=on, hours=ranges_detail(override.ranges))
    db.session.commit()
    return jsonify({"date": on.isoformat(), "hours": [[clock_text(s), clock_text(e)] for s, e in override.ranges]})


@bp.delete("/staff/<int:staff_id>/overrides/<day>")
def delete_override(staff_id: int, day: str):
    staff, on = ops.get_staff(g.business, staff_id), _parse_day(day)
    ops.delete_override(staff, on)
    audit("staff.override_delete", "staff", staff.id, date=on)
    db.session.commit()
    return "", 204


@bp.post("/staff/<int:staff_id>/time-off")
def add_time_off(staff_id: int):
    staff = ops.get_staff(g.business, staff_id)
    body = Fields(read_json_body())
    start, end = body.moment("start", required=True), body.moment("end", required=True)
    reason = body.text("reason")
    body.check()
    entry = ops.add_time_off(staff, start, end, reason)
    audit("time_off.add", "time_off", entry.id, staff_id=staff.id, start=entry.start_utc, end=entry.end_utc)
    db.session.commit()
    tz = g.business.timezone
    return jsonify({"id": entry.id, "staff_id": staff.id, "start": iso_in(entry.start_utc, tz),
                    "end": iso_in(entry.end_utc, tz), "reason": entry.reason}), 201


@bp.delete("/staff/<int:staff_id>/time-off/<int:time_off_id>")
def delete_time_off(staff_id: int, time_off_id: int):
    ops.delete_time_off(ops.get_staff(g.business, staff_id), time_off_id)
    audit("time_off.delete", "time_off", time_off_id, staff_id=staff_id)
    db.session.commit()
    return "", 204


