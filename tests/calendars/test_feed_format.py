"""The feed writer (booking.calendars.ics_export, pure): what SPEC.md asks of a feed, and the same
bytes as icalendar would write for each VEVENT (the feed writes them itself, for speed)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, vCalAddress

from booking.calendars.ics_export import (
    CalendarEvent,
    FeedHeader,
    feed_bytes,
    feed_events,
    feed_window,
)

NOW = datetime(2027, 2, 1, 7, tzinfo=timezone.utc)
HEADER = FeedHeader(name="Zoë · Praxis Groß 🙂", organizer=("Praxis Groß; Berlin, \"Mitte\"", "bookings@example.test"))


def event(n: int, start: datetime, **changes) -> CalendarEvent:
    values = {"uid": f"booking-{n:04d}@example.test", "sequence": n % 3, "start_utc": start,
              "end_utc": start + timedelta(minutes=45), "summary": f"Färben & Schnitt – Jürgen Groß {n} 🙂",
              "description": "Färben with Zoë.\nCustomer: Jürgen; \"Jü\", Groß \\ co",
              "created_utc": NOW - timedelta(days=3), "modified_utc": NOW - timedelta(hours=n),
              "location": "Praxis Groß"}
    values.update(changes)
    return CalendarEvent(**values)


def reference_vevent(item: CalendarEvent, organizer: tuple[str, str]) -> bytes:
    """The same VEVENT written by icalendar itself."""
    vevent = Event()
    for name, value in (("uid", item.uid), ("sequence", item.sequence), ("dtstamp", item.modified_utc),
                        ("created", item.created_utc), ("last-modified", item.modified_utc),
                        ("dtstart", item.start_utc), ("dtend", item.end_utc), ("summary", item.summary)):
        vevent.add(name, value)
    if item.description:
        vevent.add("description", item.description)
    if item.location:
        vevent.add("location", item.location)
    address = vCalAddress(f"mailto:{organizer[1]}")
    address.params["cn"] = organizer[0]
    vevent.add("organizer", address)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent.to_ical()


def vevent_blocks(body: bytes) -> list[bytes]:
    return [b"BEGIN:VEVENT" + part.split(b"END:VEVENT\r\n")[0] + b"END:VEVENT\r\n"
            for part in body.split(b"BEGIN:VEVENT")[1:]]


def test_each_vevent_has_the_bytes_icalendar_would_write():
    items = [event(n, NOW + timedelta(days=n)) for n in range(4)]
    items.append(event(9, NOW, summary="A very long title " * 8 + "ü" * 40 + "🙂" * 30, description="", location=None))
    items.append(event(10, NOW + timedelta(hours=1), summary="Ends with a backslash \\" + "x" * 60 + ";,\r\n"))
    body = feed_bytes(HEADER, items, NOW)
    expected = [reference_vevent(item, HEADER.organizer) for item in sorted(items, key=lambda e: (e.start_utc, e.uid))]
    assert vevent_blocks(body) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_title_survives_the_round_trip_within_75_octets_per_line(title):
    body = feed_bytes(HEADER, [event(1, NOW, summary=title, description=title)], NOW)
    for line in body.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # never a split character
    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    kept = "".join(c for c in title.replace("\r\n", "\n").replace("\r", "\n")
                   if c in "\t\n" or not (ord(c) < 32 or ord(c) == 127))
    assert str(vevent["SUMMARY"]) == kept


def test_the_calendar_carries_what_subscribers_read():
    body = feed_bytes(HEADER, [event(1, NOW)], NOW)
    assert body.count(b"BEGIN:VCALENDAR") == 1 and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body and b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    assert b"\r\nMETHOD:PUBLISH\r\n" in body and b"ATTENDEE" not in body
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == HEADER.name
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["ORGANIZER"].params["CN"] == HEADER.organizer[0] and vevent["TRANSP"] == "OPAQUE"
    assert vevent.DTSTAMP == vevent.LAST_MODIFIED == NOW - timedelta(hours=1)
    assert b"DTSTART:20270201T070000Z" in body and b"TZID" not in body and b"VTIMEZONE" not in body


def test_an_empty_feed_is_still_a_valid_calendar():
    calendar = Calendar.from_ical(feed_bytes(HEADER, [], NOW))
    assert calendar["METHOD"] == "PUBLISH" and not calendar.walk("VEVENT")


def test_cancelled_and_out_of_window_events_are_left_out_and_the_rest_ordered():
    start, end = feed_window(NOW)
    assert (start, end) == (NOW - timedelta(days=30), NOW + timedelta(days=365))
    inside = [event(3, NOW + timedelta(days=2), uid="b"), event(4, NOW + timedelta(days=2), uid="a"),
              event(5, start - timedelta(minutes=30)),   # ends 15 minutes into the window
              event(6, end - timedelta(minutes=1))]      # begins just before the end
    outside = [event(7, start - timedelta(minutes=45)),  # ends exactly at the window's start
               event(8, end), event(9, NOW, cancelled=True)]
    chosen = feed_events([*outside, *reversed(inside)], NOW)
    assert [e.uid for e in chosen] == [inside[2].uid, "a", "b", inside[3].uid]


def test_busy_only_keeps_times_and_drops_everything_about_the_customer():
    item = event(1, NOW, attendee=("Jürgen", "j@example.test"))
    (busy,) = feed_events([item], NOW, busy_only=True)
    assert (busy.summary, busy.description, busy.location, busy.attendee) == ("Busy", "", None, None)
    assert (busy.uid, busy.start_utc, busy.end_utc, busy.sequence) == (item.uid, item.start_utc, item.end_utc, 1)
    body = feed_bytes(HEADER, [item], NOW, busy_only=True)
    assert b"J\xc3\xbcrgen" not in body and b"DESCRIPTION" not in body and b"SUMMARY:Busy\r\n" in body


def test_the_same_events_in_any_order_give_the_same_bytes():
    items = [event(n, NOW + timedelta(hours=n % 4)) for n in range(12)]
    assert feed_bytes(HEADER, items, NOW) == feed_bytes(HEADER, list(reversed(items)), NOW)


@pytest.mark.parametrize("field", ["start_utc", "end_utc", "created_utc", "modified_utc"])
def test_naive_times_are_refused_not_guessed(field):
    with pytest.raises((TypeError, ValueError)):  # comparing with the aware window, or writing
        feed_bytes(HEADER, [event(1, NOW, **{field: datetime(2027, 2, 1, 9)})], NOW)
