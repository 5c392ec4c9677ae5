"""Bookings as calendar data: the .ics download and the iMIP invitations in emails."""
from __future__ import annotations

from booking.calendars.ics_export import CalendarEvent, calendar_bytes
from booking.models import Booking, Business

# RFC 5546: what the customer's calendar should do with the event.
METHOD_FOR_KIND = {"confirmation": "REQUEST", "reschedule": "REQUEST", "cancellation": "CANCEL"}


def booking_event(booking: Booking, business: Business, with_attendee: bool = False) -> CalendarEvent:
    """The calendar view of a booking: service and business in the title, the staff member inside."""
    customer = booking.customer
    attendee = (customer.name, customer.email) if with_attendee and customer.email else None
    return CalendarEvent(uid=booking.uid, sequence=booking.sequence, start_utc=booking.start_utc,
                         end_utc=booking.end_utc, summary=f"{booking.service.name} ({business.name})",
                         description=f"With {booking.staff.name}.", location=business.name,
                         created_utc=booking.created_at, modified_utc=booking.updated_at,
                         cancelled=booking.status == "cancelled", attendee=attendee)


def booking_invitation(booking: Booking, business: Business, organizer_email: str,
                       method: str = "PUBLISH") -> bytes:
    """A one-event calendar: PUBLISH for the download, REQUEST/CANCEL (with the customer as
    ATTENDEE, as RFC 5546 asks) for emails."""
    event = booking_event(booking, business, with_attendee=method != "PUBLISH")
    return calendar_bytes([event], method, business.name, organizer=(business.name, organizer_email))
