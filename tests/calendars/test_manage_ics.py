"""The .ics behind the manage link: one valid VEVENT in UTC, stable bytes, SEQUENCE on change."""
from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar

from tests.support.factories import booking_body, setup_practice


def book(api, practice, start="2027-03-29T09:00:00+02:00"):
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                    booking_body(practice, start, customer={"name": "Jürgen 🙂", "email": "j@example.test"}),
                    expect=201, key="")


def test_ics_has_one_vevent_in_utc_with_uid_and_sequence(api, client):
    practice = setup_practice(api)
    booking = book(api, practice)
    response = client.get(f"/api/v1/manage/{booking['manage_token']}/ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    assert not calendar.errors
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event.start == datetime(2027, 3, 29, 7, 0, tzinfo=timezone.utc)
    assert event.end == datetime(2027, 3, 29, 7, 30, tzinfo=timezone.utc)
    assert str(event["UID"]).startswith("booking-") and event["SEQUENCE"] == 0
    assert b"DTSTART:20270329T070000Z" in response.data
    assert calendar["METHOD"] == "PUBLISH" and "ORGANIZER" in event
    assert client.get(f"/api/v1/manage/{booking['manage_token']}/ics").data == response.data


def test_a_move_raises_the_sequence_and_keeps_the_uid(api, client):
    practice = setup_practice(api)
    booking = book(api, practice)
    token = booking["manage_token"]
    before = Calendar.from_ical(client.get(f"/api/v1/manage/{token}/ics").data).walk("VEVENT")[0]
    api.json("POST", f"/api/v1/manage/{token}/reschedule", {"start": "2027-03-29T10:00:00+02:00"}, key="")
    after = Calendar.from_ical(client.get(f"/api/v1/manage/{token}/ics").data).walk("VEVENT")[0]
    assert after["UID"] == before["UID"] and after["SEQUENCE"] == 1
    assert after.start == datetime(2027, 3, 29, 8, 0, tzinfo=timezone.utc)
