"""Latency of the workspace day view, GET /app/calendar/day for the whole practice, through a real server.

For each database (SQLite file, PostgreSQL): migrate a fresh database, start gunicorn (1 sync
worker), set a practice up through the API (10 staff, Mon-Fri 08:00-12:00 and 12:30-18:30
Europe/Berlin, one 20-minute service), then bulk-insert through the model layer (SQLAlchemy Core
inserts): 300 customers and 300 bookings on Wednesday 2027-03-03, every staff member fully booked
(30 back-to-back bookings each, in every status: confirmed, arrived, completed, no-show,
cancelled), an external calendar per staff member with two busy blocks that day (one in the
lunch break, one over bookings, with the open calendar conflicts a sync would record), and an hour of time off
for two of them. Log in as the owner through /login (a real form post with its CSRF token) and
time sequential requests for the day with cancelled bookings shown, so all 300 are drawn; each
answer is checked for 300 booking links, 20 busy blocks and 2 time-off blocks.

    .venv/bin/python benchmarks/day_view.py [--requests 50] [--only sqlite|postgresql]

Not part of the test run. PostgreSQL: the local cluster the tests use (TEST_POSTGRES_ADMIN_URL).
Target: p95 < 200 ms.
"""
from __future__ import annotations

import argparse
import os
import sys
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
from booking.models import (  # noqa: E402
    Booking,
    BusyBlock,
    Business,
    CalendarConflict,
    Customer,
    ExternalCalendar,
    TimeOff,
)
from tests.support.factories import Api, setup_practice  # noqa: E402
from tests.support.workspace import PASSWORD, form_token  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
STAFF = 10
DAY = date(2027, 3, 3)  # a Wednesday
HOURS = {d: [["08:00", "12:00"], ["12:30", "18:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SERVICE = {"name": "Consultation", "duration_minutes": 20}
STATUSES = ("confirmed",) * 6 + ("arrived", "completed", "no_show", "cancelled")
TARGET_MS = 200


def berlin(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, wall(hour, minute), TZ).astimezone(timezone.utc)


def day_starts() -> list[datetime]:
    """The 30 back-to-back 20-minute starts of one staff member's day."""
    morning = [berlin(8) + timedelta(minutes=20 * n) for n in range(12)]
    afternoon = [berlin(12, 30) + timedelta(minutes=20 * n) for n in range(18)]
    return morning + afternoon


def booking_rows(business_id: int, service_id: int, staff_ids: list[int], customer_ids: list[int],
                 now: datetime) -> list[dict]:
    rows = []
    for s, staff_id in enumerate(staff_ids):
        for n, start in enumerate(day_starts()):
            end = start + timedelta(minutes=SERVICE["duration_minutes"])
            number = s * 100 + n
            rows.append({
                "business_id": business_id, "service_id": service_id, "staff_id": staff_id,
                "customer_id": customer_ids[number % len(customer_ids)], "status": STATUSES[(s + n) % len(STATUSES)],
                "source": "online", "start_utc": start, "end_utc": end, "block_start_utc": start,
                "block_end_utc": end, "is_group": False, "manage_token_hash": f"{number:064x}",
                "uid": f"day-view-{number}@localhost", "sequence": 0, "created_at": now, "updated_at": now})
    return rows


def fill_day(app, slug: str, service_id: int, staff_ids: list[int]) -> int:
    """Bulk-insert the day; returns the number of bookings."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        business_id = db.session.scalar(select(Business.id).where(Business.slug == slug))
        db.session.execute(insert(Customer), [
            {"business_id": business_id, "name": f"Customer {n}", "email": f"c{n}@bench.test",
             "preferred_channel": "email", "created_at": now} for n in range(300)])
        customer_ids = list(db.session.scalars(select(Customer.id).where(Customer.business_id == business_id)))
        rows = booking_rows(business_id, service_id, staff_ids, customer_ids, now)
        db.session.execute(insert(Booking), rows)
        add_calendars(business_id, staff_ids, now)
        db.session.execute(insert(TimeOff), [
            {"staff_id": staff_id, "start_utc": berlin(15), "end_utc": berlin(16), "reason": "Training"}
            for staff_id in staff_ids[-2:]])
        db.session.commit()
        db.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would give soon after
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return len(rows)


def add_calendars(business_id: int, staff_ids: list[int], now: datetime) -> None:
    """One external calendar per staff member: busy over the lunch break, and busy over two bookings
    (each of those has an open conflict, as a sync would have recorded)."""
    busy = [(berlin(12), berlin(12, 30)), (berlin(13, 10), berlin(13, 50))]
    for staff_id in staff_ids:
        calendar_id = db.session.execute(insert(ExternalCalendar).values(
            business_id=business_id, staff_id=staff_id, url=f"https://calendar.example/{staff_id}.ics",
            all_day_busy=True, created_at=now).returning(ExternalCalendar.id)).scalar_one()
        db.session.execute(insert(BusyBlock), [{"calendar_id": calendar_id, "staff_id": staff_id,
                                                "start_utc": s, "end_utc": e} for s, e in busy])
        clashing = db.session.scalars(select(Booking.id).where(
            Booking.staff_id == staff_id, Booking.start_utc < busy[1][1], Booking.end_utc > busy[1][0]))
        db.session.execute(insert(CalendarConflict), [
            {"business_id": business_id, "booking_id": booking_id, "calendar_id": calendar_id,
             "busy_start_utc": busy[1][0], "busy_end_utc": busy[1][1], "detected_at": now}
            for booking_id in clashing])


def log_in(session: requests.Session, base: str, email: str) -> None:
    page = session.get(f"{base}/login", timeout=30)
    answer = session.post(f"{base}/login", data={"email": email, "password": PASSWORD,
                                                 "csrf_token": form_token(page.text)},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and "/app" in answer.headers["Location"], answer.status_code


def check(html: str, bookings: int) -> None:
    """A guard that the server drew the real day, not a fast empty one."""
    assert html.count("data-booking=") == bookings, html.count("data-booking=")
    assert html.count('<li class="cal-item cal-busy"') == 2 * STAFF
    assert html.count('<li class="cal-item cal-off"') == 2


def bench(name: str, database_url: str, requests_count: int) -> dict:
    app = migrated_app(database_url)
    with Server(database_url) as server, requests.Session() as session:
        practice = setup_practice(Api(session, server.url), staff=STAFF, hours=HOURS, service=SERVICE)
        bookings = fill_day(app, practice.slug, practice.service_id, practice.staff_ids)
        log_in(session, server.url, f"owner@{practice.slug}.test")
        url = f"{server.url}/app/calendar/day?date={DAY.isoformat()}&cancelled=1"
        check(warm_up(session, url).text, bookings)
        timed = time_requests(server, session, url, requests_count)
    return {"db": name, "bookings": bookings, "kb": len(timed.last.content) / 1024, **timed.summary()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results = on_each_database(args.only, "booking_bench_day_view",
                               lambda name, url: bench(name, url, args.requests))
    print()
    print(f"Machine: {machine()}")
    print(f"Load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          "(other work on the machine inflates p95)")
    print("Server: gunicorn, 1 sync worker, 127.0.0.1; one client logged in as the owner, sequential requests, "
          "wall time per request measured by the client")
    print(f"Page: GET /app/calendar/day?date={DAY.isoformat()}&cancelled=1 ({STAFF} staff, whole practice)")
    print()
    print_table(("database", "bookings drawn", "resp KB", "requests", "p50 ms", "p95 ms", "max ms",
                 "worker CPU ms/req"),
                [[r["db"], str(r["bookings"]), f"{r['kb']:.0f}", str(r["n"]), f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                  f"{r['max']:.1f}", f"{r['cpu']:.1f}"] for r in results])
    print()
    for r in results:
        print(f"{r['db']}: target p95 < {TARGET_MS} ms: {'met' if r['p95'] < TARGET_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
