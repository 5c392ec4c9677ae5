"""External calendars (import) and the conflicts they cause (API.md "External calendars", "Conflicts")."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from booking.clock import utcnow
from booking.extensions import db, limiter
from booking.models import ExternalCalendar
from booking.operations import calendars as ops
from booking.operations.staff import get_staff
from booking.web.api.auth import authenticate_api_key
from booking.web.api.schema import Fields, read_json_body
from booking.web.audit import audit
from booking.web.formatting import iso_in

bp = Blueprint("calendars", __name__)
bp.before_request(authenticate_api_key)
MAX_URL = 2000


def calendar_json(calendar: ExternalCalendar) -> dict[str, Any]:
    tz = g.business.timezone
    return {"id": calendar.id, "staff_id": calendar.staff_id, "name": calendar.name,
            "url": ops.display_url(calendar.url), "all_day_busy": calendar.all_day_busy,
            "last_synced_at": iso_in(calendar.last_synced_at, tz),
            "last_attempt_at": iso_in(calendar.last_attempt_at, tz), "last_error": calendar.last_error,
            "busy_blocks": calendar.busy_count, "failures": calendar.failures,
            "next_sync_at": iso_in(calendar.next_sync_at, tz),
            "problems": calendar.last_problems.splitlines() if calendar.last_problems else []}


def conflict_json(row: ops.ConflictRow) -> dict[str, Any]:
    tz, conflict = g.business.timezone, row.conflict
    return {"id": conflict.id, "booking_id": conflict.booking_id, "calendar_id": conflict.calendar_id,
            "busy_start": iso_in(conflict.busy_start_utc, tz), "busy_end": iso_in(conflict.busy_end_utc, tz),
            "booking_start": iso_in(row.booking.start_utc, tz), "booking_end": iso_in(row.booking.end_utc, tz),
            "staff_id": row.booking.staff_id, "booking_status": row.booking.status,
            "detected_at": iso_in(conflict.detected_at, tz), "resolved_at": iso_in(conflict.resolved_at, tz),
            "resolution": conflict.resolution}


def _allow_private() -> bool:
    return bool(current_app.config["ALLOW_PRIVATE_CALENDAR_URLS"])


@bp.post("/staff/<int:staff_id>/calendars")
def add_calendar(staff_id: int):
    staff = get_staff(g.business, staff_id)
    body = Fields(read_json_body())
    url, name = body.text("url", required=True, max_length=MAX_URL), body.text("name")
    all_day_busy = body.flag("all_day_busy")
    body.check()
    calendar = ops.add_calendar(g.business, staff, url, name, True if all_day_busy is None else all_day_busy,
                                _allow_private(), utcnow())
    audit("calendar.add", "calendar", calendar.id, staff_id=staff.id, name=calendar.name,
          all_day_busy=calendar.all_day_busy)
    db.session.commit()
    return jsonify(calendar_json(calendar)), 201


@bp.get("/staff/<int:staff_id>/calendars")
def list_calendars(staff_id: int):
    staff = get_staff(g.business, staff_id)
    return jsonify({"calendars": [calendar_json(c) for c in ops.list_calendars(g.business, [staff.id])]})


@bp.get("/calendars/<int:calendar_id>")
def show_calendar(calendar_id: int):
    return jsonify(calendar_json(ops.get_calendar(g.business, calendar_id)))


@bp.patch("/calendars/<int:calendar_id>")
def patch_calendar(calendar_id: int):
    calendar = ops.get_calendar(g.business, calendar_id)
    body = Fields(read_json_body())
    name, all_day_busy = body.text("name"), body.flag("all_day_busy")
    body.check()
    ops.update_calendar(calendar, utcnow(), name=name, all_day_busy=all_day_busy)
    changes = {"name": name, "all_day_busy": all_day_busy}
    audit("calendar.update", "calendar", calendar.id, **{k: v for k, v in changes.items() if v is not None})
    db.session.commit()
    return jsonify(calendar_json(calendar))


@bp.post("/calendars/<int:calendar_id>/sync")
@limiter.limit("10 per minute", key_func=lambda: request.path)  # each sync-now costs the calendar's server a fetch
def sync_calendar(calendar_id: int):
    outcome = ops.sync_now(g.business, calendar_id, utcnow())
    body: dict[str, Any] = {"status": outcome.status, "busy_blocks": outcome.busy_blocks}
    if outcome.error:
        body["error"] = outcome.error
    return jsonify(body)


@bp.delete("/calendars/<int:calendar_id>")
def delete_calendar(calendar_id: int):
    calendar = ops.get_calendar(g.business, calendar_id)
    audit("calendar.delete", "calendar", calendar.id, staff_id=calendar.staff_id, name=calendar.name)
    ops.delete_calendar(calendar, utcnow())
    db.session.commit()
    return "", 204


@bp.get("/conflicts")
def list_conflicts():
    include_resolved = request.args.get("all", "") in ("1", "true", "yes")
    return jsonify({"conflicts": [conflict_json(row) for row in ops.list_conflicts(g.business, include_resolved)]})


@bp.post("/conflicts/<int:conflict_id>/resolve")
def resolve_conflict(conflict_id: int):
    conflict = ops.get_conflict(g.business, conflict_id)
    body = Fields(read_json_body())
    action = body.choice("action", ops.RESOLUTIONS, required=True)
    message = body.text("message", max_length=1000)
    start, staff_id = body.moment("start"), body.integer("staff_id", minimum=1)
    body.check()
    row = ops.resolve_conflict(g.business, conflict, action, utcnow(), g.actor, message=message, start=start,
                               staff_id=staff_id)
    db.session.commit()
    return jsonify(conflict_json(row))
