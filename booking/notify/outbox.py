"""Writing messages to the outbox inside the caller's transaction (flush only, never commit).

A rolled-back booking therefore leaves no message behind, and a committed one always has
its messages. Each row has an idempotency key, so planning the same message twice is a no-op.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, insert, select, update

from booking.extensions import db
from booking.models import Booking, Business, Customer, Notification
from booking.notify.timing import hold_for_quiet_hours, reminder_due_times
from booking.timezones import zone

TRANSACTIONAL = ("confirmation", "reschedule", "cancellation")
FEEDBACK_AFTER = timedelta(hours=2)


def planned_channel(kind: str, customer: Customer) -> str | None:
    """The channel a message of `kind` to `customer` would go by now (channel_for with this
    app's SMS gateway), or None when it would not be sent."""
    return channel_for(kind, customer, bool(current_app.config.get("SMS_WEBHOOK_URL")))


def channel_for(kind: str, customer: Customer, sms_enabled: bool) -> str | None:
    """Email for what changed a booking; reminders and delays on the customer's chosen channel;
    nothing for reminders and feedback when they chose "none" (a delay notice still goes by email).

    A customer staff entered without an email address gets by text message what would go by
    email, if they chose text messages (and the gateway is set up), and otherwise nothing."""
    by_sms = customer.preferred_channel == "sms" and bool(customer.phone) and sms_enabled and kind != "feedback"
    if customer.preferred_channel == "none" and kind in ("reminder", "feedback"):
        return None
    if by_sms and kind not in TRANSACTIONAL:
        return "sms"
    if customer.email:
        return "email"
    return "sms" if by_sms else None


def _message_id() -> str:
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{host}>"


def enqueue(booking: Booking, kind: str, key: str, due: datetime, now: datetime,
            payload: dict[str, Any] | None = None) -> Notification | None:
    """Plan one message for the booking's customer; None when the customer does not want it
    or a message with this key exists already."""
    if db.session.scalar(select(Notification.id).where(Notification.idempotency_key == f"b{booking.id}:{key}")):
        return None
    row = _new_row(booking, kind, key, due, now, payload)
    if row is not None:
        db.session.add(row)
    return row


def _new_row(booking: Booking, kind: str, key: str, due: datetime, now: datetime,
             payload: dict[str, Any] | None) -> Notification | None:
    customer = booking.customer
    channel = planned_channel(kind, customer)
    if channel is None:
        return None
    key = f"b{booking.id}:{key}"
    return Notification(business_id=booking.business_id, booking_id=booking.id, kind=kind, channel=channel,
                       recipient=customer.phone if channel == "sms" else customer.email,
                       locale=customer.locale or booking.business.locale, idempotency_key=key,
                       message_id=_message_id(), payload=dict(payload or {}, sequence=booking.sequence),
                       due_at=due, status="pending", attempts=0, created_at=now, updated_at=now)


def cancel_pending(booking: Booking, now: datetime, kinds: tuple[str, ...] | None = None) -> None:
    """Withdraw messages not yet sent (a move or cancellation makes them wrong)."""
    query = update(Notification).where(Notification.booking_id == booking.id, Notification.status == "pending")
    if kinds:
        query = query.where(Notification.kind.in_(kinds))
    db.session.execute(query.values(status="cancelled", updated_at=now))


def _quiet(business: Business, due: datetime) -> datetime:
    return hold_for_quiet_hours(due, zone(business.timezone), business.quiet_hours_start_minute,
                                business.quiet_hours_end_minute)


def plan_reminders(booking: Booking, now: datetime) -> None:
    """Reminders at the business's offsets still ahead, held out of quiet hours."""
    business = booking.business
    for offset, due in reminder_due_times(booking.start_utc, list(business.reminder_offsets_minutes or []), now):
        enqueue(booking, "reminder", f"reminder:s{booking.sequence}:{offset}", _quiet(business, due), now,
                {"offset_minutes": offset})


def plan_booking_created(booking: Booking, now: datetime) -> None:
    enqueue(booking, "confirmation", "confirmation", now, now)
    plan_reminders(booking, now)


def plan_booking_moved(booking: Booking, previous_start: datetime, now: datetime, reason: str | None = None) -> None:
    """The reschedule notice; `reason` is staff's message to the customer, kept in the payload so a
    retry sends the same words."""
    cancel_pending(booking, now)
    payload = {"previous_start": previous_start.isoformat()}
    if reason:
        payload["reason"] = reason
    enqueue(booking, "reschedule", f"reschedule:s{booking.sequence}", now, now, payload)
    plan_reminders(booking, now)


def plan_booking_cancelled(booking: Booking, now: datetime, reason: str | None = None) -> None:
    cancel_pending(booking, now)
    enqueue(booking, "cancellation", "cancellation", now, now, {"reason": reason} if reason else None)


def plan_status_changed(booking: Booking, now: datetime) -> None:
    """Arrived, completed or no-show: reminders and delay notices are moot; a completed visit
    may get the feedback request."""
    cancel_pending(booking, now, kinds=("reminder", "delay"))
    if booking.status == "completed" and booking.business.feedback_requests:
        due = _quiet(booking.business, max(now, booking.end_utc) + FEEDBACK_AFTER)
        enqueue(booking, "feedback", "feedback", due, now)


def queue_delay_notices(notices: list[tuple[Booking, datetime, bool]], now: datetime) -> int:
    """Urgent notices (never held by quiet hours) for (booking, estimate, all_clear) triples,
    each replacing that booking's unsent earlier notice. Set-wise: a late day of forty
    bookings costs a handful of statements, not forty times as many."""
    if not notices:
        return 0
    ids = [booking.id for booking, _, _ in notices]
    db.session.execute(update(Notification).where(Notification.booking_id.in_(ids), Notification.kind == "delay",
                                                  Notification.status == "pending")
                       .values(status="cancelled", updated_at=now))
    # The caller holds the staff row lock, so the next number per booking is free.
    sent_before = dict(db.session.execute(
        select(Notification.booking_id, func.count()).where(Notification.booking_id.in_(ids),
                                                           Notification.kind == "delay")
        .group_by(Notification.booking_id)).all())
    rows = [_new_row(booking, "delay", f"delay:{sent_before.get(booking.id, 0) + 1}", now, now,
                     {"estimate": estimate.isoformat(), "all_clear": all_clear})
            for booking, estimate, all_clear in notices]
    planned = [_column_values(row) for row in rows if row is not None]
    if planned:  # a Core executemany: no RETURNING of forty ids nobody reads
        db.session.execute(insert(Notification), planned)
    return len(planned)


def _column_values(row: Notification) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in Notification.__table__.columns
            if column.key != "id"}
