"""Bookings as calendar data."""
from __future__ import annotations

from booking.calendars.ics_export import CalendarEvent, calendar_bytes
from booking.models import Booking, Business


def booking_event(booking: Booking, business: Business) -> CalendarEvent:
    """The calendar view of a booking: service and staff in the title, the business as place."""
    return CalendarEvent(uid=booking.uid, sequence=booking.sequence, start_utc=booking.start_utc,
                         end_utc=booking.end_utc, summary=f"{booking.service.name} ({business.name})",
                         description=f"With {booking.staff.name}.", location=business.name,
                         created_utc=booking.created_at, modified_utc=booking.updated_at,
                         cancelled=booking.status == "cancelled")


def booking_invitation(booking: Booking, business: Business, organizer_email: str,
                       method: str = "PUBLISH") -> bytes:
    """A one-event calendar for the customer's own calendar app (.ics download)."""
    return calendar_bytes([booking_event(booking, business)], method, business.name,
                          organizer=(business.name, organizer_email))
