"""Cost of a calendar feed with 5,000 bookings: writing it, and answering a calendar app's poll.

1. Pure writer: 5,000 CalendarEvents -> feed_bytes (median of runs; peak memory by tracemalloc).
2. Through the app, per database (SQLite file, PostgreSQL): migrate a fresh database, set a
   practice up through the API (10 staff), bulk-insert 5,000 bookings inside the feed's window
   (SQLAlchemy Core inserts), then time with Flask's test client (in-process, no socket):
   - a cold GET of the business feed (one query, rendering, ETag; the render cache emptied),
   - a cached GET and a GET with If-None-Match -> 304 (a poll within a minute of the last one:
     the token lookup and the business's change stamp),
   - a 304 for a poll over a minute after the last one (as subscribers poll): the fetch is also
     written down (runs 61 s apart, all within the hour of one full check),
   - a 304 at the periodic full check (FULL_CHECK_EVERY; also what a change made elsewhere in the
     business costs another process): rows read and compared, the same bytes found.
Targets: export < 300 ms, 304 < 10 ms.

    .venv/bin/python benchmarks/ics_export.py [--runs 30] [--only sqlite|postgresql]

Not part of the test run. PostgreSQL: the local cluster the tests use (TEST_POSTGRES_ADMIN_URL).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from benchmarks.harness import machine, migrated_app, on_each_database, percentile, print_table  # noqa: E402
from booking.calendars.ics_export import CalendarEvent, FeedHeader, feed_bytes  # noqa: E402
from booking.clock import pinned  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Business, Customer  # noqa: E402
from booking.operations import feed_cache, feeds  # noqa: E402
from tests.support.factories import Api, setup_practice  # noqa: E402

NOW = datetime(2027, 2, 1, 7, tzinfo=timezone.utc)
BOOKINGS = 5000
STAFF = 10
CUSTOMERS = 800
SPREAD = timedelta(days=390)  # bookings from 25 days ago to 365 days ahead: all inside the window
HEADER = FeedHeader(name="Praxis Groß · Zoë", organizer=("Praxis Groß", "bookings@example.test"))


CPU_MS: dict[str, float] = {}  # median CPU time of this process per run, by what was timed


def timed(action: Callable[[], object], runs: int, label: str = "") -> list[float]:
    """Wall milliseconds per run; the median CPU milliseconds of this process go to CPU_MS[label]
    (a busy machine stretches wall time, CPU time much less)."""
    timings, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    CPU_MS[label] = statistics.median(cpu)
    return timings


def peak_kib(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def starts() -> list[datetime]:
    step = SPREAD / BOOKINGS
    first = NOW - timedelta(days=25)
    return [(first + n * step).replace(second=0, microsecond=0) for n in range(BOOKINGS)]


def pure_events() -> list[CalendarEvent]:
    return [CalendarEvent(uid=f"booking-{n:032x}@bench.test", sequence=n % 3, start_utc=start,
                          end_utc=start + timedelta(minutes=30), summary=f"Consultation – Jürgen Groß {n}",
                          description=f"Consultation with Staff {n % STAFF}.\nCustomer: Jürgen Groß {n}",
                          created_utc=NOW, modified_utc=NOW, location="Praxis Groß")
            for n, start in enumerate(starts())]


def bench_pure(runs: int) -> dict:
    events = pure_events()
    body = feed_bytes(HEADER, events, NOW)
    timings = timed(lambda: feed_bytes(HEADER, events, NOW), runs, "pure")
    return {"what": "feed_bytes (pure, 5,000 events)", "ms": statistics.median(timings),
            "p95": percentile(timings, 0.95), "kib": peak_kib(lambda: feed_bytes(HEADER, events, NOW)),
            "bytes": len(body), "cpu": CPU_MS["pure"]}


def fill(app, slug: str, service_id: int, staff_ids: list[int]) -> None:
    with app.app_context():
        business_id = db.session.scalar(select(Business.id).where(Business.slug == slug))
        db.session.execute(insert(Customer), [
            {"business_id": business_id, "name": f"Jürgen Groß {n}", "email": f"c{n}@bench.test",
             "preferred_channel": "email", "created_at": NOW} for n in range(CUSTOMERS)])
        customer_ids = list(db.session.scalars(select(Customer.id).where(Customer.business_id == business_id)))
        rows = []
        for n, start in enumerate(starts()):
            end = start + timedelta(minutes=30)
            rows.append({"business_id": business_id, "service_id": service_id, "staff_id": staff_ids[n % STAFF],
                         "customer_id": customer_ids[n % CUSTOMERS], "status": "confirmed", "source": "staff",
                         "start_utc": start, "end_utc": end, "block_start_utc": start, "block_end_utc": end,
                         "is_group": False, "manage_token_hash": f"{n:064x}", "uid": f"bench-{n}@localhost",
                         "sequence": n % 3, "created_at": NOW, "updated_at": NOW})
        db.session.execute(insert(Booking), rows)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()


def cold_render_peak_kib(app, path: str) -> float:
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    with app.app_context():
        feed = feeds.find_feed_by_token(token)
        feeds.forget_rendered(feed)
        peak = peak_kib(lambda: feeds.feed_document(feed, NOW))
        db.session.remove()
    return peak


def prepared_app(database_url: str):
    """A migrated app with a practice of STAFF members and BOOKINGS bookings; (app, client, feed path)."""
    app = migrated_app(database_url, RATELIMIT_ENABLED=False, SECRET_KEY="bench-secret", BASE_URL="")
    client = app.test_client()
    api = Api(client)
    with pinned(NOW):
        practice = setup_practice(api, staff=STAFF)
        fill(app, practice.slug, practice.service_id, practice.staff_ids)
        path = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    return app, client, path


def bench_app(name: str, database_url: str, runs: int) -> dict:
    app, client, path = prepared_app(database_url)
    with pinned(NOW):
        first = client.get(path, headers={"User-Agent": "bench"})
    assert first.status_code == 200 and first.data.count(b"BEGIN:VEVENT") == BOOKINGS
    etag, clock = first.headers["ETag"], [NOW]

    def get(expect: int, **headers) -> None:
        assert client.get(path, headers={"User-Agent": "bench", **headers}).status_code == expect

    def cold() -> None:
        feed_cache.rendered.forget_businesses({feed_cache.ALL})
        get(200)

    def later(step: timedelta) -> Callable[[], None]:
        def poll() -> None:
            clock[0] += step
            with pinned(clock[0]):
                get(304, **{"If-None-Match": etag})
        return poll

    with pinned(NOW):
        figures = {"cold": timed(cold, runs, name), "warm": timed(lambda: get(200), runs),
                   "304": timed(lambda: get(304, **{"If-None-Match": etag}), runs * 3)}
    figures["304 next poll"] = timed(later(timedelta(seconds=61)), runs)  # runs <= 59: inside FULL_CHECK_EVERY
    figures["304 full check"] = timed(later(feed_cache.FULL_CHECK_EVERY), runs)
    with pinned(NOW):
        kib = cold_render_peak_kib(app, path)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"db": name, "bytes": len(first.data), "kib": kib, "cpu": CPU_MS[name], **figures}


def report(pure: dict, results: list[dict], runs: int, load_before: float) -> None:
    print(f"\nMachine: {machine()}; load average (1 min) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"{pure['what']}: median {pure['ms']:.1f} ms (CPU {pure['cpu']:.1f} ms), p95 {pure['p95']:.1f} ms, "
          f"peak {pure['kib'] / 1024:.1f} MiB (tracemalloc), {pure['bytes'] / 1024:.0f} KiB of iCalendar")
    print(f"\nBusiness feed with {BOOKINGS} bookings through the app (Flask test client, in-process), {runs} runs:")
    rows = []
    for r in results:
        cells = [f"{statistics.median(r[k]):.1f} / {percentile(r[k], 0.95):.1f}"
                 for k in ("cold", "warm", "304", "304 next poll", "304 full check")]
        cells.insert(1, f"{r['cpu']:.1f}")
        rows.append([r["db"], f"{r['bytes'] / 1024:.0f}", *cells, f"{r['kib'] / 1024:.1f}"])
    print_table(("database", "body KiB", "cold GET p50/p95 ms", "cold GET CPU ms", "cached GET p50/p95 ms",
                 "304 p50/p95 ms", "304 next poll p50/p95 ms", "304 full check p50/p95 ms", "cold render peak MiB"),
                rows)
    print("\ncold: nothing cached (query, render, hash); cached/304: a poll within a minute of the last one")
    print("(token lookup, change stamp); next poll: over a minute later, so the fetch is written down too;")
    print("full check: once an hour, or after another process changed something in the business, rows are")
    print("read and compared. Targets: export < 300 ms (cold GET), 304 < 10 ms.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    pure = bench_pure(args.runs)
    results = on_each_database(args.only, "booking_bench", lambda name, url: bench_app(name, url, args.runs))
    report(pure, results, args.runs, load_before)


if __name__ == "__main__":
    main()
