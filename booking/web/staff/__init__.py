"""The workspace for owners and staff (under /app)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, g, render_template, request
from flask_login import current_user, login_required

from booking.clock import utcnow
from booking.operations.bookings import list_bookings
from booking.timezones import zone

bp = Blueprint("staff", __name__, url_prefix="/app")


@bp.before_request
@login_required
def _require_login() -> None:
    g.business = current_user.business
    g.business_locale = g.business.locale


def _day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    tz = zone(tz_name)
    start = datetime.combine(day, datetime.min.time(), tz)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)


@bp.get("/")
def today():
    tz_name = g.business.timezone
    try:
        day = date.fromisoformat(request.args["date"]) if request.args.get("date") else None
    except ValueError:
        day = None
    day = day or utcnow().astimezone(zone(tz_name)).date()
    start, end = _day_bounds(day, tz_name)
    bookings = list_bookings(g.business, start, end)
    return render_template("staff/today.html", day=day, bookings=bookings, tz=zone(tz_name),
                           previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1))
