"""Running late through the API with a pinned clock: cascade, gap, threshold, all-clear, overrun."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from booking.clock import pinned
from booking.extensions import db
from booking.jobs import run_overrun_detection
from booking.models import Notification
from booking.timezones import zone
from tests.support.factories import booking_body, setup_practice

UTC = timezone.utc
BERLIN = zone("Europe/Berlin")


def day_of_bookings(api, practice, times: list[str]) -> list[dict]:
    return [api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                     booking_body(practice, f"2027-02-01T{t}:00+01:00"), expect=201, key="") for t in times]


def delay_rows(app, booking_ids: list[int]) -> dict[int, list[tuple[str, bool, str]]]:
    with app.app_context():
        found = db.session.scalars(select(Notification).where(Notification.booking_id.in_(booking_ids),
                                                              Notification.kind == "delay").order_by(Notification.id))
        result: dict[int, list] = {i: [] for i in booking_ids}
        for row in found:
            local = datetime.fromisoformat(row.payload["estimate"]).astimezone(BERLIN)
            result[row.booking_id].append((local.strftime("%H:%M"), row.payload["all_clear"], row.status))
        db.session.remove()
    return result


def report(api, staff_id: int, minutes: int) -> dict:
    return api.json("POST", f"/api/v1/staff/{staff_id}/delay", {"minutes": minutes})


def test_a_gap_absorbs_the_delay_and_only_moved_customers_are_told(app, api):
    practice = setup_practice(api)  # now: 08:00 Berlin; threshold 10 minutes
    staff = practice.staff_ids[0]
    a, b, c = day_of_bookings(api, practice, ["09:00", "09:30", "10:30"])
    result = report(api, staff, 40)
    assert [(x["booking_id"], x["estimated_start"][11:16]) for x in result["affected"]] == [
        (a["id"], "09:40"), (b["id"], "10:10"), (c["id"], "10:40")]
    assert result["notified"] == 3  # c moves exactly the threshold (10 minutes): told too
    assert delay_rows(app, [a["id"], b["id"], c["id"]]) == {
        a["id"]: [("09:40", False, "pending")], b["id"]: [("10:10", False, "pending")],
        c["id"]: [("10:40", False, "pending")]}


def test_a_gap_larger_than_the_delay_stops_the_cascade(app, api):
    practice = setup_practice(api)
    a, b = day_of_bookings(api, practice, ["09:00", "10:30"])
    result = report(api, practice.staff_ids[0], 20)
    assert [(x["booking_id"], x["estimated_start"][11:16]) for x in result["affected"]] == [(a["id"], "09:20")]
    assert delay_rows(app, [a["id"], b["id"]]) == {a["id"]: [("09:20", False, "pending")], b["id"]: []}


def test_threshold_updates_and_all_clear(app, api):
    practice = setup_practice(api)
    staff = practice.staff_ids[0]
    a, b = day_of_bookings(api, practice, ["09:00", "11:00"])
    assert report(api, staff, 9)["notified"] == 0           # under the threshold: nobody told
    assert report(api, staff, 15)["notified"] == 1          # a told 09:15; b untouched (gap)
    assert report(api, staff, 20)["notified"] == 0          # moved 5 from what a was told
    assert report(api, staff, 30)["notified"] == 1          # moved 15: update
    assert report(api, staff, 0)["notified"] == 1           # back on time: all-clear to a only
    assert delay_rows(app, [a["id"], b["id"]]) == {
        a["id"]: [("09:15", False, "cancelled"), ("09:30", False, "cancelled"), ("09:00", True, "pending")],
        b["id"]: []}
    manage = api.json("GET", f"/api/v1/manage/{a['manage_token']}", key="")
    assert manage["estimated_start"] == "2027-02-01T09:00:00+01:00"


def test_the_manage_api_shows_the_live_estimate(api):
    practice = setup_practice(api)
    (a,) = day_of_bookings(api, practice, ["09:00"])
    report(api, practice.staff_ids[0], 25)
    assert api.json("GET", f"/api/v1/manage/{a['manage_token']}", key="")["estimated_start"] == \
        "2027-02-01T09:25:00+01:00"


def test_an_overrunning_appointment_becomes_a_growing_delay(app, api):
    practice = setup_practice(api)
    a, b, c = day_of_bookings(api, practice, ["09:00", "09:30", "10:00"])
    with pinned(datetime(2027, 2, 1, 8, 5, tzinfo=UTC)):
        api.json("PATCH", f"/api/v1/bookings/{a['id']}", {"status": "arrived"})
    with pinned(datetime(2027, 2, 1, 8, 50, tzinfo=UTC)):  # 09:50: a should have ended at 09:30
        run_overrun_detection(app)
    rows = delay_rows(app, [b["id"], c["id"]])
    assert rows == {b["id"]: [("09:50", False, "pending")], c["id"]: [("10:20", False, "pending")]}
