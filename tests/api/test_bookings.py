"""Bookings through the management and the public API: stored values, moves, statuses, idempotency, audit."""
from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking
from tests.api.conftest import assert_error, booking_events
from tests.support.factories import booking_body, setup_practice

NINE = "2027-02-02T09:00:00+01:00"


def _book(api, practice, start=NINE, expect=201, **extra):
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start, **extra),
                    expect=expect, key="")


def _ics(api, token: str) -> Calendar:
    response = api.call("GET", f"/api/v1/manage/{token}/ics", key="")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "charset=utf-8" in response.headers["Content-Type"]
    return Calendar.from_ical(response.data)


def test_staff_booking_is_stored_and_listed(app, api):
    practice = setup_practice(api, staff=2)
    body = booking_body(practice, "2027-02-03T10:00:00Z", staff_id=practice.staff_ids[1], notes="Back pain",
                        email="Kim.Doe@Example.TEST")
    body["customer"]["phone"] = "+49 30 1234567"
    created = api.json("POST", "/api/v1/bookings", body, expect=201)
    assert created["source"] == "staff" and created["status"] == "confirmed"
    assert created["start"] == "2027-02-03T11:00:00+01:00" and created["end"] == "2027-02-03T11:30:00+01:00"
    assert created["staff_id"] == practice.staff_ids[1] and created["service_id"] == practice.service_id
    assert created["customer"] == {"name": "Kim Customer", "email": "kim.doe@example.test", "phone": "+49 30 1234567"}
    assert created["estimated_start"] == created["start"] and created["notes"] == "Back pain"
    assert created["manage_token"] and created["manage_url"].endswith(created["manage_token"])
    shown = api.json("GET", f"/api/v1/bookings/{created['id']}")
    assert {k: shown[k] for k in ("id", "status", "start", "end", "staff_id", "customer", "source")} == \
        {k: created[k] for k in ("id", "status", "start", "end", "staff_id", "customer", "source")}
    online = _book(api, practice)
    assert api.json("GET", f"/api/v1/bookings/{online['id']}")["source"] == "online"
    with app.app_context():
        stored = db.session.get(Booking, created["id"])
        assert stored.start_utc.isoformat() == "2027-02-03T10:00:00+00:00"
        assert stored.manage_token_hash != created["manage_token"]

    def ids(query: str) -> list[int]:
        return [b["id"] for b in api.json("GET", "/api/v1/bookings" + query)["bookings"]]
    assert ids("") == [online["id"], created["id"]]
    assert ids("?from=2027-02-03T00:00:00%2B01:00") == [created["id"]]
    assert ids("?to=2027-02-03T00:00:00%2B01:00") == [online["id"]]
    assert ids(f"?staff_id={practice.staff_ids[1]}") == [created["id"]]
    assert ids("?status=cancelled") == []
    assert ids("?from=2027-02-02T08:00:00Z&to=2027-02-02T08:30:00Z&status=confirmed") == [online["id"]]


def test_public_booking_answer_and_taken_slot(api):
    practice = setup_practice(api, staff=2)
    first = _book(api, practice)
    assert set(first) >= {"id", "status", "start", "end", "staff_id", "manage_token", "manage_url", "ics_url"}
    assert first["start"] == NINE and first["end"] == "2027-02-02T09:30:00+01:00"
    assert first["manage_url"].startswith("http") and first["ics_url"].startswith("http")
    assert first["ics_url"].endswith(f"/api/v1/manage/{first['manage_token']}/ics")
    second = _book(api, practice)  # "any": the other staff member, who has fewer bookings that day
    assert {first["staff_id"], second["staff_id"]} == set(practice.staff_ids)
    clash = assert_error(api.call("POST", f"/api/v1/public/{practice.slug}/bookings",
                                  booking_body(practice, NINE), key=""), 409, "slot_unavailable")
    assert 1 <= len(clash["alternatives"]) <= 5
    assert clash["alternatives"][0] == {"start": "2027-02-02T09:30:00+01:00", "end": "2027-02-02T10:00:00+01:00",
                                        "staff_ids": sorted(practice.staff_ids)}
    starts = [a["start"] for a in clash["alternatives"]]
    assert all(s.endswith("+01:00") for s in starts) and NINE not in starts
    # Off the grid, outside the hours, or in the past: the same answer.
    for start in ("2027-02-02T09:10:00+01:00", "2027-02-02T20:00:00+01:00", "2027-01-29T09:00:00+01:00"):
        assert_error(api.call("POST", f"/api/v1/public/{practice.slug}/bookings",
                              booking_body(practice, start), key=""), 409, "slot_unavailable")


def test_idempotency_key_replays_the_first_booking(app, api):
    practice = setup_practice(api)
    body = booking_body(practice, NINE, idempotency_key="retry-42")
    path = f"/api/v1/public/{practice.slug}/bookings"
    first = api.json("POST", path, body, expect=201, key="")
    again = api.json("POST", path, body, expect=200, key="")
    assert again["id"] == first["id"] and again["manage_token"] == first["manage_token"]
    assert again == first
    conflict = assert_error(api.call("POST", path, dict(body, start="2027-02-02T10:00:00+01:00"), key=""),
                            409, "conflict")
    assert "idempotency" in conflict["message"].lower()
    # The management API shares the key space of the business.
    assert api.json("POST", "/api/v1/bookings", body, expect=200)["id"] == first["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Booking)
                                 .where(Booking.idempotency_key == "retry-42",
                                        Booking.service_id == practice.service_id)) == 1
    assert [e[0] for e in booking_events(app, first["id"])] == ["created"]


def test_patch_moves_and_changes_status_with_an_audit_trail(app, api):
    practice = setup_practice(api, staff=2)
    booked = _book(api, practice, staff_id=practice.staff_ids[0])
    taken = _book(api, practice, "2027-02-02T11:00:00+01:00", staff_id=practice.staff_ids[0])
    assert _ics(api, booked["manage_token"]).walk("VEVENT")[0]["SEQUENCE"] == 0
    moved = api.json("PATCH", f"/api/v1/bookings/{booked['id']}", {"start": "2027-02-02T09:00:00Z"})
    assert moved["start"] == "2027-02-02T10:00:00+01:00" and moved["id"] == booked["id"]
    assert moved["end"] == "2027-02-02T10:30:00+01:00" and moved["staff_id"] == practice.staff_ids[0]
    event = _ics(api, booked["manage_token"]).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1 and event.decoded("DTSTART").isoformat() == "2027-02-02T09:00:00+00:00"
    other = api.json("PATCH", f"/api/v1/bookings/{booked['id']}", {"staff_id": practice.staff_ids[1]})
    assert other["staff_id"] == practice.staff_ids[1] and other["start"] == moved["start"]
    assert _ics(api, booked["manage_token"]).walk("VEVENT")[0]["SEQUENCE"] == 2
    moved_back = api.json("PATCH", f"/api/v1/bookings/{booked['id']}",
                          {"start": "2027-02-02T09:30:00+01:00", "staff_id": practice.staff_ids[0]})
    assert moved_back["start"] == "2027-02-02T09:30:00+01:00" and moved_back["staff_id"] == practice.staff_ids[0]
    clash = assert_error(api.call("PATCH", f"/api/v1/bookings/{booked['id']}",
                                  {"start": taken["start"], "staff_id": practice.staff_ids[0]}),
                         409, "slot_unavailable")
    assert clash["alternatives"] and taken["start"] not in [a["start"] for a in clash["alternatives"]]
    for status in ("arrived", "completed", "no_show", "confirmed"):
        assert api.json("PATCH", f"/api/v1/bookings/{booked['id']}", {"status": status})["status"] == status
    assert api.json("PATCH", f"/api/v1/bookings/{booked['id']}", {"status": "cancelled"})["status"] == "cancelled"
    for change in ({"status": "arrived"}, {"status": "confirmed"}, {"start": "2027-02-02T14:00:00+01:00"}):
        assert_error(api.call("PATCH", f"/api/v1/bookings/{booked['id']}", change), 409, "conflict")
    assert api.json("GET", f"/api/v1/bookings/{booked['id']}")["status"] == "cancelled"
    # The cancelled booking gave its time away.
    assert _book(api, practice, "2027-02-02T09:30:00+01:00", staff_id=practice.staff_ids[0])["id"]
    events = booking_events(app, booked["id"])
    assert [e[0] for e in events] == ["created"] + ["moved"] * 3 + ["status"] * 4 + ["cancelled"]
    assert events[0][1] == "customer" and events[1][1].startswith("api_key:")
    assert events[1][2]["after"]["start"] == "2027-02-02T09:00:00+00:00"
    assert events[2][2]["after"]["staff_id"] == practice.staff_ids[1]
    assert events[4][2] == {"before": "confirmed", "after": "arrived"}
    assert events[-1][2] == {"before": "confirmed", "after": "cancelled"}
    assert "STATUS:CANCELLED" in api.call("GET", f"/api/v1/manage/{booked['manage_token']}/ics", key="").text


def test_group_service_fills_its_seats_then_is_taken(api):
    practice = setup_practice(api, service={"name": "Yoga", "duration_minutes": 60, "capacity": 2})
    path = f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}&from=2027-02-02&to=2027-02-02"
    first, second = _book(api, practice), _book(api, practice)
    assert first["start"] == second["start"] == NINE and first["id"] != second["id"]
    assert first["staff_id"] == second["staff_id"] == practice.staff_ids[0]
    clash = assert_error(api.call("POST", f"/api/v1/public/{practice.slug}/bookings",
                                  booking_body(practice, NINE), key=""), 409, "slot_unavailable")
    assert NINE not in [a["start"] for a in clash["alternatives"]]
    assert NINE not in [s["start"] for s in api.json("GET", path, key="")["slots"]]
    api.json("POST", f"/api/v1/manage/{first['manage_token']}/cancel", key="")
    assert api.json("GET", path, key="")["slots"][0]["start"] == NINE


def test_a_start_between_whole_seconds_is_not_on_the_grid(api):
    practice = setup_practice(api)
    for start in ("2027-02-02T09:00:00.500+01:00", "2027-02-02T09:29:59.999+01:00"):
        assert_error(api.call("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start),
                              key=""), 409, "slot_unavailable")
    booked = _book(api, practice, "2027-02-02T09:00:00.000+01:00")
    assert booked["start"] == NINE
    assert_error(api.call("PATCH", f"/api/v1/bookings/{booked['id']}", {"start": "2027-02-02T10:00:00.25+01:00"}),
                 409, "slot_unavailable")
    assert_error(api.call("POST", f"/api/v1/manage/{booked['manage_token']}/reschedule",
                          {"start": "2027-02-02T10:00:00.25+01:00"}, key=""), 409, "slot_unavailable")
    assert _book(api, practice, "2027-02-02T09:30:00+01:00")["end"] == "2027-02-02T10:00:00+01:00"
