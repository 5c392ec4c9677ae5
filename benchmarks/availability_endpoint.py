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
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, time as wall, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from booking import create_app  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Business, Customer  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402
from tests.support.factories import Api, setup_practice  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
STAFF = 10
BOOKINGS = 5000
CUSTOMERS = 800
FIRST_DAY = date(2027, 3, 1)  # a Monday; the query is March 2027 (31 days), bookings run on past it
QUERY = ("2027-03-01", "2027-03-31")
HOURS = {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SERVICE = {"name": "Consultation", "duration_minutes": 30, "slot_interval_minutes": 15}
FILL = 0.8  # share of the 30-minute places that get a booking


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0))
    return f"{os.cpu_count()} CPUs (nproc {nproc}), {model}, Python {platform.python_version()}"


class Server:
    """gunicorn wsgi:app with a few workers; waits until /healthz answers."""

    def __init__(self, database_url: str, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=database_url, RATELIMIT_ENABLED="false", SCHEDULER="off",
                   SECRET_KEY="bench-secret")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=10).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("gunicorn did not become healthy")
            time.sleep(0.2)

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time of the worker processes so far (Linux /proc)."""
        total = 0.0
        for pid in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def bench(name: str, database_url: str, requests_count: int, workers: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SCHEDULER": "off"})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()
    with Server(database_url, workers) as server, requests.Session() as session:
        api = Api(session, server.url)
        practice = setup_practice(api, staff=STAFF, hours=HOURS, service=SERVICE)
        started = time.perf_counter()
        inserted, last_day, expected = fill_bookings(app, practice.slug, practice.service_id, practice.staff_ids)
        fill_seconds = time.perf_counter() - started
        url = (f"{server.url}/api/v1/public/{practice.slug}/availability?service={practice.service_id}"
               f"&staff=any&from={QUERY[0]}&to={QUERY[1]}")
        for _ in range(10):  # warm-up: imports, caches, connection pool
            warm = session.get(url, timeout=60)
            assert warm.status_code == 200, warm.text
        slots = len(warm.json()["slots"])
        if slots != expected:
            print(f"WARNING {name}: {slots} slots returned, {expected} expected from the bookings",
                  file=sys.stderr)
        timings = []
        cpu_before = server.worker_cpu_seconds()
        for _ in range(requests_count):
            t0 = time.perf_counter()
            response = session.get(url, timeout=60)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.text
        cpu_ms = (server.worker_cpu_seconds() - cpu_before) * 1000 / requests_count
    with app.app_context():
        in_range = db.session.scalar(select(db.func.count()).select_from(Booking).where(
            Booking.start_utc >= datetime.combine(date.fromisoformat(QUERY[0]), wall(0), TZ),
            Booking.start_utc < datetime.combine(date.fromisoformat(QUERY[1]) + timedelta(days=1), wall(0), TZ)))
        db.session.remove()
        db.engine.dispose()
    return {"db": name, "bookings": inserted, "expected": expected, "in_range": in_range, "last_day": last_day,
            "slots": slots, "bytes": len(response.content), "fill_s": fill_seconds, "p50": percentile(timings, 0.50),
            "p95": percentile(timings, 0.95), "max": max(timings), "n": requests_count, "cpu": cpu_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = []
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args.requests, args.workers))
    if args.only in (None, "postgresql"):
        url = create_database("booking_bench")
        try:
            results.append(bench("PostgreSQL", url, args.requests, args.workers))
        finally:
            drop_database(url)
    print()
    print(f"Machine: {machine()}")
    print(f"Load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          "(other work on the machine inflates p95)")
    print(f"Server: gunicorn, {args.workers} sync worker(s), 127.0.0.1; one client, sequential requests, "
          f"wall time per request measured by the client")
    print(f"Query: GET /api/v1/public/<slug>/availability?staff=any&from={QUERY[0]}&to={QUERY[1]} "
          f"({STAFF} staff, 30-min service on a 15-min grid)")
    print()
    header = ("database", "bookings", "in query", "slots (expected)", "resp KB", "requests",
              "p50 ms", "p95 ms", "max ms", "worker CPU ms/req")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in results:
        print(f"| {r['db']} | {r['bookings']} | {r['in_range']} | {r['slots']} ({r['expected']}) "
              f"| {r['bytes'] / 1024:.0f} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {r['cpu']:.1f} |")
    print()
    for r in results:
        print(f"{r['db']}: bulk insert of {r['bookings']} bookings took {r['fill_s']:.2f} s "
              f"(bookings run to {r['last_day']}); target p95 < 100 ms: "
              f"{'met' if r['p95'] < 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
