"""Changes to an existing booking: move, cancel, status (and which status changes staff are offered),
and the customer's cut-off."""
from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from booking.errors import Conflict, SlotUnavailable, TooLate
from booking.models import Booking, Business
from booking.notify.outbox import plan_booking_cancelled, plan_booking_moved, plan_status_changed
from booking.operations.audit import record_booking_event
from booking.operations.availability import nearest_alternatives
from booking.operations.bookings import (
    flush_or_lose,
    lock_staff,
    place_booking,
    slots_at,
    staff_offering,
)

# Which status may follow which; a cancelled booking gave its time away, so it stays cancelled.
TRANSITIONS = {
    "confirmed": {"arrived", "completed", "no_show", "cancelled"},
    "arrived": {"completed", "no_show", "confirmed", "cancelled"},
    "completed": {"arrived", "no_show"},
    "no_show": {"arrived", "completed", "confirmed"},
    "cancelled": set(),
}

# The status buttons staff see, in order: (action, status it sets, excused).
STATUS_ACTIONS = {
    "confirmed": ("confirmed", None),
    "arrived": ("arrived", None),
    "completed": ("completed", None),
    "no_show": ("no_show", False),
    "no_show_excused": ("no_show", True),
    "cancelled": ("cancelled", None),
}
# Attendance is a matter of the appointment's own day: nobody is marked arrived or missing a week ahead.
ATTENDANCE = ("arrived", "completed", "no_show")


def check_cutoff(business: Business, booking: Booking, now: datetime) -> None:
    """Customers may change a booking only until `cancellation_cutoff_hours` before its start."""
    deadline = booking.start_utc - timedelta(hours=business.cancellation_cutoff_hours)
    if now > deadline:
        raise TooLate("Changes are possible until %(hours)s hours before the appointment. Please call the business.",
                      {"hours": business.cancellation_cutoff_hours}, deadline=deadline.isoformat(),
                      fields={"start": "the cancellation cut-off has passed"})  # API.md: "fields" on every 422


def move_booking(business: Business, booking: Booking, new_start: datetime | None, new_staff_id: int | None,
                 now: datetime, actor: str, source: str = "staff", message: str | None = None) -> Booking:
    """Move to another start and/or staff member; SlotUnavailable (with alternatives) if taken.
    `message` (from staff to the customer) goes into the reschedule notice."""
    if booking.status != "confirmed":
        raise Conflict("Only a confirmed booking can be moved.")
    service = booking.service
    start = new_start or booking.start_utc
    target = staff_offering(service, new_staff_id or booking.staff_id, business)
    lock_staff([booking.staff_id, target[0].id])
    if not slots_at(business, service, target, start, now, source, exclude_booking_id=booking.id):
        raise SlotUnavailable(nearest_alternatives(business, service, target, start, now, source,
                                                   exclude_booking_id=booking.id))
    previous_start = booking.start_utc
    before = {"start": previous_start.isoformat(), "staff_id": booking.staff_id}
    booking.staff_id = target[0].id
    place_booking(booking, service, start)
    _touch(booking, now)
    flush_or_lose(business, service, target, start, now, source, exclude_booking_id=booking.id)
    details = {"message": message} if message else {}
    record_booking_event(booking, actor, "moved", now, before=before,
                         after={"start": start.isoformat(), "staff_id": booking.staff_id}, **details)
    plan_booking_moved(booking, previous_start, now, message)
    return booking


def cancel_booking(booking: Booking, now: datetime, actor: str, reason: str | None = None) -> Booking:
    """Cancel (idempotent: cancelling a cancelled booking changes nothing)."""
    if booking.status == "cancelled":
        return booking
    return change_status(booking, "cancelled", now, actor, reason=reason)


def change_status(booking: Booking, status: str, now: datetime, actor: str, reason: str | None = None,
                  excused: bool | None = None) -> Booking:
    """Arrived, completed, no-show, cancelled; refuses transitions that make no sense.

    `excused` marks a no-show as excused (True) or not (False); None keeps what was recorded,
    so an excused no-show can also be corrected without a change of status.
    """
    excused_after = _excused_after(booking, status, excused)
    if status == booking.status and excused_after == booking.no_show_excused:
        return booking
    if status != booking.status and status not in TRANSITIONS[booking.status]:
        raise Conflict("A %(before)s booking cannot become %(after)s.", {"before": booking.status, "after": status})
    before = booking.status
    booking.status = status
    booking.no_show_excused = excused_after
    _touch(booking, now)
    details: dict[str, object] = {"before": before, "after": status}
    if status == "no_show":
        details["excused"] = excused_after
    if reason:
        details["reason"] = reason
    record_booking_event(booking, actor, "cancelled" if status == "cancelled" else "status", now, **details)
    if status == "cancelled":
        plan_booking_cancelled(booking, now, reason)
    else:
        plan_status_changed(booking, now)
    return booking


def _touch(booking: Booking, now: datetime) -> None:
    # Calendars recognise a change by a higher SEQUENCE (RFC 5545 3.8.7.4).
    booking.sequence += 1
    booking.updated_at = now


def _excused_after(booking: Booking, status: str, excused: bool | None) -> bool:
    if status != "no_show":
        return False
    if excused is None:
        return booking.no_show_excused if booking.status == "no_show" else False
    return excused


def status_actions(booking: Booking, now: datetime, tz: tzinfo) -> list[str]:
    """The status actions that make sense for this booking now (keys of STATUS_ACTIONS).

    The transition rules above, plus: attendance (arrived, completed, no-show) only from the
    start of the appointment's local day in `tz`, and the excused/not excused switch of a no-show.
    """
    day_started = now.astimezone(tz).date() >= booking.start_utc.astimezone(tz).date()
    actions = []
    for action, (status, excused) in STATUS_ACTIONS.items():
        if status in ATTENDANCE and not day_started:
            continue
        if status != booking.status and status in TRANSITIONS[booking.status]:
            actions.append(action)
        elif status == booking.status == "no_show" and excused != booking.no_show_excused:
            actions.append(action)
    return actions


def apply_status_action(booking: Booking, action: str, now: datetime, tz: tzinfo, actor: str,
                        message: str | None = None) -> Booking:
    """One of `status_actions`; Conflict for anything not offered. `message` goes with a cancellation."""
    if action not in status_actions(booking, now, tz):
        raise Conflict("This status change is not possible for this booking now.")
    status, excused = STATUS_ACTIONS[action]
    return change_status(booking, status, now, actor, reason=message if status == "cancelled" else None,
                         excused=excused)
