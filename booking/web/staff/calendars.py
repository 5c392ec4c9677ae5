"""Workspace: the external calendars that block bookings, and the conflicts their busy times cause.

Owners (and staff accounts not tied to one staff member) manage every staff member's
calendars; a staff account tied to a staff member manages only that member's.
"""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from booking.clock import utcnow
from booking.errors import Conflict, InvalidInput, NotFound
from booking.extensions import db
from booking.models import ExternalCalendar, Staff
from booking.operations import calendars as ops
from booking.operations.bookings import get_booking
from booking.operations.staff import list_staff
from booking.web.audit import audit
from booking.web.errors import page_text
from booking.web.staff.blueprint import bp


class CalendarForm(FlaskForm):
    staff_id = SelectField(coerce=int, validators=[InputRequired()])
    url = StringField(validators=[InputRequired(), Length(max=2000)])
    name = StringField(validators=[Optional(), Length(max=200)])
    all_day_busy = BooleanField(default=True)


class AllDayForm(FlaskForm):
    all_day_busy = BooleanField()


class CancelForm(FlaskForm):
    message = TextAreaField(validators=[Optional(), Length(max=1000)])


def _staff() -> list[Staff]:
    members = list_staff(g.business)
    if current_user.is_owner or current_user.staff_id is None:
        return members
    return [member for member in members if member.id == current_user.staff_id]


def _staff_ids() -> list[int]:
    return [member.id for member in _staff()]


def _calendar(calendar_id: int) -> ExternalCalendar:
    calendar = ops.get_calendar(g.business, calendar_id)
    if calendar.staff_id not in _staff_ids():
        raise NotFound("No such calendar.")
    return calendar


def _new_form(staff: list[Staff]) -> CalendarForm:
    form = CalendarForm()
    form.staff_id.choices = [(member.id, member.name) for member in staff]
    return form


def _page(form: CalendarForm, status: int = 200):
    staff = _staff()
    calendars = ops.list_calendars(g.business, [member.id for member in staff])
    open_conflicts = len(ops.list_conflicts(g.business, staff_ids=[member.id for member in staff]))
    return render_template("staff/calendars.html", staff=staff, calendars=calendars, form=form,
                           all_day_form=AllDayForm(), open_conflicts=open_conflicts, tz_name=g.business.timezone,
                           display_url=ops.display_url), status


@bp.get("/calendars")
def calendars():
    return _page(_new_form(_staff()))


@bp.post("/calendars")
def add_calendar():
    staff = _staff()
    form = _new_form(staff)
    if not form.validate():
        return _page(form, 422)
    member = next(m for m in staff if m.id == form.staff_id.data)
    try:
        calendar = ops.add_calendar(g.business, member, form.url.data.strip(), (form.name.data or "").strip() or None,
                         bool(form.all_day_busy.data), bool(current_app.config["ALLOW_PRIVATE_CALENDAR_URLS"]),
                         utcnow())
    except InvalidInput as exc:
        form.url.errors = [exc.fields.get("url", exc.message)]
        return _page(form, 422)
    except Conflict as exc:
        flash(page_text(exc))
        return redirect(url_for(".calendars"), 303)
    audit("calendar.add", "calendar", calendar.id, staff_id=member.id, name=calendar.name,
          all_day_busy=calendar.all_day_busy)
    db.session.commit()
    flash(_("Calendar added. It is read within the next minutes, or now with \u201cSync now\u201d."))
    return redirect(url_for(".calendars"), 303)


@bp.post("/calendars/<int:calendar_id>/sync")
def sync_calendar_now(calendar_id: int):
    calendar = _calendar(calendar_id)
    if not FlaskForm().validate():
        flash(_("The form expired. Please try again."))
        return redirect(url_for(".calendars"), 303)
    outcome = ops.sync_now(g.business, calendar.id, utcnow())
    if outcome.status == "error":
        flash(_("The calendar could not be read: %(error)s", error=outcome.error))
    else:
        flash(_("Calendar read: %(count)s busy times.", count=outcome.busy_blocks))
    return redirect(url_for(".calendars"), 303)


@bp.post("/calendars/<int:calendar_id>/all-day")
def set_all_day(calendar_id: int):
    calendar = _calendar(calendar_id)
    form = AllDayForm()
    if form.validate():
        ops.update_calendar(calendar, utcnow(), all_day_busy=bool(form.all_day_busy.data))
        audit("calendar.update", "calendar", calendar.id, all_day_busy=calendar.all_day_busy)
        db.session.commit()
        flash(_("Saved. The busy times are computed again with the next sync."))
    return redirect(url_for(".calendars"), 303)


@bp.post("/calendars/<int:calendar_id>/delete")
def delete_calendar(calendar_id: int):
    calendar = _calendar(calendar_id)
    if FlaskForm().validate():
        audit("calendar.delete", "calendar", calendar.id, staff_id=calendar.staff_id, name=calendar.name)
        ops.delete_calendar(calendar, utcnow())
        db.session.commit()
        flash(_("Calendar removed; its busy times no longer block bookings."))
    return redirect(url_for(".calendars"), 303)


@bp.get("/conflicts")
def conflicts():
    rows = ops.list_conflicts(g.business, staff_ids=_staff_ids())
    return render_template("staff/conflicts.html", rows=rows, cancel_form=CancelForm(), tz_name=g.business.timezone)


@bp.post("/conflicts/<int:conflict_id>/<any(keep, cancel):action>")
def resolve_conflict(conflict_id: int, action: str):
    conflict = ops.get_conflict(g.business, conflict_id)
    if get_booking(g.business, conflict.booking_id).staff_id not in _staff_ids():
        raise NotFound("No such conflict.")
    form = CancelForm()
    if not form.validate():
        flash(_("The form expired. Please try again."))
        return redirect(url_for(".conflicts"), 303)
    message = (form.message.data or "").strip() or None
    try:
        ops.resolve_conflict(g.business, conflict, action, utcnow(), f"user:{current_user.id}", message=message)
    except Conflict as exc:
        db.session.rollback()
        flash(page_text(exc))
        return redirect(url_for(".conflicts"), 303)
    db.session.commit()
    flash(_("The booking stays.") if action == "keep" else _("The booking was cancelled; the customer is told."))
    return redirect(url_for(".conflicts"), 303)
