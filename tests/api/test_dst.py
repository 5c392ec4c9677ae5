"""Daylight saving changes through the API: wall-clock hours stay put, offsets follow the date."""
from __future__ import annotations

from tests.support.factories import booking_body, setup_practice

SUNDAY_MORNING = {"sun": [["09:00", "12:00"]]}
HOUR = {"name": "One hour", "duration_minutes": 60}


def _starts(api, practice, day: str, tz: str | None = None) -> list[str]:
    zone = f"&tz={tz}" if tz else ""
    body = api.json("GET", f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}"
                    f"&from={day}&to={day}{zone}", key="")
    return [slot["start"] for slot in body["slots"]]


def test_berlin_sunday_hours_on_both_change_days(api):
    practice = setup_practice(api, hours=SUNDAY_MORNING, service=HOUR)
    assert _starts(api, practice, "2027-03-21") == [f"2027-03-21T{h}:00:00+01:00" for h in ("09", "10", "11")]
    assert _starts(api, practice, "2027-03-28") == [f"2027-03-28T{h}:00:00+02:00" for h in ("09", "10", "11")]
    assert _starts(api, practice, "2027-10-31") == [f"2027-10-31T{h}:00:00+01:00" for h in ("09", "10", "11")]
    assert _starts(api, practice, "2027-03-28", "UTC")[0] == "2027-03-28T07:00:00+00:00"
    assert _starts(api, practice, "2027-10-31", "UTC")[0] == "2027-10-31T08:00:00+00:00"


def test_berlin_overrides_on_both_change_days(api):
    practice = setup_practice(api, hours={"sun": []}, service=HOUR)
    staff = practice.staff_ids[0]
    for day in ("2027-03-28", "2027-10-31"):
        api.json("PUT", f"/api/v1/staff/{staff}/overrides/{day}", {"hours": [["09:00", "12:00"]]})
    assert _starts(api, practice, "2027-03-28")[0] == "2027-03-28T09:00:00+02:00"
    assert _starts(api, practice, "2027-10-31")[0] == "2027-10-31T09:00:00+01:00"


def test_night_shift_has_real_length_across_the_change(api):
    practice = setup_practice(api, hours={"sun": []}, service=HOUR)
    staff = practice.staff_ids[0]
    for day in ("2027-03-28", "2027-10-31"):
        api.json("PUT", f"/api/v1/staff/{staff}/overrides/{day}", {"hours": [["01:00", "04:00"]]})
    # Spring: 01:00+01:00 to 04:00+02:00 is two real hours.
    assert _starts(api, practice, "2027-03-28") == ["2027-03-28T01:00:00+01:00", "2027-03-28T03:00:00+02:00"]
    # Autumn: 01:00+02:00 to 04:00+01:00 is four real hours; 02:00 happens twice.
    autumn = ["2027-10-31T01:00:00+02:00", "2027-10-31T02:00:00+02:00", "2027-10-31T02:00:00+01:00",
              "2027-10-31T03:00:00+01:00"]
    assert _starts(api, practice, "2027-10-31") == autumn
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                      booking_body(practice, "2027-10-31T01:00:00Z"), expect=201, key="")
    assert booked["start"] == "2027-10-31T02:00:00+01:00" and booked["end"] == "2027-10-31T03:00:00+01:00"
    assert _starts(api, practice, "2027-10-31") == autumn[:2] + autumn[3:]
    # 02:30 local does not exist in spring; as an instant it is off the grid.
    assert api.call("POST", f"/api/v1/public/{practice.slug}/bookings",
                    booking_body(practice, "2027-03-28T02:30:00+01:00"), key="").status_code == 409


def test_new_york_business_on_both_change_days(api):
    practice = setup_practice(api, timezone="America/New_York", hours=SUNDAY_MORNING, service=HOUR)
    assert _starts(api, practice, "2027-03-07") == [f"2027-03-07T{h}:00:00-05:00" for h in ("09", "10", "11")]
    assert _starts(api, practice, "2027-03-14") == [f"2027-03-14T{h}:00:00-04:00" for h in ("09", "10", "11")]
    assert _starts(api, practice, "2027-11-07") == [f"2027-11-07T{h}:00:00-05:00" for h in ("09", "10", "11")]
    # Between the two countries' changes Berlin is only five hours ahead.
    assert _starts(api, practice, "2027-03-14", "Europe/Berlin")[0] == "2027-03-14T14:00:00+01:00"
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                      booking_body(practice, "2027-11-07T09:00:00-05:00"), expect=201, key="")
    assert booked["start"] == "2027-11-07T09:00:00-05:00"
    assert api.json("GET", f"/api/v1/bookings/{booked['id']}")["end"] == "2027-11-07T10:00:00-05:00"


def test_staff_hours_are_in_the_staff_members_zone(api):
    practice = setup_practice(api, hours=SUNDAY_MORNING, service=HOUR)
    staff = practice.staff_ids[0]
    api.json("PATCH", f"/api/v1/staff/{staff}", {"timezone": "America/New_York"})
    assert _starts(api, practice, "2027-03-14") == ["2027-03-14T14:00:00+01:00", "2027-03-14T15:00:00+01:00",
                                                    "2027-03-14T16:00:00+01:00"]
    assert _starts(api, practice, "2027-03-21")[0] == "2027-03-21T14:00:00+01:00"
    assert _starts(api, practice, "2027-03-28")[0] == "2027-03-28T15:00:00+02:00"
