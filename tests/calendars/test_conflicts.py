"""A sync that brings a busy block over an existing booking: the booking stays, a conflict is listed
(API and workspace) until staff keep it or cancel it with notice; nothing is opened twice."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, CalendarConflict, Notification
from tests.calendars.feed_server import FeedServer, Route, ics
from tests.support.factories import booking_body, setup_practice
from tests.support.workspace import log_in

UTC = timezone.utc
SERVICE = {"name": "Check-up", "duration_minutes": 30, "buffer_after_minutes": 15}
# 09:40Z touches only the buffer after the 09:00Z booking; 13:15Z lies over the 13:00Z one.
BUSY = ["DTSTART:20270203T094000Z\nDTEND:20270203T100000Z", "DTSTART:20270203T131500Z\nDTEND:20270203T134500Z",
        "DTSTART:20270203T150000Z\nDTEND:20270203T160000Z"]


@pytest.fixture
def server(app, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", True)  # the feed server is on 127.0.0.1
    with FeedServer() as running:
        yield running


def book(api, practice, start: str) -> dict:
    body = booking_body(practice, start, staff_id=practice.staff_ids[0])
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")


def conflicts(api, everything: bool = False) -> list[dict]:
    return api.json("GET", "/api/v1/conflicts" + ("?all=1" if everything else ""))["conflicts"]


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@dataclass
class Clash:
    practice: object
    calendar: dict
    first: dict
    second: dict
    server: FeedServer

    def serve(self, body: bytes) -> None:
        self.server.routes["/cal.ics"] = Route(body=body)

    def sync(self, api) -> dict:
        return api.json("POST", f"/api/v1/calendars/{self.calendar['id']}/sync")


@pytest.fixture
def clash(api, server) -> Clash:
    """A practice with two bookings (09:00Z and 13:00Z) that a newly synced calendar overlaps."""
    practice = setup_practice(api, service=SERVICE)
    first, second = book(api, practice, "2027-02-03T10:00:00+01:00"), book(api, practice, "2027-02-03T14:00:00+01:00")
    server.routes["/cal.ics"] = Route(body=ics(*BUSY))
    calendar = api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars", {"url": server.url("/cal.ics")},
                        expect=201)
    found = Clash(practice, calendar, first, second, server)
    assert found.sync(api) == {"status": "ok", "busy_blocks": 3}
    return found


def test_a_clash_is_listed_not_deleted(api, app, clash):
    calendar, first, second = clash.calendar, clash.first, clash.second
    found = conflicts(api)
    assert [(c["booking_id"], c["busy_start"], c["busy_end"], c["calendar_id"]) for c in found] == [
        (first["id"], "2027-02-03T10:40:00+01:00", "2027-02-03T11:00:00+01:00", calendar["id"]),
        (second["id"], "2027-02-03T14:15:00+01:00", "2027-02-03T14:45:00+01:00", calendar["id"])]
    for booking in (first, second):
        assert api.json("GET", f"/api/v1/bookings/{booking['id']}")["status"] == "confirmed"
    assert clash.sync(api)["status"] == "not_modified"
    clash.serve(ics(*reversed(BUSY)))  # new bytes, same busy times: parsed again, nothing opened twice
    assert clash.sync(api)["status"] == "ok"
    assert [c["id"] for c in conflicts(api)] == [c["id"] for c in found]
    setup_practice(api)  # another business sees none of it
    assert conflicts(api) == []
    api.json("POST", f"/api/v1/conflicts/{found[0]['id']}/resolve", {"action": "keep"}, expect=404)


def test_the_workspace_shows_and_keeps(api, app, client, clash):
    practice, calendar, first, second = clash.practice, clash.calendar, clash.first, clash.second
    log_in(client, f"owner@{practice.slug}.test")
    page = client.get("/app/conflicts").get_data(as_text=True)
    assert page.count("data-conflict=") == 2 and f'href="/app/bookings/{first["id"]}"' in page
    assert "Kim Customer" in page and "Keep booking" in page and "Cancel with notice" in page
    overview = client.get("/app/calendars").get_data(as_text=True)
    assert f'data-calendar="{calendar["id"]}"' in overview and 'data-busy-blocks="3"' in overview
    assert 'data-open-conflicts="2"' in overview
    keep = next(c for c in conflicts(api) if c["booking_id"] == first["id"])
    answer = client.post(f"/app/conflicts/{keep['id']}/keep", data={"csrf_token": csrf(page)})
    assert answer.status_code == 303
    assert [c["booking_id"] for c in conflicts(api)] == [second["id"]]
    assert api.json("GET", f"/api/v1/bookings/{first['id']}")["status"] == "confirmed"
    clash.serve(ics(*BUSY, "DTSTART:20270210T090000Z\nDTEND:20270210T091500Z"))  # changed feed, same clash
    assert clash.sync(api) == {"status": "ok", "busy_blocks": 4}
    assert [c["booking_id"] for c in conflicts(api)] == [second["id"]]  # the kept one stays resolved
    with app.app_context():
        kept = db.session.scalars(select(CalendarConflict).where(CalendarConflict.booking_id == first["id"])).all()
        assert [(k.resolution, k.resolved_by.startswith("user:")) for k in kept] == [("keep", True)]
        db.session.remove()


def test_cancel_with_notice_queues_the_cancellation(api, app, clash):
    first, second = clash.first, clash.second
    target = next(c for c in conflicts(api) if c["booking_id"] == second["id"])
    resolved = api.json("POST", f"/api/v1/conflicts/{target['id']}/resolve",
                        {"action": "cancel", "message": "Sorry, the practice is closed that afternoon."})
    assert resolved["resolution"] == "cancelled" and resolved["booking_status"] == "cancelled"
    assert api.json("GET", f"/api/v1/bookings/{second['id']}")["status"] == "cancelled"
    with app.app_context():
        sent = db.session.scalars(select(Notification).where(Notification.booking_id == second["id"],
                                                             Notification.kind == "cancellation")).all()
        assert len(sent) == 1 and sent[0].payload["reason"] == "Sorry, the practice is closed that afternoon."
        db.session.remove()
    assert [c["booking_id"] for c in conflicts(api)] == [first["id"]]
    api.json("POST", f"/api/v1/conflicts/{target['id']}/resolve", {"action": "keep"}, expect=409)
    api.json("POST", f"/api/v1/conflicts/{target['id']}/resolve", {"action": "maybe"}, expect=422)


def test_cancel_from_the_workspace(api, app, client, clash):
    practice, first = clash.practice, clash.first
    log_in(client, f"owner@{practice.slug}.test")
    page = client.get("/app/conflicts").get_data(as_text=True)
    target = next(c for c in conflicts(api) if c["booking_id"] == first["id"])
    client.post(f"/app/conflicts/{target['id']}/cancel", data={"csrf_token": csrf(page), "message": ""})
    assert api.json("GET", f"/api/v1/bookings/{first['id']}")["status"] == "cancelled"
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind).where(Notification.booking_id == first["id"])).all()
        assert "cancellation" in kinds
        db.session.remove()


def test_a_busy_block_that_disappears_closes_its_conflict(api, app, clash):
    first, second = clash.first, clash.second
    clash.serve(ics(BUSY[0]))  # the 13:15Z event was deleted in the calendar
    assert clash.sync(api) == {"status": "ok", "busy_blocks": 1}
    assert [c["booking_id"] for c in conflicts(api)] == [first["id"]]
    gone = [c for c in conflicts(api, everything=True) if c["booking_id"] == second["id"]]
    assert [c["resolution"] for c in gone] == ["gone"]
    clash.serve(ics(*BUSY))  # back again: a new conflict
    clash.sync(api)
    assert sorted(c["booking_id"] for c in conflicts(api)) == sorted([first["id"], second["id"]])


def test_busy_blocks_make_times_unavailable(api, app, clash):
    practice, first = clash.practice, clash.first
    slots = api.json("GET", f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}"
                            f"&staff={practice.staff_ids[0]}&from=2027-02-03&to=2027-02-03", key="")["slots"]
    starts = {datetime.fromisoformat(s["start"]).astimezone(UTC) for s in slots}
    assert datetime(2027, 2, 3, 15, 0, tzinfo=UTC) not in starts
    assert datetime(2027, 2, 3, 14, 30, tzinfo=UTC) not in starts
    assert datetime(2027, 2, 3, 14, 0, tzinfo=UTC) in starts  # its 45 minutes end before the 15:00Z busy time
    with app.app_context():
        assert db.session.get(Booking, first["id"]).status == "confirmed"
        db.session.remove()
