"""GDPR for one customer: everything held about them as plain data (art. 15/20), and erasure (art. 17).

Erasure removes what identifies the person and what they or staff wrote about them, and keeps
the booking rows with their statuses, times and services, so counts, no-show rates and reports
stay whole. Message bodies are never stored (they are composed when sent), so scrubbing a
message means its recipient address, its error text and any free text planned into it.

Upcoming confirmed bookings are cancelled first, without a message: sending one would need the
address being erased. The confirmation page tells the practice so they can call first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from booking.errors import Conflict
from booking.extensions import db
from booking.models import Booking, BookingEvent, Business, Customer, Feedback, Notification
from booking.operations.booking_changes import cancel_booking

ERASED_NAME = "Erased customer"  # stored; pages show their own translated words for it
# String values under these keys are times, ids or states, never free text; every other string in
# an audit entry or a message's planned content may carry what someone wrote, so erasure drops it.
STRUCTURAL_TEXT_KEYS = frozenset({"start", "end", "previous_start", "estimate", "source", "status", "before",
                                  "after", "action", "kind", "channel"})


@dataclass(frozen=True)
class ErasureResult:
    cancelled_bookings: int
    bookings_kept: int


def utc_text(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a "Z": the export's one time format."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _bookings(business: Business, customer: Customer) -> list[Booking]:
    return list(db.session.scalars(
        select(Booking).where(Booking.business_id == business.id, Booking.customer_id == customer.id)
        .options(joinedload(Booking.service), joinedload(Booking.staff)).order_by(Booking.start_utc, Booking.id)))


def upcoming_bookings(business: Business, customer: Customer, now: datetime) -> list[Booking]:
    """Confirmed bookings still ahead: erasure cancels them."""
    return [booking for booking in _bookings(business, customer)
            if booking.status == "confirmed" and booking.start_utc > now]


def _rows(model: Any, business: Business, booking_ids: list[int], order: Any) -> list[Any]:
    return list(db.session.scalars(select(model).where(model.business_id == business.id,
                                                       model.booking_id.in_(booking_ids)).order_by(order, model.id)))


def _profile(customer: Customer) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.name, "email": customer.email, "phone": customer.phone,
            "preferred_channel": customer.preferred_channel, "locale": customer.locale, "notes": customer.notes,
            "created_at": utc_text(customer.created_at), "erased_at": utc_text(customer.erased_at)}


def _booking(booking: Booking) -> dict[str, Any]:
    return {"id": booking.id, "status": booking.status, "no_show_excused": booking.no_show_excused,
            "source": booking.source, "service": booking.service.name, "staff": booking.staff.name,
            "start": utc_text(booking.start_utc), "end": utc_text(booking.end_utc), "notes": booking.notes,
            "created_at": utc_text(booking.created_at), "updated_at": utc_text(booking.updated_at)}


def _event(event: BookingEvent) -> dict[str, Any]:
    return {"booking_id": event.booking_id, "at": utc_text(event.at_utc), "actor": event.actor,
            "action": event.action, "details": event.details or {}}


def _message(row: Notification) -> dict[str, Any]:
    # The body is composed when sending and not kept; `content` is what was planned into it.
    return {"id": row.id, "booking_id": row.booking_id, "kind": row.kind, "channel": row.channel,
            "recipient": row.recipient, "language": row.locale, "status": row.status,
            "due_at": utc_text(row.due_at), "sent_at": utc_text(row.sent_at),
            "created_at": utc_text(row.created_at), "content": row.payload or {}}


def _feedback(row: Feedback) -> dict[str, Any]:
    return {"booking_id": row.booking_id, "rating": row.rating, "comment": row.comment,
            "created_at": utc_text(row.created_at)}


def export_customer(business: Business, customer: Customer, now: datetime) -> dict[str, Any]:
    """Everything held about the customer, as JSON-ready data; every time in UTC ISO 8601."""
    bookings = _bookings(business, customer)
    ids = [booking.id for booking in bookings]
    return {
        "exported_at": utc_text(now),
        "business": {"name": business.name, "slug": business.slug},
        "customer": _profile(customer),
        "consent": {"given_at": utc_text(customer.consent_at), "source": customer.consent_source},
        "bookings": [_booking(booking) for booking in bookings],
        "audit": [_event(event) for event in _rows(BookingEvent, business, ids, BookingEvent.at_utc)],
        "messages": [_message(row) for row in _rows(Notification, business, ids, Notification.due_at)],
        "feedback": [_feedback(row) for row in _rows(Feedback, business, ids, Feedback.created_at)],
    }


def without_free_text(data: Any) -> Any:
    """`data` with every string dropped that is not a time, id or state (STRUCTURAL_TEXT_KEYS)."""
    if not isinstance(data, dict):
        return data
    kept = {}
    for key, value in data.items():
        if isinstance(value, str) and key not in STRUCTURAL_TEXT_KEYS:
            continue
        kept[key] = without_free_text(value)
    return kept


def _scrub_customer(customer: Customer, now: datetime) -> None:
    customer.name = ERASED_NAME
    customer.email = None  # no address at all: nothing can be queued to an erased customer
    customer.phone = customer.notes = customer.locale = None
    customer.preferred_channel = "none"
    customer.consent_at = customer.consent_source = None
    customer.erased_at = now


def _scrub_messages(business: Business, customer: Customer, booking_ids: list[int], now: datetime) -> None:
    db.session.execute(update(Notification).where(Notification.business_id == business.id,
                                                  Notification.booking_id.in_(booking_ids),
                                                  Notification.status == "pending")
                       .values(status="cancelled", updated_at=now))
    for row in _rows(Notification, business, booking_ids, Notification.due_at):
        row.recipient, row.last_error = "", None
        row.payload = without_free_text(row.payload or {})


def _scrub_history(business: Business, booking_ids: list[int]) -> None:
    db.session.execute(update(Booking).where(Booking.business_id == business.id, Booking.id.in_(booking_ids))
                       .values(notes=None))
    for event in _rows(BookingEvent, business, booking_ids, BookingEvent.at_utc):
        event.details = without_free_text(event.details or {})
    db.session.execute(update(Feedback).where(Feedback.business_id == business.id,
                                              Feedback.booking_id.in_(booking_ids)).values(comment=None))


def erase_customer(business: Business, customer: Customer, now: datetime, actor: str) -> ErasureResult:
    """Erase the customer's personal data, keeping their bookings for statistics (flush only).
    Upcoming confirmed bookings are cancelled first, silently; Conflict if already erased."""
    if customer.erased_at is not None:
        raise Conflict("This customer's data was erased already.")
    upcoming = upcoming_bookings(business, customer, now)
    for booking in upcoming:
        cancel_booking(booking, now, actor)
    db.session.flush()
    booking_ids = [booking.id for booking in _bookings(business, customer)]
    _scrub_customer(customer, now)
    _scrub_messages(business, customer, booking_ids, now)
    _scrub_history(business, booking_ids)
    db.session.flush()
    return ErasureResult(cancelled_bookings=len(upcoming), bookings_kept=len(booking_ids))
