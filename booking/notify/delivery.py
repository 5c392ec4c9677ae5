"""Turning a claimed outbox row into what goes out, after checking it is still true.

A message planned for a booking that changed meanwhile is stale: it is expired, never sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

from flask import current_app

from booking.calendars.invitations import METHOD_FOR_KIND, booking_invitation
from booking.models import Booking, Notification
from booking.notify.compose import compose_email
from booking.notify.messages import MessageContext, render_message
from booking.timezones import zone

NEEDS_CONFIRMED = ("confirmation", "reschedule", "reminder", "delay")


@dataclass(frozen=True)
class Delivery:
    stale_reason: str | None = None
    email: EmailMessage | None = None
    sms_text: str = ""


def stale_reason(row: Notification, booking: Booking, now: datetime) -> str | None:
    """Why the row no longer describes the booking (None: still true and wanted)."""
    planned_sequence = (row.payload or {}).get("sequence")
    if row.kind in NEEDS_CONFIRMED and booking.status != "confirmed":
        return f"booking is {booking.status}"
    if row.kind in ("confirmation", "reschedule", "reminder") and planned_sequence != booking.sequence:
        return "booking changed after this message was planned"
    if row.kind == "reminder" and now >= booking.start_utc:
        return "appointment already started"
    if row.kind == "reminder" and _closer_reminder_due(row, booking, now):
        return "a closer reminder is due already"
    if row.kind == "cancellation" and booking.status != "cancelled":
        return "booking is no longer cancelled"
    if row.kind == "feedback" and booking.status != "completed":
        return "visit not completed"
    if row.kind in ("reminder", "feedback") and booking.customer.preferred_channel == "none":
        return "customer asked for no reminders"
    if row.kind == "delay" and not _delay_still_true(row, booking):
        return "a newer estimate replaced this one"
    if row.channel == "email" and not booking.customer.email:  # staff removed the address meanwhile
        return "customer has no email address"
    return None


def _closer_reminder_due(row: Notification, booking: Booking, now: datetime) -> bool:
    """Whether a reminder at a smaller offset, planned together with this one, is due as well: after
    an outage (or quiet hours) the customer gets the one that is nearest the visit, not a burst."""
    offset = (row.payload or {}).get("offset_minutes")
    if offset is None:
        return False
    moments = (booking.start_utc - timedelta(minutes=other)
               for other in booking.business.reminder_offsets_minutes or [] if other < offset)
    return any(row.created_at < moment <= now for moment in moments)


def _delay_still_true(row: Notification, booking: Booking) -> bool:
    payload = row.payload or {}
    if payload.get("all_clear"):
        return booking.told_estimate_utc is None
    told = booking.told_estimate_utc
    return told is not None and told == datetime.fromisoformat(payload["estimate"]).astimezone(timezone.utc)


def _context(row: Notification, booking: Booking) -> MessageContext:
    business = booking.business
    tz = zone(business.timezone)
    links = current_app.extensions["booking.links"].for_booking(booking)
    payload = row.payload or {}

    def local(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value).astimezone(tz) if value else None
    return MessageContext(
        kind=row.kind, locale=row.locale, business_name=business.name, customer_name=booking.customer.name,
        service_name=booking.service.name, staff_name=booking.staff.name, start=booking.start_utc.astimezone(tz),
        end=booking.end_utc.astimezone(tz), timezone_name=business.timezone, manage_url=links.manage,
        previous_start=local(payload.get("previous_start")), estimated_start=local(payload.get("estimate")),
        all_clear=bool(payload.get("all_clear")), keep_url=links.keep, reschedule_url=links.reschedule,
        cancel_url=links.cancel, feedback_url=links.feedback,
        unsubscribe_url=links.unsubscribe if row.kind in ("reminder", "feedback") else None,
        reason=payload.get("reason"))


def build_delivery(row: Notification, now: datetime) -> Delivery:
    """The email or SMS for a row, or why it must not be sent."""
    booking = row.booking
    reason = stale_reason(row, booking, now)
    if reason:
        return Delivery(stale_reason=reason)
    context = _context(row, booking)
    rendered = render_message(context)
    if row.channel == "sms":
        return Delivery(sms_text=rendered.sms)
    config = current_app.config
    method = METHOD_FOR_KIND.get(row.kind)
    invitation = (booking_invitation(booking, booking.business, config["MAIL_FROM"], method), method) \
        if method else None
    email = compose_email(rendered, sender=(booking.business.name, config["MAIL_FROM"]),
                          to=(booking.customer.name, row.recipient), message_id=row.message_id, sent_at=now,
                          invitation=invitation, unsubscribe_url=context.unsubscribe_url)
    return Delivery(email=email)
