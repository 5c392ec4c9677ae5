"""One booking as staff see it: the customer and their short history, the estimate, every message
sent or planned, the audit trail; and what staff do with it: move it, set its status, cancel it
with a message to the customer."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from booking.clock import utcnow
from booking.errors import Conflict, SlotUnavailable
from booking.extensions import db
from booking.models import Booking, BookingEvent, Feedback, Notification, Staff, User
from booking.notify.outbox import planned_channel
from booking.operations.availability import available_slots, epoch
from booking.operations.booking_changes import apply_status_action, move_booking, status_actions
from booking.operations.bookings import get_booking
from booking.operations.customer_records import customer_history
from booking.timezones import zone
from booking.web.display import error_anchor, field_attrs, short_datetime_text, status_text
from booking.web.forms import parse_aware
from booking.web.picker import local_midnight, parse_day, slot_iso
from booking.web.staff.blueprint import bp
from booking.web.staff.booking_forms import MoveForm, StatusForm, parse_id, usable_day

HISTORY_SHOWN = 5  # other bookings each way; the customer page has them all


def _actor() -> str:
    return f"user:{current_user.id}"


def _local_day(booking: Booking) -> date:
    return booking.start_utc.astimezone(zone(g.business.timezone)).date()


# --- the details page --------------------------------------------------------------------------

def _nearby_bookings(booking: Booking, now: datetime) -> dict[str, Any]:
    """The customer's other bookings nearest in time (upcoming, then past) and their no-shows."""
    if booking.customer.erased_at:
        return {"upcoming": [], "past": [], "counts": None}
    history = customer_history(g.business, booking.customer)
    others = [other for other in history.bookings if other.id != booking.id]  # newest first
    upcoming = [other for other in others if other.start_utc >= now][-HISTORY_SHOWN:]
    past = [other for other in others if other.start_utc < now][:HISTORY_SHOWN]
    return {"upcoming": upcoming, "past": past, "counts": history.counts}


def _names(model: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.business_id == g.business.id,
                                                                        model.id.in_(ids))).all())


def _actor_names(events: list[BookingEvent]) -> dict[str, str]:
    """Who each actor is, in words: a user by name (of this business only), else the kind of actor."""
    user_ids = {int(e.actor.split(":")[1]) for e in events if e.actor.startswith("user:")
                and e.actor.split(":")[1].isdigit()}
    users = _names(User, user_ids)
    kinds = {"customer": _("The customer"), "system": _("Automatic"), "api_key": _("API key")}
    names = {}
    for event in events:
        kind, _sep, ident = event.actor.partition(":")
        user = users.get(int(ident)) if kind == "user" and ident.isdigit() else None
        names[event.actor] = user or kinds.get(kind, event.actor)
    return names


def _status_words(status: object, excused: object = False) -> str:
    if status == "no_show" and excused:
        return _("No-show (excused)")
    return status_text(str(status))


def _moved_text(details: dict[str, Any], staff: dict[int, str]) -> str:
    before, after = details.get("before") or {}, details.get("after") or {}
    if not (before.get("start") and after.get("start")):
        return _("Moved")
    tz_name = g.business.timezone
    when = {"before": short_datetime_text(datetime.fromisoformat(before["start"]), tz_name),
            "after": short_datetime_text(datetime.fromisoformat(after["start"]), tz_name)}
    if before.get("staff_id") != after.get("staff_id"):
        return _("Moved from %(before)s (%(before_staff)s) to %(after)s (%(after_staff)s)",
                 before_staff=staff.get(before.get("staff_id"), "?"),
                 after_staff=staff.get(after.get("staff_id"), "?"), **when)
    return _("Moved from %(before)s to %(after)s", **when)


def event_text(event: BookingEvent, staff: dict[int, str]) -> str:
    """What happened, in the page's language and the business's time zone."""
    details = event.details or {}
    if event.action == "created":
        if details.get("outside_hours"):
            return _("Booked by staff, outside the offered times")
        return _("Booked by staff") if details.get("source") == "staff" else _("Booked online")
    if event.action == "moved" and isinstance(details.get("before"), dict):
        return _moved_text(details, staff)
    if event.action in ("status", "cancelled"):
        return _("Status: %(before)s → %(after)s", before=_status_words(details.get("before")),
                 after=_status_words(details.get("after"), details.get("excused")))
    return event.action


def _staff_ids(booking: Booking, events: list[BookingEvent]) -> set[int]:
    ids = {booking.staff_id}
    for event in events:
        for key in ("before", "after"):
            value = (event.details or {}).get(key)
            if isinstance(value, dict) and isinstance(value.get("staff_id"), int):
                ids.add(value["staff_id"])
    return ids


def _audit_trail(booking: Booking) -> list[dict[str, Any]]:
    events = list(db.session.scalars(select(BookingEvent).where(BookingEvent.business_id == g.business.id,
                                                                BookingEvent.booking_id == booking.id)
                                     .order_by(BookingEvent.at_utc, BookingEvent.id)))
    actors = _actor_names(events)
    staff = _names(Staff, _staff_ids(booking, events))
    return [{"event": e, "who": actors[e.actor], "what": event_text(e, staff),
             "message": (e.details or {}).get("message") or (e.details or {}).get("reason")} for e in events]


def notice_hint(booking: Booking, kind: str) -> str:
    """The hint under the message field of a move ("reschedule") or cancellation: how the notice
    will reach the customer, or that nothing will."""
    channel = planned_channel(kind, booking.customer)
    if channel == "email":
        return (_("Included in the email that tells the customer the new time.") if kind == "reschedule"
                else _("Included in the cancellation email to the customer."))
    if channel == "sms":
        return (_("Included in the text message that tells the customer the new time.") if kind == "reschedule"
                else _("Included in the cancellation text message to the customer."))
    return _("No message reaches this customer (no email address, no text messages): please let them know "
             "yourself.")


def _detail_page(booking: Booking, status_form: StatusForm, status: int = 200):
    now = utcnow()
    messages = list(db.session.scalars(
        select(Notification).where(Notification.business_id == g.business.id, Notification.booking_id == booking.id)
        .order_by(Notification.due_at, Notification.id)))
    feedback = db.session.scalar(select(Feedback).where(Feedback.business_id == g.business.id,
                                                        Feedback.booking_id == booking.id))
    estimated = booking.estimated_start_utc
    return render_template(
        "staff/booking.html", booking=booking, customer=booking.customer, messages=messages,
        feedback=feedback, tz_name=g.business.timezone, day=_local_day(booking),
        estimated=estimated if estimated and estimated != booking.start_utc else None,
        history=_nearby_bookings(booking, now), audit=_audit_trail(booking), status_form=status_form,
        actions=status_actions(booking, now, zone(g.business.timezone)), field_attrs=field_attrs,
        notice_hint=notice_hint(booking, "cancellation")), status


@bp.get("/bookings/<int:booking_id>")
def booking_detail(booking_id: int):
    booking = get_booking(g.business, booking_id)  # another business's id: 404
    return _detail_page(booking, StatusForm())


# --- status --------------------------------------------------------------------------------------

def _status_done_text(action: str) -> str:
    return {"confirmed": _("The booking is confirmed again."), "arrived": _("Marked as arrived."),
            "completed": _("Marked as completed."), "no_show": _("Marked as no-show."),
            "no_show_excused": _("Marked as no-show (excused)."),
            "cancelled": _("The booking was cancelled; the customer is told.")}[action]


@bp.post("/bookings/<int:booking_id>/status")
def booking_status(booking_id: int):
    booking = get_booking(g.business, booking_id)  # before the form: another business's id is 404
    form = StatusForm()
    if not form.validate():
        if form.message.errors:
            return _detail_page(booking, form, 422)
        flash(_("The form expired. Please try again.") if form.csrf_token.errors
              else _("Please use one of the status buttons."))
        return redirect(url_for(".booking_detail", booking_id=booking.id), 303)
    try:
        apply_status_action(booking, form.status.data, utcnow(), zone(g.business.timezone), _actor(),
                            message=form.message.data or None)
    except Conflict:
        db.session.rollback()
        flash(_("This status change is not possible for this booking now."))
        return redirect(url_for(".booking_detail", booking_id=booking_id), 303)
    db.session.commit()
    flash(_status_done_text(form.status.data))
    return redirect(url_for(".booking_detail", booking_id=booking.id, _anchor="status-title"), 303)


# --- moving --------------------------------------------------------------------------------------

def _move_form(booking: Booking) -> tuple[MoveForm, list[Staff]]:
    offering = [member for member in booking.service.staff if member.active]
    if request.method == "POST":
        form = MoveForm()
    else:
        staff_id = parse_id(request.args.get("staff")) or booking.staff_id
        day = usable_day(parse_day(request.args.get("date"))) or _local_day(booking)
        form = MoveForm(data={"staff": staff_id, "day": day})
    form.staff.choices = [(member.id, member.name) for member in offering]
    return form, offering


def _move_page(booking: Booking, form: MoveForm, offering: list[Staff], status: int = 200,
               alternatives: list | None = None):
    tz_name = g.business.timezone
    day = (usable_day(form.day.data) if not form.day.errors else None) or _local_day(booking)
    member = next((m for m in offering if m.id == form.staff.data), None)
    slots = available_slots(g.business, booking.service, [member], local_midnight(day, tz_name),
                            local_midnight(day + timedelta(days=1), tz_name), utcnow(), "staff",
                            exclude_booking_id=booking.id) if member else []
    current = epoch(booking.start_utc) if member and member.id == booking.staff_id else None
    return render_template(
        "staff/move_booking.html", booking=booking, form=form, day=day, tz_name=tz_name,
        slots=[(slot_iso(slot, tz_name), slot) for slot in slots if slot.start != current],
        taken=alternatives is not None,
        alternatives=[(slot_iso(slot, tz_name), short_datetime_text(slot.start, tz_name))
                      for slot in alternatives or []],
        field_attrs=field_attrs, error_anchor=error_anchor,
        notice_hint=notice_hint(booking, "reschedule")), status


@bp.route("/bookings/<int:booking_id>/move", methods=["GET", "POST"])
def move_booking_page(booking_id: int):
    booking = get_booking(g.business, booking_id)  # another business's id: 404
    if booking.status != "confirmed":
        flash(_("Only a confirmed booking can be moved."))
        return redirect(url_for(".booking_detail", booking_id=booking.id), 303)
    form, offering = _move_form(booking)
    if request.method == "GET" or request.form.get("action") == "times":
        return _move_page(booking, form, offering)
    alternative = parse_aware(request.form.get("alternative"))
    if alternative is not None:
        form.start.data = alternative.isoformat()
    if not form.validate():
        return _move_page(booking, form, offering, 422)
    return _move(booking, form, offering)


def _move(booking: Booking, form: MoveForm, offering: list[Staff]):
    try:
        move_booking(g.business, booking, parse_aware(form.start.data), form.staff.data, utcnow(),
                     _actor(), message=form.message.data or None)
    except SlotUnavailable as exc:
        db.session.rollback()
        return _move_page(get_booking(g.business, booking.id), form, offering, 409, exc.alternatives)
    except Conflict:
        db.session.rollback()
        flash(_("Only a confirmed booking can be moved."))
        return redirect(url_for(".booking_detail", booking_id=booking.id), 303)
    db.session.commit()
    flash(_("Moved to %(when)s; the customer is told.",
            when=short_datetime_text(booking.start_utc, g.business.timezone)))
    return redirect(url_for(".booking_detail", booking_id=booking.id), 303)

