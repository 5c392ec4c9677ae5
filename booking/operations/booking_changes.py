"""Changes to an existing booking: move, cancel, status, and the customer's cut-off."""
from __future__ import annotations

from datetime import datetime, timedelta

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


def check_cutoff(business: Business, booking: Booking, now: datetime) -> None:
    """Customers may change a booking only until `cancellation_cutoff_hours` before its start."""
    deadline = booking.start_utc - timedelta(hours=business.cancellation_cutoff_hours)
    if now > deadline:
        raise TooLate(f"Changes are possible until {business.cancellation_cutoff_hours} hours before "
                      "the appointment. Please call the business.", deadline=deadline.isoformat(),
                      fields={"start": "the cancellation cut-off has passed"})  # API.md: "fields" on every 422


def move_booking(business: Business, booking: Booking, new_start: datetime | None, new_staff_id: int | None,
                 now: datetime, actor: str, source: str = "staff") -> Booking:
    """Move to another start and/or staff member; SlotUnavailable (with alternatives) if taken."""
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
    record_booking_event(booking, actor, "moved", now, before=before,
                         after={"start": start.isoformat(), "staff_id": booking.staff_id})
    plan_booking_moved(booking, previous_start, now)
    return booking


def cancel_booking(booking: Booking, now: datetime, actor: str, reason: str | None = None) -> Booking:
    """Cancel (idempotent: cancelling a cancelled booking changes nothing)."""
    if booking.status == "cancelled":
        return booking
    return change_status(booking, "cancelled", now, actor, reason=reason)


def change_status(booking: Booking, status: str, now: datetime, actor: str, reason: str | None = None) -> Booking:
    """Arrived, completed, no-show, cancelled; refuses transitions that make no sense."""
    if status == booking.status:
        return booking
    if status not in TRANSITIONS[booking.status]:
        raise Conflict(f"A {booking.status} booking cannot become {status}.")
    before = booking.status
    booking.status = status
    _touch(booking, now)
    details = {"before": before, "after": status}
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
