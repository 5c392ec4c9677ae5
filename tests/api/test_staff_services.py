"""Staff, weekly hours, date overrides, time off and services: what is stored and what it changes."""
from __future__ import annotations

from tests.api.conftest import assert_error
from tests.support.factories import setup_practice, sign_up

CLOSED_WEEK = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _starts(api, practice, day: str, **query) -> list[str]:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    path = f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}&from={day}&to={day}{extra}"
    return [slot["start"] for slot in api.json("GET", path, key="")["slots"]]


def test_staff_crud(api):
    practice = sign_up(api)
    created = api.json("POST", "/api/v1/staff", {"name": "  Ana  ", "email": "Ana@Example.TEST",
                                                 "timezone": "Europe/Lisbon"}, expect=201)
    assert created == {"id": created["id"], "name": "Ana", "email": "ana@example.test", "timezone": "Europe/Lisbon"}
    plain = api.json("POST", "/api/v1/staff", {"name": "Ben"}, expect=201)
    assert plain["email"] is None and plain["timezone"] is None
    assert [m["id"] for m in api.json("GET", "/api/v1/staff")["staff"]] == [created["id"], plain["id"]]
    shown = api.json("GET", f"/api/v1/staff/{created['id']}")
    assert shown["name"] == "Ana" and shown["hours"] == CLOSED_WEEK
    patched = api.json("PATCH", f"/api/v1/staff/{created['id']}", {"name": "Ana B.", "timezone": None})
    assert patched == dict(created, name="Ana B.", timezone=None)
    assert api.json("PATCH", f"/api/v1/staff/{created['id']}", {}) == patched
    assert api.call("DELETE", f"/api/v1/staff/{plain['id']}").status_code == 204
    assert_error(api.call("GET", f"/api/v1/staff/{plain['id']}"), 404, "not_found")
    assert_error(api.call("DELETE", f"/api/v1/staff/{plain['id']}"), 404, "not_found")
    assert [m["id"] for m in api.json("GET", "/api/v1/staff")["staff"]] == [created["id"]]
    public = api.json("GET", f"/api/v1/public/{practice.slug}", key="")
    assert public["staff"] == [{"id": created["id"], "name": "Ana B."}]


def test_weekly_hours_are_replaced_and_returned_for_every_day(api):
    practice = setup_practice(api)
    staff = practice.staff_ids[0]
    stored = api.json("PUT", f"/api/v1/staff/{staff}/hours",
                      {"tue": [["13:00", "17:00"], ["08:00", "12:00"]], "sat": [["22:00", "24:00"]]})
    assert stored == dict(CLOSED_WEEK, tue=[["08:00", "12:00"], ["13:00", "17:00"]], sat=[["22:00", "24:00"]])
    assert api.json("GET", f"/api/v1/staff/{staff}")["hours"] == stored
    assert _starts(api, practice, "2027-02-01") == []  # Monday: no longer working
    tuesday = _starts(api, practice, "2027-02-02")
    assert tuesday[0] == "2027-02-02T08:00:00+01:00" and tuesday[-1] == "2027-02-02T16:30:00+01:00"
    assert "2027-02-02T12:00:00+01:00" not in tuesday and len(tuesday) == 16
    assert _starts(api, practice, "2027-02-06")[-1] == "2027-02-06T23:30:00+01:00"
    assert api.json("PUT", f"/api/v1/staff/{staff}/hours", {}) == CLOSED_WEEK


def test_overrides_replace_one_day_and_can_be_removed(api):
    practice = setup_practice(api)
    staff = practice.staff_ids[0]
    base = f"/api/v1/staff/{staff}/overrides"
    assert api.json("PUT", f"{base}/2027-02-03", {"hours": [["14:00", "15:00"]]}) == \
        {"date": "2027-02-03", "hours": [["14:00", "15:00"]]}
    assert _starts(api, practice, "2027-02-03") == ["2027-02-03T14:00:00+01:00", "2027-02-03T14:30:00+01:00"]
    assert api.json("PUT", f"{base}/2027-02-03", {"hours": []}) == {"date": "2027-02-03", "hours": []}
    assert _starts(api, practice, "2027-02-03") == []
    assert api.json("PUT", f"{base}/2027-02-06", {"hours": [["10:00", "11:00"]]})["hours"] == [["10:00", "11:00"]]
    assert len(_starts(api, practice, "2027-02-06")) == 2  # a Saturday opened for once
    assert api.call("DELETE", f"{base}/2027-02-03").status_code == 204
    assert len(_starts(api, practice, "2027-02-03")) == 14
    assert_error(api.call("DELETE", f"{base}/2027-02-03"), 404, "not_found")


def test_time_off_blocks_slots_until_deleted(api):
    practice = setup_practice(api)
    staff = practice.staff_ids[0]
    entry = api.json("POST", f"/api/v1/staff/{staff}/time-off",
                     {"start": "2027-02-03T09:00:00Z", "end": "2027-02-03T12:00:00Z", "reason": "Dentist"},
                     expect=201)
    assert entry["start"] == "2027-02-03T10:00:00+01:00" and entry["end"] == "2027-02-03T13:00:00+01:00"
    assert entry["reason"] == "Dentist" and entry["staff_id"] == staff and isinstance(entry["id"], int)
    starts = _starts(api, practice, "2027-02-03")
    assert starts[:2] == ["2027-02-03T09:00:00+01:00", "2027-02-03T09:30:00+01:00"]
    assert starts[2] == "2027-02-03T13:00:00+01:00"
    assert api.call("DELETE", f"/api/v1/staff/{staff}/time-off/{entry['id']}").status_code == 204
    assert len(_starts(api, practice, "2027-02-03")) == 14
    assert_error(api.call("DELETE", f"/api/v1/staff/{staff}/time-off/{entry['id']}"), 404, "not_found")


def test_services_crud(api):
    practice = setup_practice(api, staff=2)
    first, second = practice.staff_ids
    created = api.json("POST", "/api/v1/services", {"name": "Cleaning", "duration_minutes": 45,
                                                    "staff_ids": [second], "price": "49.5",
                                                    "description": "Teeth"}, expect=201)
    assert created == {"id": created["id"], "name": "Cleaning", "description": "Teeth", "price": "49.50",
                       "duration_minutes": 45, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
                       "slot_interval_minutes": 45, "capacity": 1, "staff_ids": [second]}
    assert [s["id"] for s in api.json("GET", "/api/v1/services")["services"]] == [practice.service_id, created["id"]]
    assert api.json("GET", f"/api/v1/services/{created['id']}") == created
    patched = api.json("PATCH", f"/api/v1/services/{created['id']}",
                       {"duration_minutes": 60, "slot_interval_minutes": 15, "buffer_after_minutes": 10,
                        "capacity": 3, "staff_ids": [first, second], "price": None})
    assert patched == dict(created, duration_minutes=60, slot_interval_minutes=15, buffer_after_minutes=10,
                           capacity=3, staff_ids=sorted([first, second]), price=None)
    public = api.json("GET", f"/api/v1/public/{practice.slug}", key="")
    assert {"id": created["id"], "name": "Cleaning", "duration_minutes": 60, "capacity": 3,
            "staff_ids": sorted([first, second])}.items() <= public["services"][1].items()
    # A staff member who leaves leaves the service too.
    api.call("DELETE", f"/api/v1/staff/{first}")
    assert api.json("GET", f"/api/v1/services/{created['id']}")["staff_ids"] == [second]
    assert api.call("DELETE", f"/api/v1/services/{created['id']}").status_code == 204
    assert_error(api.call("GET", f"/api/v1/services/{created['id']}"), 404, "not_found")
    assert [s["id"] for s in api.json("GET", "/api/v1/services")["services"]] == [practice.service_id]
    assert_error(api.call("POST", f"/api/v1/public/{practice.slug}/bookings",
                          {"service_id": created["id"], "start": "2027-02-02T09:00:00+01:00",
                           "customer": {"name": "Kim", "email": "kim@example.test"}}, key=""), 404, "not_found")
