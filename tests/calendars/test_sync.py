"""Calendar sync end to end against a real HTTP server on 127.0.0.1: the API, the stored busy
blocks, errors that keep the last good blocks, backoff, the moving horizon and the job.
The clock is pinned to 2027-02-01 07:00 UTC (a Monday)."""
from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from sqlalchemy import select

from booking.calendars.fetch import fetch
from booking.calendars.sync import claim_due
from booking.clock import pinned
from booking.credentials import hash_password
from booking.database import writing
from booking.jobs import run_calendar_sync
from booking.models import Business, BusyBlock, ExternalCalendar, User
from booking.operations.calendars import sync_now
from tests.calendars.feed_server import FeedServer, Route, connections, ics
from tests.conftest import FROZEN_NOW
from tests.support.factories import setup_practice, unique
from tests.support.workspace import form_token as csrf
from tests.support.workspace import PASSWORD, log_in
from tests.support.db_access import database

UTC = timezone.utc
FEED = ics("DTSTART:20270203T090000Z\nDTEND:20270203T100000Z",
           "DTSTART:20270204T120000Z\nDURATION:PT90M",
           "DTSTART:20270205T120000Z\nDTEND:20270205T130000Z\nTRANSP:TRANSPARENT")
FEED_BLOCKS = [(datetime(2027, 2, 3, 9, tzinfo=UTC), datetime(2027, 2, 3, 10, tzinfo=UTC)),
               (datetime(2027, 2, 4, 12, tzinfo=UTC), datetime(2027, 2, 4, 13, 30, tzinfo=UTC))]
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def private_ok(app, monkeypatch):
    """The feed server is on 127.0.0.1, so these tests allow private addresses."""
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", True)




def blocks(app, calendar_id: int) -> list[tuple[datetime, datetime]]:
    with database(app) as session:
        rows = session.execute(select(BusyBlock.start_utc, BusyBlock.end_utc)
                               .where(BusyBlock.calendar_id == calendar_id).order_by(BusyBlock.start_utc))
        return [tuple(row) for row in rows]


def connect(api, practice, url: str, **extra) -> dict:
    return api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars", {"url": url, **extra}, expect=201)


def sync(api, calendar: dict) -> dict:
    return api.json("POST", f"/api/v1/calendars/{calendar['id']}/sync")


def state(api, practice, calendar: dict) -> dict:
    listed = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/calendars")["calendars"]
    return next(c for c in listed if c["id"] == calendar["id"])


def sync_with(app, practice, calendar: dict, now: datetime, fetcher):
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == practice.slug))
        return sync_now(business, calendar["id"], now, fetcher)


def test_a_good_feed_is_imported_then_answered_with_304(api, app, server, private_ok):
    practice = setup_practice(api)
    server.routes["/cal.ics"] = Route(body=FEED, headers={"Content-Type": "text/calendar; charset=utf-8"})
    calendar = connect(api, practice, server.url("/cal.ics"), name="Private")
    assert calendar["last_synced_at"] is None and calendar["busy_blocks"] == 0 and calendar["name"] == "Private"
    assert sync(api, calendar) == {"status": "ok", "busy_blocks": 2}
    assert blocks(app, calendar["id"]) == FEED_BLOCKS
    assert sync(api, calendar) == {"status": "not_modified", "busy_blocks": 2}
    second = server.requests_to("/cal.ics")[1]
    assert second.status == 304 and second.headers["If-None-Match"]
    shown = state(api, practice, calendar)
    assert shown["last_synced_at"] == "2027-02-01T08:00:00+01:00" and shown["last_error"] is None
    assert shown["busy_blocks"] == 2 and shown["failures"] == 0 and shown["next_sync_at"] == "2027-02-01T08:15:00+01:00"
    assert blocks(app, calendar["id"]) == FEED_BLOCKS


def test_a_feed_that_never_answers_304_is_recognised_by_its_content(api, app, server, private_ok):
    practice = setup_practice(api)
    server.routes["/cal.ics"] = Route(body=FEED, etag=False)
    calendar = connect(api, practice, server.url("/cal.ics"))
    assert sync(api, calendar)["status"] == "ok"
    assert sync(api, calendar) == {"status": "not_modified", "busy_blocks": 2}
    assert [s.status for s in server.requests_to("/cal.ics")] == [200, 200]
    server.routes["/cal.ics"] = Route(body=ics("DTSTART:20270210T080000Z\nDTEND:20270210T083000Z"), etag=False)
    assert sync(api, calendar) == {"status": "ok", "busy_blocks": 1}
    assert blocks(app, calendar["id"]) == [(datetime(2027, 2, 10, 8, tzinfo=UTC),
                                            datetime(2027, 2, 10, 8, 30, tzinfo=UTC))]


FAILURES = [
    (Route(status=404, body=b"gone"), "Address revoked"),
    (Route(status=410, body=b"gone"), "Address revoked"),
    (Route(status=401, body=b"login"), "Address revoked"),
    (Route(body=bytes(range(256)) * 40), "could not be read"),
    (Route(stream_bytes=50 * 1024 * 1024, etag=False), "larger than 10 MB"),
    (Route(status=500, body=b"oops"), "HTTP 500"),
    (Route(raw=b"\x16\x03\x01 not http\r\n\r\n"), "not valid HTTP"),
]


def test_failures_keep_the_last_good_blocks_show_the_error_and_back_off(api, app, server, private_ok):
    practice = setup_practice(api)
    server.routes["/cal.ics"] = Route(body=FEED)
    calendar = connect(api, practice, server.url("/cal.ics"))
    assert sync(api, calendar)["status"] == "ok"
    for failures, (route, error) in enumerate(FAILURES, start=1):
        server.routes["/cal.ics"] = route
        answer = sync(api, calendar)
        assert answer["status"] == "error" and error in answer["error"] and answer["busy_blocks"] == 2, answer
        assert blocks(app, calendar["id"]) == FEED_BLOCKS
        shown = state(api, practice, calendar)
        assert shown["last_error"] == answer["error"] and shown["failures"] == failures
        wait = min(timedelta(minutes=15 * 2 ** failures), timedelta(hours=24))
        assert datetime.fromisoformat(shown["next_sync_at"]) == FROZEN_NOW + wait
        assert shown["last_synced_at"] == "2027-02-01T08:00:00+01:00"
    server.routes["/cal.ics"] = Route(body=FEED)
    assert sync(api, calendar) == {"status": "not_modified", "busy_blocks": 2}  # the stored ETag still matches
    shown = state(api, practice, calendar)
    assert shown["last_error"] is None and shown["failures"] == 0 and shown["busy_blocks"] == 2


def test_a_slow_server_and_a_redirect_to_a_private_address_keep_the_blocks(api, app, server, private_ok, monkeypatch):
    practice = setup_practice(api)
    server.routes["/cal.ics"] = Route(body=FEED)
    calendar = connect(api, practice, server.url("/cal.ics"))
    assert sync(api, calendar)["status"] == "ok"
    server.routes["/cal.ics"] = Route(body=FEED, delay=3, etag=False)
    outcome = sync_with(app, practice, calendar, FROZEN_NOW, partial(fetch, timeout=1))
    assert outcome.status == "error" and "did not answer within 1 seconds" in outcome.error
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", False)  # only the first hop (loopback) exempt
    for target in ("http://10.1.2.3/cal.ics", "http://169.254.169.254/latest/meta-data/"):
        server.routes["/cal.ics"] = Route(status=302, headers={"Location": target}, etag=False)
        with connections() as opened:
            outcome = sync_with(app, practice, calendar, FROZEN_NOW, partial(fetch, exempt=LOOPBACK))
        assert outcome.status == "error" and "private or local network" in outcome.error
        assert all(ipaddress.ip_address(address).is_loopback for address in opened)
    assert blocks(app, calendar["id"]) == FEED_BLOCKS
    assert state(api, practice, calendar)["failures"] == 3


def test_the_horizon_moves_with_time(api, app, server, private_ok):
    """Blocks cover [now - 1 day, now + max_advance_days + 1 day]; the first sync of a day fetches
    without validators and parses again, so an unchanged feed still yields the new days."""
    practice = setup_practice(api)
    api.json("PATCH", "/api/v1/business", {"max_advance_days": 10})
    server.routes["/daily.ics"] = Route(body=ics("DTSTART:20270101T100000Z\nDTEND:20270101T110000Z\nRRULE:FREQ=DAILY"))
    calendar = connect(api, practice, server.url("/daily.ics"))
    assert sync(api, calendar) == {"status": "ok", "busy_blocks": 12}
    assert blocks(app, calendar["id"])[-1][0] == datetime(2027, 2, 11, 10, tzinfo=UTC)
    with pinned(FROZEN_NOW + timedelta(hours=2)):
        assert sync(api, calendar)["status"] == "not_modified"
    with pinned(FROZEN_NOW + timedelta(days=5)):
        assert sync(api, calendar)["status"] == "ok"
    requests = server.requests_to("/daily.ics")
    assert "If-None-Match" in requests[1].headers and "If-None-Match" not in requests[2].headers
    found = blocks(app, calendar["id"])
    assert found[0][0] == datetime(2027, 2, 5, 10, tzinfo=UTC) and found[-1][0] == datetime(2027, 2, 16, 10, tzinfo=UTC)


def test_switching_all_day_blocking_recomputes(api, app, server, private_ok):
    practice = setup_practice(api)
    server.routes["/holiday.ics"] = Route(body=ics("DTSTART;VALUE=DATE:20270210\nDTEND;VALUE=DATE:20270211\n"
                                                   "TRANSP:TRANSPARENT"))
    calendar = connect(api, practice, server.url("/holiday.ics"))
    assert sync(api, calendar)["busy_blocks"] == 1
    assert blocks(app, calendar["id"]) == [(datetime(2027, 2, 9, 23, tzinfo=UTC),
                                            datetime(2027, 2, 10, 23, tzinfo=UTC))]
    assert api.json("PATCH", f"/api/v1/calendars/{calendar['id']}", {"all_day_busy": False})["all_day_busy"] is False
    assert sync(api, calendar) == {"status": "ok", "busy_blocks": 0}
    assert blocks(app, calendar["id"]) == []


def test_calendars_belong_to_their_business_and_deleting_removes_the_blocks(api, app, server, private_ok):
    practice = setup_practice(api)
    server.routes["/cal.ics"] = Route(body=FEED)
    calendar = connect(api, practice, server.url("/cal.ics"))
    assert sync(api, calendar)["status"] == "ok"
    api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars", {"url": server.url("/cal.ics")}, expect=409)
    mine = api.key
    other = setup_practice(api)
    theirs = f"/api/v1/calendars/{calendar['id']}"
    for method, path in (("POST", f"{theirs}/sync"), ("GET", theirs), ("DELETE", theirs),
                         ("GET", f"/api/v1/staff/{practice.staff_ids[0]}/calendars")):
        api.json(method, path, expect=404)
    api.json("GET", f"/api/v1/staff/{other.staff_ids[0]}/calendars")
    api.key = mine
    assert api.call("DELETE", f"/api/v1/calendars/{calendar['id']}").status_code == 204
    assert blocks(app, calendar["id"]) == []
    api.json("GET", f"/api/v1/calendars/{calendar['id']}", expect=404)


def test_webcal_and_passwords(api, server, private_ok):
    practice = setup_practice(api)
    server.routes["/nc.ics"] = Route(body=FEED, require_auth="nina:s3cret pass")
    calendar = connect(api, practice, server.url("/nc.ics").replace("http://", "http://nina:s3cret%20pass@"))
    assert "s3cret" not in calendar["url"] and calendar["url"].startswith("http://nina:***@127.0.0.1:")
    assert sync(api, calendar)["status"] == "ok"
    webcal = connect(api, practice, "webcal://example.invalid/cal.ics")
    assert webcal["url"] == "https://example.invalid/cal.ics"
    api.call("DELETE", f"/api/v1/calendars/{webcal['id']}")  # never looked up: no DNS query leaves this machine


def test_the_job_syncs_what_is_due_once(api, app, server, private_ok, frozen_now):
    practice = setup_practice(api)
    server.routes["/a.ics"] = Route(body=FEED)
    server.routes["/b.ics"] = Route(status=404)
    first, second = connect(api, practice, server.url("/a.ics")), connect(api, practice, server.url("/b.ics"))
    run_calendar_sync(app)
    assert len(server.requests_to("/a.ics")) == 1 and len(server.requests_to("/b.ics")) == 1
    assert state(api, practice, first)["busy_blocks"] == 2
    assert state(api, practice, second)["last_error"].startswith("Address revoked")
    run_calendar_sync(app)  # nothing is due any more
    assert len(server.seen) == 2
    with pinned(FROZEN_NOW + timedelta(minutes=15)):
        run_calendar_sync(app)  # the good one is due again, the failing one waits 30 minutes
    assert len(server.requests_to("/a.ics")) == 2 and len(server.requests_to("/b.ics")) == 1


def test_a_claim_is_taken_by_one_process_only(api, app, server, private_ok):
    practice = setup_practice(api)
    calendar = connect(api, practice, server.url("/never.ics"))
    later = FROZEN_NOW + timedelta(days=400)  # every calendar of earlier tests is due by then, too
    with database(app):
        mine = claim_due(later, 10_000)
    with database(app):
        theirs = claim_due(later, 10_000)
    assert calendar["id"] in mine and calendar["id"] not in theirs
    with database(app) as session:
        row = session.get(ExternalCalendar, calendar["id"])
        assert row.next_sync_at == later + timedelta(minutes=15)


def test_sync_on_sqlite(sqlite_api, sqlite_app, server, monkeypatch):
    monkeypatch.setitem(sqlite_app.config, "ALLOW_PRIVATE_CALENDAR_URLS", True)
    practice = setup_practice(sqlite_api)
    server.routes["/cal.ics"] = Route(body=FEED)
    calendar = connect(sqlite_api, practice, server.url("/cal.ics"))
    assert sync(sqlite_api, calendar) == {"status": "ok", "busy_blocks": 2}
    assert sync(sqlite_api, calendar)["status"] == "not_modified"
    assert blocks(sqlite_app, calendar["id"]) == FEED_BLOCKS
    later = FROZEN_NOW + timedelta(days=400)
    with database(sqlite_app), writing():  # compare-and-set claims: the second claimer gets nothing
        assert calendar["id"] in claim_due(later, 10_000)
        assert claim_due(later, 10_000) == []


def test_the_workspace_page_adds_syncs_switches_and_removes(api, app, client, server, private_ok, monkeypatch):
    practice = setup_practice(api)
    server.routes["/cal.ics"] = Route(body=FEED)
    log_in(client, f"owner@{practice.slug}.test")
    page = client.get("/app/calendars")
    assert page.status_code == 200 and "No calendar connected." in page.get_data(as_text=True)
    form = {"csrf_token": csrf(page.get_data(as_text=True)), "staff_id": practice.staff_ids[0],
            "url": server.url("/cal.ics"), "name": "Mine <b>", "all_day_busy": "y"}
    assert client.post("/app/calendars", data=form).status_code == 303
    calendar = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/calendars")["calendars"][0]
    html = client.get("/app/calendars").get_data(as_text=True)
    assert "Mine &lt;b&gt;" in html and 'data-busy-blocks="0"' in html and "waiting for the first read" in html
    client.post(f"/app/calendars/{calendar['id']}/sync", data={"csrf_token": form["csrf_token"]})
    html = client.get("/app/calendars").get_data(as_text=True)
    assert "Calendar read: 2 busy times." in html and 'data-busy-blocks="2"' in html
    client.post(f"/app/calendars/{calendar['id']}/all-day", data={"csrf_token": form["csrf_token"]})
    assert state(api, practice, calendar)["all_day_busy"] is False
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", False)
    refused = client.post("/app/calendars", data=dict(form, url="http://169.254.169.254/latest/"))
    assert refused.status_code == 422 and "private or local network" in refused.get_data(as_text=True)
    client.post(f"/app/calendars/{calendar['id']}/delete", data={"csrf_token": form["csrf_token"]})
    assert api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/calendars")["calendars"] == []
    assert blocks(app, calendar["id"]) == []


def test_a_staff_account_manages_only_its_own_calendars(api, app, client, server, private_ok):
    practice = setup_practice(api, staff=2)
    server.routes["/cal.ics"] = Route(body=FEED)
    calendar = connect(api, practice, server.url("/cal.ics"))  # staff member 1's
    email = f"{unique('sam')}@example.test"
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == practice.slug))
        session.add(User(business_id=business.id, staff_id=practice.staff_ids[1], email=email, name="Sam",
                         role="staff", active=True, password_hash=hash_password(PASSWORD), created_at=FROZEN_NOW))
        session.commit()
    log_in(client, email)
    page = client.get("/app/calendars").get_data(as_text=True)
    assert f'data-staff="{practice.staff_ids[1]}"' in page and f'data-staff="{practice.staff_ids[0]}"' not in page
    assert client.post(f"/app/calendars/{calendar['id']}/sync", data={"csrf_token": csrf(page)}).status_code == 404
    assert len(server.seen) == 0
