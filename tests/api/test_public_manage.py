"""The public API (info, availability, booking) and managing a booking by its token."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from booking.clock import pinned
from tests.api.conftest import assert_error, booking_events
from tests.support.factories import booking_body, setup_practice

NINE = "2027-02-02T09:00:00+01:00"
# The booking above starts 08:00Z; with the 24 h cut-off, changes are possible until 2027-02-01T08:00Z.
DEADLINE = datetime(2027, 2, 1, 8, 0, tzinfo=timezone.utc)


def _availability(api, practice, first: str, last: str, **query):
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return api.json("GET", f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}"
                    f"&from={first}&to={last}{extra}", key="")


def _book(api, practice, start=NINE, **extra):
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start, **extra),
                    expect=201, key="")


def test_public_info(api):
    practice = setup_practice(api, staff=2, service={"name": "Massage", "duration_minutes": 50, "price": 60})
    info = api.json("GET", f"/api/v1/public/{practice.slug}", key="")
    assert info["name"] == f"Practice {practice.slug}" and info["timezone"] == "Europe/Berlin"
    assert info["locale"] == "en"
    assert info["staff"] == [{"id": i, "name": f"Staff {n + 1}"} for n, i in enumerate(practice.staff_ids)]
    service = info["services"][0]
    assert {k: service[k] for k in ("id", "name", "duration_minutes", "capacity")} == \
        {"id": practice.service_id, "name": "Massage", "duration_minutes": 50, "capacity": 1}
    assert sorted(service["staff_ids"]) == practice.staff_ids


def test_availability_in_the_business_zone_and_in_others(api):
    practice = setup_practice(api, staff=2)
    berlin = _availability(api, practice, "2027-02-02", "2027-02-02")
    assert berlin["timezone"] == "Europe/Berlin" and len(berlin["slots"]) == 14
    assert berlin["slots"][0] == {"start": NINE, "end": "2027-02-02T09:30:00+01:00",
                                  "staff_ids": sorted(practice.staff_ids)}
    starts = [s["start"] for s in berlin["slots"]]
    assert starts == sorted(starts) and "2027-02-02T12:00:00+01:00" not in starts
    new_york = _availability(api, practice, "2027-02-02", "2027-02-02", tz="America/New_York")
    assert new_york["timezone"] == "America/New_York"
    assert [s["start"] for s in new_york["slots"]][:2] == ["2027-02-02T03:00:00-05:00", "2027-02-02T03:30:00-05:00"]
    assert all(s["start"].endswith("-05:00") and s["end"].endswith("-05:00") for s in new_york["slots"])
    assert len(new_york["slots"]) == 14
    # Local dates are those of the zone asked for: Tokyo's 1 February ends at 15:00Z.
    tokyo = _availability(api, practice, "2027-02-01", "2027-02-01", tz="Asia/Tokyo")["slots"]
    assert tokyo[0]["start"] == "2027-02-01T17:00:00+09:00" and tokyo[-1]["start"] == "2027-02-01T23:30:00+09:00"
    only = _availability(api, practice, "2027-02-02", "2027-02-02", staff=practice.staff_ids[1])["slots"]
    assert {tuple(s["staff_ids"]) for s in only} == {(practice.staff_ids[1],)}
    _book(api, practice, staff_id=practice.staff_ids[0])
    after = _availability(api, practice, "2027-02-02", "2027-02-02", staff="any")["slots"]
    assert after[0] == {"start": NINE, "end": "2027-02-02T09:30:00+01:00", "staff_ids": [practice.staff_ids[1]]}
    _book(api, practice)
    assert _availability(api, practice, "2027-02-02", "2027-02-02")["slots"][0]["start"] == \
        "2027-02-02T09:30:00+01:00"


def test_availability_over_62_days_and_across_the_spring_change(api):
    practice = setup_practice(api)
    slots = _availability(api, practice, "2027-02-01", "2027-04-03")["slots"]  # 62 days, inclusive
    assert len(slots) == 45 * 14  # 45 weekdays
    assert slots[0]["start"] == "2027-02-01T09:00:00+01:00" and slots[-1]["start"] == "2027-04-02T16:30:00+02:00"
    assert "2027-03-26T09:00:00+01:00" in [s["start"] for s in slots]
    assert "2027-03-29T09:00:00+02:00" in [s["start"] for s in slots]
    error = assert_error(api.call("GET", f"/api/v1/public/{practice.slug}/availability?service="
                                  f"{practice.service_id}&from=2027-02-01&to=2027-04-04", key=""), 422, "invalid")
    assert "to" in error["fields"]


def test_availability_honours_notice_and_advance(api):
    practice = setup_practice(api, min_notice_minutes=120, max_advance_days=2)
    today = [s["start"] for s in _availability(api, practice, "2027-02-01", "2027-02-01")["slots"]]
    assert today[0] == "2027-02-01T10:00:00+01:00"  # now is 08:00 Berlin, plus two hours
    assert len(_availability(api, practice, "2027-02-02", "2027-02-02")["slots"]) == 14
    assert _availability(api, practice, "2027-02-03", "2027-02-03")["slots"] == []
    assert_error(api.call("POST", f"/api/v1/public/{practice.slug}/bookings",
                          booking_body(practice, "2027-02-01T09:00:00+01:00"), key=""), 409, "slot_unavailable")


def test_manage_show_reschedule_cancel_and_ics(app, api):
    practice = setup_practice(api)
    booked = _book(api, practice)
    taken = _book(api, practice, "2027-02-02T11:00:00+01:00")
    base = f"/api/v1/manage/{booked['manage_token']}"
    shown = api.json("GET", base, key="")
    assert shown["id"] == booked["id"] and shown["start"] == NINE and shown["status"] == "confirmed"
    assert shown["estimated_start"] == NINE and shown["staff_id"] == practice.staff_ids[0]
    assert shown["customer"]["name"] == "Kim Customer"
    event = Calendar.from_ical(api.call("GET", f"{base}/ics", key="").data).walk("VEVENT")[0]
    uid = str(event["UID"])
    assert event["SEQUENCE"] == 0 and event.decoded("DTSTART") == datetime(2027, 2, 2, 8, tzinfo=timezone.utc)
    assert event.decoded("DTEND") == datetime(2027, 2, 2, 8, 30, tzinfo=timezone.utc)
    clash = assert_error(api.call("POST", f"{base}/reschedule", {"start": taken["start"]}, key=""),
                         409, "slot_unavailable")
    assert clash["alternatives"]
    assert_error(api.call("POST", f"{base}/reschedule", {"start": "2027-01-31T09:00:00+01:00"}, key=""),
                 409, "slot_unavailable")
    moved = api.json("POST", f"{base}/reschedule", {"start": "2027-02-02T13:30:00+01:00"}, key="")
    assert moved["start"] == "2027-02-02T13:30:00+01:00" and moved["end"] == "2027-02-02T14:00:00+01:00"
    assert api.json("GET", base, key="")["start"] == moved["start"]
    event = Calendar.from_ical(api.call("GET", f"{base}/ics", key="").data).walk("VEVENT")[0]
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1
    assert NINE in [s["start"] for s in _availability(api, practice, "2027-02-02", "2027-02-02")["slots"]]
    cancelled = api.json("POST", f"{base}/cancel", key="")
    assert cancelled["status"] == "cancelled" and cancelled["id"] == booked["id"]
    assert api.json("POST", f"{base}/cancel", key="")["status"] == "cancelled"  # idempotent
    assert_error(api.call("POST", f"{base}/reschedule", {"start": NINE}, key=""), 409, "conflict")
    event = Calendar.from_ical(api.call("GET", f"{base}/ics", key="").data).walk("VEVENT")[0]
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 2 and event["STATUS"] == "CANCELLED"
    events = booking_events(app, booked["id"])
    assert [(action, actor) for action, actor, _ in events] == \
        [("created", "customer"), ("moved", "customer"), ("cancelled", "customer")]
    assert events[1][2]["before"]["start"] == "2027-02-02T08:00:00+00:00"


def test_cancellation_cutoff_is_too_late_for_the_customer_but_not_for_staff(api):
    practice = setup_practice(api)
    booked = _book(api, practice)
    base = f"/api/v1/manage/{booked['manage_token']}"
    with pinned(DEADLINE + timedelta(seconds=1)):
        late = assert_error(api.call("POST", f"{base}/reschedule", {"start": "2027-02-02T10:00:00+01:00"}, key=""),
                            422, "too_late")
        assert "24" in late["message"]
        assert_error(api.call("POST", f"{base}/cancel", key=""), 422, "too_late")
        assert api.json("GET", base, key="")["status"] == "confirmed"
        # Staff may still act after the cut-off.
        moved = api.json("PATCH", f"/api/v1/bookings/{booked['id']}", {"start": "2027-02-02T10:00:00+01:00"})
        assert moved["start"] == "2027-02-02T10:00:00+01:00"
    with pinned(DEADLINE - timedelta(hours=1)):  # the booking now starts 09:00Z, 26 hours later
        assert api.json("POST", f"{base}/cancel", key="")["status"] == "cancelled"
