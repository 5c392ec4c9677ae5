"""Races against the real thing: gunicorn with several worker processes, a real database.

Many clients, each with its own HTTP session, are released together by a barrier and ask
for the same slot. The database must end up with exactly as many bookings as the slot
holds; every loser gets 409 `slot_unavailable` with alternatives, and nobody gets a 500.
One gunicorn per database serves the whole module (each test signs up its own business).
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

import flask_migrate
import pytest
import requests
from sqlalchemy import Integer, bindparam, create_engine, text

from booking import create_app
from booking.extensions import db
from booking.models.base import UTCDateTime
from tests.support.databases import create_database, drop_database
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.servers import Gunicorn

pytestmark = pytest.mark.race

CLIENTS = 50
WORKERS = 4
DAY = "2027-06-08"  # a Tuesday, far enough ahead of the real clock that gunicorn uses
NINE = f"{DAY}T09:00:00+02:00"  # Europe/Berlin, summer time
NINE_THIRTY = f"{DAY}T09:30:00+02:00"
NINE_UTC = datetime(2027, 6, 8, 7, 0, tzinfo=timezone.utc)
NINE_THIRTY_UTC = datetime(2027, 6, 8, 7, 30, tzinfo=timezone.utc)


def migrate(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": "off", "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


def serve(url: str, cleanup):
    try:
        migrate(url)
        with Gunicorn(url, workers=WORKERS) as gunicorn:
            yield gunicorn.url, url
    finally:
        cleanup()


@pytest.fixture(scope="module")
def pg_server():
    """(base URL, database URL) of a gunicorn with WORKERS workers on a migrated PostgreSQL."""
    url = create_database("booking_race")
    yield from serve(url, lambda: drop_database(url))


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    """The same on a SQLite file."""
    yield from serve(f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.sqlite3'}", lambda: None)


@pytest.fixture(params=["postgresql", "sqlite"])
def server(request):
    return request.getfixturevalue("pg_server" if request.param == "postgresql" else "sqlite_server")


@pytest.fixture
def admin(server):
    """An API client for setting a business up (sign-up, staff, services) over HTTP."""
    with requests.Session() as session:
        yield Api(session, server[0])


def stampede(base: str, path: str, bodies: list[dict]) -> list[tuple[dict, int, dict]]:
    """POST every body at once, one client (thread + session) each: (body, status, answer) per client."""
    barrier = threading.Barrier(len(bodies))

    def one(body: dict, session: requests.Session) -> tuple[dict, int, dict]:
        barrier.wait(timeout=60)
        response = session.post(base + path, json=body, timeout=120)
        try:
            return body, response.status_code, response.json()
        except ValueError:
            return body, response.status_code, {"raw": response.text[:300]}

    with ExitStack() as stack, ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        sessions = [stack.enter_context(requests.Session()) for _ in bodies]
        return list(pool.map(one, bodies, sessions))


def assert_winners(results: list[tuple[dict, int, dict]], winners: int) -> list[dict]:
    """Exactly `winners` 201s; every other answer is 409 slot_unavailable whose alternatives
    are well-formed and do not offer the start that was just refused."""
    statuses = Counter(status for _, status, _ in results)
    assert statuses == {201: winners, 409: len(results) - winners}, (statuses, [
        answer for _, status, answer in results if status not in (201, 409)][:3])
    for asked, status, answer in results:
        if status == 409:
            assert answer["error"] == "slot_unavailable", answer
            assert answer["alternatives"], answer
            assert all({"start", "end", "staff_ids"} <= set(slot) for slot in answer["alternatives"])
            assert asked["start"] not in [slot["start"] for slot in answer["alternatives"]], answer
    return [answer for _, status, answer in results if status == 201]


def active_bookings(database_url: str, staff_ids: list[int]) -> list[tuple[int, int, datetime]]:
    """(staff_id, service_id, start_utc) of every active booking of these staff, straight from the DB."""
    query = (text("SELECT staff_id, service_id, start_utc FROM bookings "
                  "WHERE status <> 'cancelled' AND staff_id IN :ids ORDER BY staff_id, id")
             .bindparams(bindparam("ids", expanding=True))
             .columns(staff_id=Integer(), service_id=Integer(), start_utc=UTCDateTime()))
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query, {"ids": list(staff_ids)})]
    finally:
        engine.dispose()


def test_one_slot_one_winner(server, admin):
    base, database_url = server
    practice = setup_practice(admin)
    bodies = [booking_body(practice, NINE, practice.staff_ids[0]) for _ in range(CLIENTS)]
    results = stampede(base, f"/api/v1/public/{practice.slug}/bookings", bodies)
    [winner] = assert_winners(results, 1)
    assert winner["start"] == NINE and winner["staff_id"] == practice.staff_ids[0]
    assert active_bookings(database_url, practice.staff_ids) == [
        (practice.staff_ids[0], practice.service_id, NINE_UTC)]


def test_services_that_clash_only_through_buffers(server, admin):
    """A 09:00 [09:00, 09:45) with its buffer after; B 09:30 [09:15, 10:00) with its buffer before."""
    base, database_url = server
    practice = setup_practice(admin, service={"name": "A", "duration_minutes": 30, "buffer_after_minutes": 15})
    staff_id = practice.staff_ids[0]
    service_b = admin.json("POST", "/api/v1/services", {
        "name": "B", "duration_minutes": 30, "buffer_before_minutes": 15, "staff_ids": [staff_id]},
        expect=201)["id"]
    # Each request alone would succeed: both starts are offered while the day is empty.
    for service_id, start in ((practice.service_id, NINE), (service_b, NINE_THIRTY)):
        offered = admin.json("GET", f"/api/v1/public/{practice.slug}/availability?service={service_id}"
                             f"&staff={staff_id}&from={DAY}&to={DAY}", key="")["slots"]
        assert start in [slot["start"] for slot in offered]
    bodies = [booking_body(practice, NINE, staff_id) if n % 2 == 0
              else dict(booking_body(practice, NINE_THIRTY, staff_id), service_id=service_b)
              for n in range(CLIENTS)]
    results = stampede(base, f"/api/v1/public/{practice.slug}/bookings", bodies)
    [winner] = assert_winners(results, 1)
    [booked] = active_bookings(database_url, [staff_id])
    assert booked in {(staff_id, practice.service_id, NINE_UTC), (staff_id, service_b, NINE_THIRTY_UTC)}
    assert winner["start"] == (NINE if booked[1] == practice.service_id else NINE_THIRTY)


def test_group_slot_fills_to_capacity(server, admin):
    base, database_url = server
    practice = setup_practice(admin, service={"name": "Yoga", "duration_minutes": 60, "capacity": 3})
    staff_id = practice.staff_ids[0]
    bodies = [booking_body(practice, NINE, staff_id) for _ in range(CLIENTS)]
    results = stampede(base, f"/api/v1/public/{practice.slug}/bookings", bodies)
    winners = assert_winners(results, 3)
    assert {(w["start"], w["staff_id"]) for w in winners} == {(NINE, staff_id)}
    assert active_bookings(database_url, [staff_id]) == [(staff_id, practice.service_id, NINE_UTC)] * 3


def test_any_staff_gives_one_booking_per_staff_member(server, admin):
    base, database_url = server
    practice = setup_practice(admin, staff=2)
    bodies = [booking_body(practice, NINE, None) for _ in range(CLIENTS)]
    results = stampede(base, f"/api/v1/public/{practice.slug}/bookings", bodies)
    winners = assert_winners(results, 2)
    assert sorted(w["staff_id"] for w in winners) == sorted(practice.staff_ids)
    assert active_bookings(database_url, practice.staff_ids) == [
        (staff_id, practice.service_id, NINE_UTC) for staff_id in sorted(practice.staff_ids)]


def test_database_constraint_refusal_is_a_clean_409(pg_server):
    """PostgreSQL's exclusion constraint is the last line: when a clashing row appears that the
    re-check could not see (another transaction, not yet committed), the refused INSERT must
    still come back as 409 slot_unavailable with alternatives, not a 500."""
    base, database_url = pg_server
    admin = Api(requests.Session(), base)
    practice = setup_practice(admin)
    staff_id = practice.staff_ids[0]
    later = admin.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                       booking_body(practice, f"{DAY}T11:00:00+02:00", staff_id), expect=201, key="")
    engine = create_engine(database_url)
    try:
        with engine.connect() as mover, engine.connect() as watcher, ThreadPoolExecutor(1) as pool:
            # Move the 11:00 booking to 09:00 in a transaction that stays open: invisible to the
            # request's re-check, yet its INSERT must wait for this row at the constraint.
            mover.execute(text("UPDATE bookings SET start_utc = :s, end_utc = :e, block_start_utc = :s, "
                               "block_end_utc = :e WHERE id = :id"),
                          {"s": NINE_UTC, "e": NINE_UTC + timedelta(minutes=30), "id": later["id"]})
            with requests.Session() as session:
                pending = pool.submit(session.post, f"{base}/api/v1/public/{practice.slug}/bookings",
                                      json=booking_body(practice, NINE, staff_id), timeout=60)
                deadline = time.monotonic() + 30
                while not watcher.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO bookings%'")).scalar():
                    watcher.rollback()
                    assert time.monotonic() < deadline and not pending.done(), "the INSERT never waited"
                    time.sleep(0.05)
                mover.commit()
                response = pending.result(timeout=60)
    finally:
        engine.dispose()
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "slot_unavailable"
    starts = [slot["start"] for slot in body["alternatives"]]
    assert starts and NINE not in starts and NINE_THIRTY in starts
    assert active_bookings(database_url, [staff_id]) == [(staff_id, practice.service_id, NINE_UTC)]
