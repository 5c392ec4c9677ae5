"""Owner settings: one staff member's weekly hours (several ranges per day), date overrides and
time off, all on one page. Wall-clock times are the staff member's zone; the rules and the
storage are the API's (booking.operations.staff), so both ways of editing agree."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from booking.clock import utcnow
from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.models import Staff
from booking.operations import staff as ops
from booking.timezones import zone
from booking.web.audit import audit, ranges_detail
from booking.web.display import date_text, first_weekday, weekday_headers
from booking.web.staff.blueprint import bp
from booking.web.staff.settings_schedule_forms import (
    OverrideForm,
    RangeGroups,
    TimeOffForm,
    apply_row_button,
    check_weekly_rows,
    ranges_text,
    rows_from_post,
    rows_from_ranges,
    weekly_rows,
    weekly_rows_from_post,
)
from booking.web.staff.settings_staff import owned_member, render_settings_page

OVERRIDE = "override"  # the row group of the override form


def _day_names() -> list[tuple[str, tuple[str, str]]]:
    """(weekday key, (short, full name)) starting on the first day of the week of the page's language."""
    start = first_weekday()
    keys = [ops.WEEKDAYS[(start + offset) % 7] for offset in range(7)]
    return list(zip(keys, weekday_headers()))


def _today(member: Staff) -> date:
    return utcnow().astimezone(zone(ops.staff_zone_name(member))).date()


def _page(member: Staff, weekly: RangeGroups | None = None, override_form: OverrideForm | None = None,
          override_rows: RangeGroups | None = None, time_off_form: TimeOffForm | None = None,
          status: int = 200, unsaved: str | None = None):
    """The whole page; the form that was posted comes back with what was typed and its messages."""
    weekly = weekly or weekly_rows(ops.weekly_hours(member))
    return render_settings_page(
        "staff/settings_hours.html", status, member=member, zone_name=ops.staff_zone_name(member),
        weekly=weekly, weekly_has_errors=any(row.error for rows in weekly.values() for row in rows),
        day_names=_day_names(), unsaved=unsaved,
        override_form=override_form or OverrideForm(formdata=None),
        override_rows=override_rows or {OVERRIDE: rows_from_ranges([], spare=2)},
        overrides=ops.upcoming_overrides(member, _today(member)), ranges_text=ranges_text,
        time_off_form=time_off_form or TimeOffForm(formdata=None),
        time_off=ops.upcoming_time_off(member, utcnow()))


@bp.route("/settings/staff/<int:staff_id>/hours", methods=["GET", "POST"])
def settings_hours(staff_id: int):
    member = owned_member(staff_id)
    if request.method == "GET":
        return _page(member)
    weekly = weekly_rows_from_post(request.form)
    if apply_row_button(weekly, request.form):
        return _page(member, weekly=weekly, unsaved="weekly")
    hours = check_weekly_rows(weekly)
    if hours is None:
        return _page(member, weekly=weekly, status=422)
    stored = ops.set_weekly_hours(member, hours)
    audit("staff.hours", "staff", member.id, hours={day: ranges_detail(r) for day, r in stored.items()})
    db.session.commit()
    flash(_("The working hours of %(name)s were saved.", name=member.name))
    return redirect(url_for(".settings_hours", staff_id=member.id), 303)


@bp.post("/settings/staff/<int:staff_id>/overrides")
def settings_override_save(staff_id: int):
    member = owned_member(staff_id)
    form = OverrideForm()
    rows = {OVERRIDE: rows_from_post(request.form, OVERRIDE) or rows_from_ranges([])}
    if apply_row_button(rows, request.form):
        return _page(member, override_form=form, override_rows=rows, unsaved="override")
    ranges = form.checked_ranges(rows[OVERRIDE], _today(member))
    if ranges is None:
        return _page(member, override_form=form, override_rows=rows, status=422)
    override = ops.set_override(member, form.day.parsed, ranges)
    audit("staff.override_set", "staff", member.id, date=override.day, hours=ranges_detail(override.ranges))
    db.session.commit()
    flash(_("The hours for %(date)s were saved.", date=date_text(form.day.parsed)))
    return redirect(url_for(".settings_hours", staff_id=member.id, _anchor="overrides"), 303)


def _parse_day_or_404(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise NotFound("No override on that date.") from exc


@bp.post("/settings/staff/<int:staff_id>/overrides/<day>/delete")
def settings_override_delete(staff_id: int, day: str):
    member = owned_member(staff_id)
    on = _parse_day_or_404(day)
    ops.delete_override(member, on)
    audit("staff.override_delete", "staff", member.id, date=on)
    db.session.commit()
    flash(_("The hours for %(date)s were removed; the weekly hours apply again.", date=date_text(on)))
    return redirect(url_for(".settings_hours", staff_id=member.id, _anchor="overrides"), 303)


@bp.post("/settings/staff/<int:staff_id>/time-off")
def settings_time_off_add(staff_id: int):
    member = owned_member(staff_id)
    form = TimeOffForm()
    if not form.validate():
        return _page(member, time_off_form=form, status=422)
    tz_name = ops.staff_zone_name(member)
    start = ops.local_to_utc(form.start_local.moment, tz_name)
    end = ops.local_to_utc(form.end_local.moment, tz_name)
    try:
        entry = ops.add_time_off(member, start, end, form.reason.data or None)
    except InvalidInput:
        form.end_local.errors = [_("The end must be after the start.")]
        return _page(member, time_off_form=form, status=422)
    audit("time_off.add", "time_off", entry.id, staff_id=member.id, start=start, end=end)
    db.session.commit()
    flash(_("The time off was added."))
    return redirect(url_for(".settings_hours", staff_id=member.id, _anchor="time-off"), 303)


@bp.post("/settings/staff/<int:staff_id>/time-off/<int:time_off_id>/delete")
def settings_time_off_delete(staff_id: int, time_off_id: int):
    member = owned_member(staff_id)
    ops.delete_time_off(member, time_off_id)
    audit("time_off.delete", "time_off", time_off_id, staff_id=member.id)
    db.session.commit()
    flash(_("The time off was removed."))
    return redirect(url_for(".settings_hours", staff_id=member.id, _anchor="time-off"), 303)
