"""The workspace start page: the practice's bookings of one day, and running-late controls."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from booking.clock import utcnow
from booking.extensions import db
from booking.operations.bookings import list_bookings, lock_staff
from booking.operations.delays import current_delays, report_delay
from booking.operations.staff import get_staff, list_staff
from booking.timezones import zone
from booking.web.audit import audit
from booking.web.staff.blueprint import bp
from booking.web.staff.forms import DELAY_STEPS, DelayForm

MAX_DELAY_MINUTES = 12 * 60  # the same ceiling as the API's delay report


def _day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    tz = zone(tz_name)
    start = datetime.combine(day, datetime.min.time(), tz)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)


def _asked_day(tz_name: str, now: datetime) -> tuple[date, date]:
    today = now.astimezone(zone(tz_name)).date()
    try:
        day = date.fromisoformat(request.args["date"]) if request.args.get("date") else None
    except ValueError:
        day = None
    return day or today, today


@bp.get("/")
def today():
    tz_name, now = g.business.timezone, utcnow()
    day, this_day = _asked_day(tz_name, now)
    start, end = _day_bounds(day, tz_name)
    bookings = list_bookings(g.business, start, end)
    staff = list_staff(g.business) if day == this_day else []
    return render_template("staff/today.html", day=day, bookings=bookings, tz=zone(tz_name), tz_name=tz_name,
                           previous_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
                           staff=staff, delays=current_delays(g.business, staff, now), steps=DELAY_STEPS,
                           delay_form=DelayForm())


@bp.post("/staff/<int:staff_id>/delay")
def report_staff_delay(staff_id: int):
    """Running late: today's delay plus the step pressed (0: back on time); customers are told."""
    staff = get_staff(g.business, staff_id)
    form = DelayForm()
    if not form.validate():
        flash(_("Please use one of the running-late buttons."))
        return redirect(url_for(".today"), 303)
    now = utcnow()
    lock_staff([staff.id])  # read and write the day's delay under the same lock
    step = form.step.data
    minutes = 0 if step == 0 else min(MAX_DELAY_MINUTES, current_delays(g.business, [staff], now)[staff.id] + step)
    result = report_delay(g.business, staff, minutes, now)
    audit("staff.delay", "staff", staff.id, minutes=minutes, notified=result.notified)
    db.session.commit()
    if minutes:
        flash(_("%(name)s is running %(minutes)s minutes late.", name=staff.name, minutes=minutes))
    else:
        flash(_("%(name)s is back on time.", name=staff.name))
    flash(ngettext("%(num)s customer notified", "%(num)s customers notified", result.notified))
    return redirect(url_for(".today"), 303)
