"""Latency of the delay cascade: POST /api/v1/staff/<id>/delay for a day of 40 bookings.

A real server: gunicorn (1 sync worker, SCHEDULER=off so the notices stay queued) on a fresh
migrated PostgreSQL database, one client over HTTP. The business is set up through the API;
its time zone is an Etc/GMT zone chosen so that it is about 01:00 there now, and one staff
member has 40 back-to-back 20-minute bookings today from 03:00 (bulk-inserted customers and
bookings), none begun. With the default threshold of 10 minutes, reports alternate +15 and 0
minutes: +15 moves every estimate by 15 minutes (no gaps, so the whole day shifts) and each of
the 40 customers gets a notice; 0 sends each of them the all-clear. The request commits
before it answers, so its duration is the time until all 40 notices are queued; every
response is checked for notified == 40 and the outbox for the rows at the end.

    .venv/bin/python benchmarks/delay_cascade.py [--reports 30] [--bookings 40]

Not part of the test run. Target: p95 < 50 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from booking import create_app  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Business, Customer, Notification  # noqa: E402
from tests.reliability.outbox_load import migrate  # noqa: E402
from tests.reliability.stack import zone_at_one_am  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402
from tests.support.factories import Api, sign_up  # noqa: E402
from tests.support.servers import Gunicorn  # noqa: E402

DURATION = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def fill_day(url: str, slug: str, staff_id: int, service_id: int, zone: str, count: int) -> None:
    now = datetime.now(timezone.utc)
    tz = ZoneInfo(zone)
    first = datetime.combine(now.astimezone(tz).date(), datetime.min.time(), tz) + timedelta(hours=3)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": "off", "TESTING": True})
    with app.app_context():
        business_id = db.session.scalar(select(Business.id).where(Business.slug == slug))
        customer_ids = list(db.session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), [
            {"business_id": business_id, "name": f"Kundin {n}", "email": f"k{n}-{uuid.uuid4().hex[:6]}@delay.test",
             "preferred_channel": "email", "locale": ("de", "en", "es")[n % 3], "created_at": now}
            for n in range(count)]))
        rows = []
        for n in range(count):
            start = (first + timedelta(minutes=DURATION * n)).astimezone(timezone.utc)
            end = start + timedelta(minutes=DURATION)
            rows.append({"business_id": business_id, "service_id": service_id, "staff_id": staff_id,
                         "customer_id": customer_ids[n], "status": "confirmed", "source": "online",
                         "start_utc": start, "end_utc": end, "block_start_utc": start, "block_end_utc": end,
                         "is_group": False, "manage_token_hash": uuid.uuid4().hex * 2,
                         "uid": f"{uuid.uuid4().hex}@delay.test", "sequence": 0, "created_at": now, "updated_at": now})
        db.session.execute(insert(Booking), rows)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def count_delay_rows(url: str) -> tuple[int, int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": "off", "TESTING": True})
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "delay"))
        pending = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "delay", Notification.status == "pending"))
        db.session.remove()
        db.engine.dispose()
    return total, pending


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=30)
    parser.add_argument("--bookings", type=int, default=40)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    url = create_database("booking_bench_delay")
    try:
        migrate(url)
        zone = zone_at_one_am(datetime.now(timezone.utc))
        with Gunicorn(url, workers=1) as server, requests.Session() as session:
            api = Api(session, server.url)
            practice = sign_up(api, timezone=zone)
            staff_id = api.json("POST", "/api/v1/staff", {"name": "Dr. Late"}, expect=201)["id"]
            service_id = api.json("POST", "/api/v1/services", {"name": "Check-up", "duration_minutes": DURATION,
                                                              "staff_ids": [staff_id]}, expect=201)["id"]
            fill_day(url, practice.slug, staff_id, service_id, zone, args.bookings)
            timings: dict[int, list[float]] = {15: [], 0: []}
            for n in range(2 + args.reports):  # the first +15/0 pair warms the worker up
                minutes = 15 if n % 2 == 0 else 0
                started = time.perf_counter()
                response = api.call("POST", f"/api/v1/staff/{staff_id}/delay", {"minutes": minutes})
                elapsed = (time.perf_counter() - started) * 1000
                body = response.json()
                assert response.status_code == 200, body
                assert body["notified"] == args.bookings, (minutes, body["notified"])
                if n >= 2:
                    timings[minutes].append(elapsed)
        total, pending = count_delay_rows(url)
        assert total == args.bookings * (2 + args.reports) and pending == args.bookings, (total, pending)
        everything = timings[15] + timings[0]
        print(f"delay cascade, {args.bookings} bookings of one staff member, {args.reports} reports "
              f"(gunicorn, real HTTP, PostgreSQL), each queueing {args.bookings} notices:")
        for label, values in (("+15 min (notices)", timings[15]), ("0 (all-clear)", timings[0]),
                              ("all", everything)):
            print(f"  {label:18s} p50 {statistics.median(values):6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms"
                  f"  max {max(values):6.1f} ms  (n={len(values)})")
        print(f"outbox: {total} delay notices planned, {pending} still pending (each report replaces the unsent "
              f"previous one); load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
