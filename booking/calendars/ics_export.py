"""iCalendar output for bookings (pure: data in, bytes out).

Times are written in UTC (``...Z``): every reader understands them and no VTIMEZONE is
needed. DTSTAMP is the booking's last change, not "now", so the same booking always
serialises to the same bytes.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress

PRODID = "-//Booking//Appointments 1.0//EN"


@dataclass(frozen=True)
class CalendarEvent:
    """One booking as a calendar sees it."""

    uid: str
    sequence: int
    start_utc: datetime
    end_utc: datetime
    summary: str
    description: str
    created_utc: datetime
    modified_utc: datetime
    location: str | None = None
    cancelled: bool = False
    attendee: tuple[str, str] | None = None  # (name, email), for REQUEST/CANCEL invitations


def _vevent(event: CalendarEvent, organizer: tuple[str, str] | None) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", event.modified_utc)
    vevent.add("created", event.created_utc)
    vevent.add("last-modified", event.modified_utc)
    vevent.add("dtstart", event.start_utc)
    vevent.add("dtend", event.end_utc)
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if organizer is not None:
        vevent.add("organizer", _address(*organizer))
    if event.attendee is not None:
        attendee = _address(*event.attendee)
        attendee.params["role"] = "REQ-PARTICIPANT"
        attendee.params["partstat"] = "ACCEPTED"
        vevent.add("attendee", attendee)
    return vevent


def _address(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = name
    return address


def calendar_bytes(events: Sequence[CalendarEvent], method: str, name: str,
                   organizer: tuple[str, str] | None) -> bytes:
    """A VCALENDAR with the events, METHOD `method` (PUBLISH, REQUEST or CANCEL).

    `organizer` is (display name, email); RFC 5546 requires it for every method used here.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    for event in events:
        calendar.add_component(_vevent(event, organizer))
    return calendar.to_ical()
