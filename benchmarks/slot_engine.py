"""Benchmark: sweep-line slot engine vs. the naive reference.

One staff member in Europe/Berlin, Mon-Fri 09:00-12:00 + 13:00-17:00, 90
days from 2027-03-01 (so the spring DST change is inside the range), 3,000
bookings (with buffers) and 1,000 busy blocks of 15-60 minutes from a fixed random seed, a
30-minute service on a 15-minute grid.  Checks both engines agree, then
times each (``time.perf_counter``, best and median of several runs).

Run from the repository root:  .venv/bin/python benchmarks/slot_engine.py
Targets: ours >= 50x faster than naive and under 20 ms; ``--strict`` makes a
missed target exit with status 1 (a mismatch always does).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from booking.slots.engine import ExistingBooking, ServiceRules, Slot, StaffInput, find_slots  # noqa: E402
from booking.slots.rules import working_windows  # noqa: E402
from tests.slots.naive_reference import NaiveStaff, naive_find_slots  # noqa: E402

SEED = 20270301
TZ_NAME = "Europe/Berlin"
FIRST_DAY = date(2027, 3, 1)
DAYS = 90
N_BOOKINGS = 3000
N_BUSY = 1000
WEEKLY = {day: [(540, 720), (780, 1020)] for day in range(5)}
SERVICE = ServiceRules(service_id=1, duration_minutes=30, interval_minutes=15)
TARGET_RATIO = 50.0
TARGET_MS = 20.0


def build_input() -> tuple[NaiveStaff, int, int]:
    """The fixed benchmark staff member and the query range."""
    rng = random.Random(SEED)
    tz = ZoneInfo(TZ_NAME)
    range_start = int(datetime.combine(FIRST_DAY, time(0), tzinfo=tz).timestamp())
    range_end = int(datetime.combine(FIRST_DAY + timedelta(days=DAYS), time(0), tzinfo=tz).timestamp())
    five_minute_marks = (range_end - range_start) // 300
    bookings: list[ExistingBooking] = []
    busy: list[tuple[int, int]] = []
    for number in range(N_BOOKINGS + N_BUSY):
        start = range_start + rng.randrange(five_minute_marks) * 300
        length = rng.choice([15, 30, 45, 60]) * 60
        if number < N_BOOKINGS:
            before, after = rng.choice([0, 300, 600]), rng.choice([0, 300, 600])
            bookings.append(ExistingBooking(start, start - before, start + length + after,
                                            service_id=rng.choice([1, 2, 3])))
        else:
            busy.append((start, start + length))
    # A day off and an afternoon off, so time off re-anchors some windows.
    time_off = [(range_start + 10 * 86400, range_start + 11 * 86400),
                (range_start + 20 * 86400 + 12 * 3600 + 600, range_start + 20 * 86400 + 14 * 3600 + 600)]
    return NaiveStaff(1, TZ_NAME, WEEKLY, {}, time_off, bookings, busy), range_start, range_end


def ours(staff: NaiveStaff, range_start: int, range_end: int) -> list[Slot]:
    """The production path: working_windows + find_slots."""
    windows = working_windows(staff.weekly, staff.overrides, staff.time_off,
                              ZoneInfo(staff.tz), range_start, range_end)
    member = StaffInput(staff.staff_id, windows, staff.bookings, staff.busy)
    return find_slots(SERVICE, [member], range_start, range_end, range_start, range_end)


def naive(staff: NaiveStaff, range_start: int, range_end: int) -> list[Slot]:
    """The oracle on identical input."""
    return naive_find_slots(SERVICE, [staff], range_start, range_end, range_start, range_end)


def time_runs(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Best and median wall time in milliseconds."""
    samples = []
    for _ in range(runs):
        t0 = perf_counter()
        fn()
        samples.append((perf_counter() - t0) * 1000)
    return min(samples), statistics.median(samples)


def main() -> int:
    """Check agreement, time both engines, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs of our engine")
    parser.add_argument("--naive-runs", type=int, default=3, help="timed runs of the naive reference")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    staff, range_start, range_end = build_input()
    ours_slots, naive_slots = ours(staff, range_start, range_end), naive(staff, range_start, range_end)
    if ours_slots != naive_slots:
        print(f"MISMATCH: ours {len(ours_slots)} slots, naive {len(naive_slots)} slots")
        return 1
    our_best, our_median = time_runs(lambda: ours(staff, range_start, range_end), args.runs)
    naive_best, naive_median = time_runs(lambda: naive(staff, range_start, range_end), args.naive_runs)
    ratio = naive_median / our_median
    print(f"input: {DAYS} days, {len(staff.bookings)} bookings + {len(staff.busy)} busy blocks, "
          f"{len(ours_slots)} bookable slots (identical in both engines)")
    print(f"ours : best {our_best:8.2f} ms  median {our_median:8.2f} ms  ({args.runs} runs)")
    print(f"naive: best {naive_best:8.2f} ms  median {naive_median:8.2f} ms  ({args.naive_runs} runs)")
    print(f"ratio: {ratio:.0f}x (median/median)")
    met = ratio >= TARGET_RATIO and our_median < TARGET_MS
    print(f"slot_engine: {our_median:.2f} ms vs naive {naive_median:.0f} ms = {ratio:.0f}x faster; "
          f"target >= {TARGET_RATIO:.0f}x and < {TARGET_MS:.0f} ms: {'MET' if met else 'MISSED'}")
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
