"""Latency of GET /api/v1/public/<slug>/availability through a real HTTP server.

For each database (SQLite file, PostgreSQL): migrate a fresh database, start gunicorn
(1 sync worker), set a practice up through the API (10 staff, Mon-Fri 09:00-12:00 and
13:00-17:00 Europe/Berlin, one 30-minute service on a 15-minute grid offered by all),
bulk-insert 5,000 valid, non-overlapping bookings through the model layer (SQLAlchemy
Core inserts of the Booking/Customer tables), then time sequential 31-day queries with
staff=any from one client and print p50/p95.

    .venv/bin/python benchmarks/availability_endpoint.py [--requests 100] [--only sqlite|postgresql]

Not part of the test run. PostgreSQL: the local cluster the tests use (TEST_POSTGRES_ADMIN_URL).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, time as wall, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    Server,
    machine,
    migrated_app,
    on_each_database,
    print_table,
    time_requests,
    warm_up,
)
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Business, Customer  # noqa: E402
from tests.support.factories import Api, setup_practice  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
STAFF = 10
BOOKINGS = 5000
CUSTOMERS = 800
FIRST_DAY = date(2027, 3, 1)  # a Monday; the query is March 2027 (31 days), bookings run on past it
QUERY = ("2027-03-01", "2027-03-31")
HOURS = {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SERVICE = {"name": "Consultation", "duration_minutes": 30, "slot_interval_minutes": 15}
FILL = 0.8  # share of the 30-minute places that get a booking


def booking_places(staff_ids: list[int]) -> list[tuple[int, datetime]]:
    """(staff_id, start) for BOOKINGS free-standing 30-minute bookings on the grid, in working hours."""
    rng = random.Random(2027)
    places: list[tuple[int, datetime]] = []
    day = FIRST_DAY
    while len(places) < BOOKINGS:
        if day.weekday() < 5:
            for staff_id in staff_ids:
                for first, last in ((9, 12), (13, 17)):
                    for half_hour in range((last - first) * 2):
                        if rng.random() < FILL:
                            start = datetime.combine(day, wall(first), TZ) + timedelta(minutes=30 * half_hour)
                            places.append((staff_id, start.astimezone(timezone.utc)))
        day += timedelta(days=1)
    return places[:BOOKINGS]


def expected_slots(places: list[tuple[int, datetime]], staff_ids: list[int]) -> int:
    """The number of slots the query must return, computed naively from the inserted bookings
    (a guard that the server answers the real question, not a fast wrong one)."""
    busy = {(staff_id, start) for staff_id, start in places}
    first, last = (date.fromisoformat(day) for day in QUERY)
    count, day = 0, first
    while day <= last:
        if day.weekday() < 5:
            for begin, end in ((9, 12), (13, 17)):
                start = datetime.combine(day, wall(begin), TZ)
                while start + timedelta(minutes=30) <= datetime.combine(day, wall(end), TZ):
                    utc = start.astimezone(timezone.utc)
                    # 30-minute bookings on the half hour: a start clashes with the one it lies in
                    # and, off the half hour, with the next one too.
                    clashing = [utc - timedelta(minutes=utc.minute % 30)]
                    if utc.minute % 30:
                        clashing.append(clashing[0] + timedelta(minutes=30))
                    if any(all((staff_id, b) not in busy for b in clashing) for staff_id in staff_ids):
                        count += 1
                    start += timedelta(minutes=15)
        day += timedelta(days=1)
    return count


def fill_bookings(app, slug: str, service_id: int, staff_ids: list[int]) -> tuple[int, date, int]:
    """Bulk-insert the customers and bookings; (bookings inserted, last booked day, expected slots)."""
    now = datetime.now(timezone.utc)
    places = booking_places(staff_ids)
    with app.app_context():
        business_id = db.session.scalar(select(Business.id).where(Business.slug == slug))
        db.session.execute(insert(Customer), [
            {"business_id": business_id, "name": f"Customer {n}", "email": f"c{n}@bench.test",
             "preferred_channel": "email", "created_at": now} for n in range(CUSTOMERS)])
        customer_ids = list(db.session.scalars(select(Customer.id).where(Customer.business_id == business_id)))
        rows = []
        for n, (staff_id, start) in enumerate(places):
            end = start + timedelta(minutes=SERVICE["duration_minutes"])
            rows.append({
                "business_id": business_id, "service_id": service_id, "staff_id": staff_id,
                "customer_id": customer_ids[n % len(customer_ids)], "status": "confirmed", "source": "staff",
                "start_utc": start, "end_utc": end, "block_start_utc": start, "block_end_utc": end,
                "is_group": False, "manage_token_hash": f"{n:064x}", "uid": f"bench-{n}@localhost",
                "sequence": 0, "created_at": now, "updated_at": now})
        db.session.execute(insert(Booking), rows)
        db.session.commit()
        db.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give soon after
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return len(rows), places[-1][1].date(), expected_slots(places, staff_ids)


def bench(name: str, database_url: str, requests_count: int, workers: int) -> dict:
    app = migrated_app(database_url)
    with Server(database_url, workers) as server, requests.Session() as session:
        api = Api(session, server.url)
        practice = setup_practice(api, staff=STAFF, hours=HOURS, service=SERVICE)
        started = time.perf_counter()
        inserted, last_day, expected = fill_bookings(app, practice.slug, practice.service_id, practice.staff_ids)
        fill_seconds = time.perf_counter() - started
        url = (f"{server.url}/api/v1/public/{practice.slug}/availability?service={practice.service_id}"
               f"&staff=any&from={QUERY[0]}&to={QUERY[1]}")
        slots = len(warm_up(session, url).json()["slots"])
        if slots != expected:
            print(f"WARNING {name}: {slots} slots returned, {expected} expected from the bookings",
                  file=sys.stderr)
        timed = time_requests(server, session, url, requests_count)
    with app.app_context():
        in_range = db.session.scalar(select(db.func.count()).select_from(Booking).where(
            Booking.start_utc >= datetime.combine(date.fromisoformat(QUERY[0]), wall(0), TZ),
            Booking.start_utc < datetime.combine(date.fromisoformat(QUERY[1]) + timedelta(days=1), wall(0), TZ)))
        db.session.remove()
        db.engine.dispose()
    return {"db": name, "bookings": inserted, "expected": expected, "in_range": in_range, "last_day": last_day,
            "slots": slots, "bytes": len(timed.last.content), "fill_s": fill_seconds, **timed.summary()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = on_each_database(args.only, "booking_bench",
                               lambda name, url: bench(name, url, args.requests, args.workers))
    print()
    print(f"Machine: {machine()}")
    print(f"Load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          "(other work on the machine inflates p95)")
    print(f"Server: gunicorn, {args.workers} sync worker(s), 127.0.0.1; one client, sequential requests, "
          f"wall time per request measured by the client")
    print(f"Query: GET /api/v1/public/<slug>/availability?staff=any&from={QUERY[0]}&to={QUERY[1]} "
          f"({STAFF} staff, 30-min service on a 15-min grid)")
    print()
    print_table(("database", "bookings", "in query", "slots (expected)", "resp KB", "requests",
                 "p50 ms", "p95 ms", "max ms", "worker CPU ms/req"),
                [[r["db"], str(r["bookings"]), str(r["in_range"]), f"{r['slots']} ({r['expected']})",
                  f"{r['bytes'] / 1024:.0f}", str(r["n"]), f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['max']:.1f}",
                  f"{r['cpu']:.1f}"] for r in results])
    print()
    for r in results:
        print(f"{r['db']}: bulk insert of {r['bookings']} bookings took {r['fill_s']:.2f} s "
              f"(bookings run to {r['last_day']}); target p95 < 100 ms: "
              f"{'met' if r['p95'] < 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
