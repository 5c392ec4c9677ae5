"""iCalendar output for bookings (pure: data in, bytes out): one-event calendars for the
manage page and emails, and the subscription feeds of staff members and businesses.

Times are written in UTC (``...Z``): every reader understands them and no VTIMEZONE is
needed. DTSTAMP is the booking's last change, not "now", so the same booking always
serialises to the same bytes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, vCalAddress, vDuration, vText

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
    calendar.add("x-wr-calname", vText(name))  # vText: icalendar would not escape "," and ";" here
    calendar.add("name", vText(name))
    for event in events:
        calendar.add_component(_vevent(event, organizer))
    return calendar.to_ical()


# --- Subscription feeds (RFC 5545 + RFC 7986; research §2.1) ---------------------------------
#
# A feed can hold thousands of events, so its VEVENTs are written here directly (icalendar
# needs ~0.4 ms per event); the calendar header and the ORGANIZER line still come from
# icalendar. tests/calendars/test_feeds.py checks that both writers give the same bytes.

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=365)
FEED_REFRESH = timedelta(hours=1)
BUSY_SUMMARY = "Busy"
FOLD_LIMIT = 75  # octets per line, CRLF excluded (RFC 5545 §3.1)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in TEXT (§3.3.11)
_SPECIAL = re.compile("[\\\\;,\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what _text changes


@dataclass(frozen=True)
class FeedHeader:
    """What the subscriber's calendar shows for the feed as a whole."""

    name: str
    organizer: tuple[str, str]  # (display name, email): RFC 5546 PUBLISH requires it
    refresh: timedelta = FEED_REFRESH


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The span a feed covers: the past 30 and the next 365 days."""
    return now - FEED_PAST, now + FEED_FUTURE


def hide_customer(event: CalendarEvent) -> CalendarEvent:
    """The "busy only" view of an event: its time, nothing about who or what."""
    return replace(event, summary=BUSY_SUMMARY, description="", location=None, attendee=None)


def feed_events(events: Iterable[CalendarEvent], now: datetime,
                busy_only: bool = False) -> list[CalendarEvent]:
    """The events a feed publishes: none cancelled, only those touching the window, ordered by
    (start, uid) so that the same bookings always give the same bytes."""
    start, end = feed_window(now)
    chosen = sorted((event for event in events
                     if not event.cancelled and event.end_utc > start and event.start_utc < end),
                    key=lambda event: (event.start_utc, event.uid))
    if busy_only:
        return [hide_customer(event) for event in chosen]
    return [replace(event, attendee=None) if event.attendee else event for event in chosen]


def feed_bytes(header: FeedHeader, events: Iterable[CalendarEvent], now: datetime,
               busy_only: bool = False) -> bytes:
    """One VCALENDAR with METHOD:PUBLISH: the subscription feed of `events` around `now`."""
    head, tail = _feed_frame(header)
    organizer = _organizer_line(header.organizer)
    parts = [head]
    for event in feed_events(events, now, busy_only):
        parts.append(_feed_vevent(event, organizer))
    parts.append(tail)
    return "".join(parts).encode("utf-8")


def _feed_frame(header: FeedHeader) -> tuple[str, str]:
    """The VCALENDAR lines before and after the events, written by icalendar."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(header.name))
    calendar.add("name", vText(header.name))
    # RFC 7986 §5.7 wants VALUE=DURATION, which Calendar.new(refresh_interval=...) leaves out.
    calendar.add("refresh-interval", header.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(header.refresh))
    text = calendar.to_ical().decode("utf-8")
    end = "END:VCALENDAR\r\n"
    return text[: -len(end)], end


def _organizer_line(organizer: tuple[str, str]) -> str:
    """The (folded) ORGANIZER content line, with icalendar's parameter quoting."""
    event = Event()
    event.add("organizer", _address(*organizer))
    text = event.to_ical().decode("utf-8")
    return text[len("BEGIN:VEVENT\r\n"): -len("\r\nEND:VEVENT\r\n")]


def _feed_vevent(event: CalendarEvent, organizer: str) -> str:
    """One VEVENT, properties in icalendar's order (its canonical ones first, then A-Z)."""
    modified = _utc_text(event.modified_utc)
    lines = [
        "BEGIN:VEVENT",
        _fold("SUMMARY:" + _text(event.summary)),
        "DTSTART:" + _utc_text(event.start_utc),
        "DTEND:" + _utc_text(event.end_utc),
        "DTSTAMP:" + modified,
        _fold("UID:" + _text(event.uid)),
        f"SEQUENCE:{int(event.sequence)}",
        "CREATED:" + _utc_text(event.created_utc),
    ]
    if event.description:
        lines.append(_fold("DESCRIPTION:" + _text(event.description)))
    lines.append("LAST-MODIFIED:" + modified)
    if event.location:
        lines.append(_fold("LOCATION:" + _text(event.location)))
    lines += [organizer, "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT\r\n"]
    return "\r\n".join(lines)


def _utc_text(moment: datetime) -> str:
    """A DATE-TIME in UTC form (`...Z`), whole seconds; naive datetimes are refused, not guessed."""
    if moment.tzinfo is not timezone.utc:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"calendar times must be timezone-aware, got {moment!r}")
        moment = moment.astimezone(timezone.utc)
    return moment.isoformat()[:19].replace("-", "").replace(":", "") + "Z"  # (fast: this runs 20,000 times)


def _text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping; control characters (not allowed in TEXT) are dropped."""
    if not _SPECIAL.search(value):
        return value
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character or an escape (as icalendar does)."""
    if len(line) < FOLD_LIMIT and (line.isascii() or len(line.encode("utf-8")) < FOLD_LIMIT):
        return line
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= FOLD_LIMIT:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else ""
            pieces.append("".join(current))
            current = [carried] if carried else []
            size = len(carried)
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)
