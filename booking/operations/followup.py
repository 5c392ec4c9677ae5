"""What customers do after booking: answer the feedback question, stop reminders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, Feedback, Notification
from booking.notify.outbox import cancel_pending

UNSUBSCRIBED_KINDS = ("reminder", "feedback")


def find_feedback(booking: Booking) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.booking_id == booking.id))


def save_feedback(booking: Booking, rating: int, comment: str | None, now: datetime) -> Feedback:
    """One answer per booking: a second answer replaces the first (flush only)."""
    row = find_feedback(booking)
    if row is None:
        row = Feedback(business_id=booking.business_id, booking_id=booking.id, created_at=now)
        db.session.add(row)
    row.rating, row.comment = rating, comment or None
    db.session.flush()
    return row


def unsubscribe_customer(booking: Booking, now: datetime) -> None:
    """No more reminders or feedback requests for this customer: their choice, and every
    such message still waiting for any of their bookings (flush only)."""
    customer = booking.customer
    customer.preferred_channel = "none"
    waiting = select(Notification.booking_id).where(Notification.status == "pending",
                                                    Notification.kind.in_(UNSUBSCRIBED_KINDS))
    bookings = db.session.scalars(select(Booking).where(
        Booking.business_id == booking.business_id, Booking.customer_id == customer.id,
        Booking.id.in_(waiting)))
    for each in {booking, *bookings}:
        cancel_pending(each, now, kinds=UNSUBSCRIBED_KINDS)
    db.session.flush()
