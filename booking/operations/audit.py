"""The audit trail of booking changes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from booking.extensions import db
from booking.models import Booking, BookingEvent


def record_booking_event(booking: Booking, actor: str, action: str, now: datetime,
                         **details: Any) -> BookingEvent:
    """Append who did what to a booking, and when; flushed with the change itself."""
    event = BookingEvent(business_id=booking.business_id, booking_id=booking.id, at_utc=now,
                         actor=actor, action=action, details=details)
    db.session.add(event)
    return event
