"""Benchmark: importing a big external calendar feed (booking.calendars.ics_import.parse_busy).

A generated feed of 5,000 VEVENTs from a fixed random seed: 200 recurring series (weekly and
daily, DTSTARTs from 2010 on, some with EXDATEs and RECURRENCE-ID overrides), the overrides
themselves, and single events (timed, all-day, floating, transparent, cancelled), in mixed
time zones (UTC, IANA, Windows names, an Outlook "Customized Time Zone" VTIMEZONE, an unknown
display name). It is imported for a 180-day window (one day back, as the sync job does):
wall time (best and median of several runs, ``time.perf_counter``) and peak memory
(``tracemalloc``, a separate run, since tracing slows Python down).

Run from the repository root:  .venv/bin/python benchmarks/ics_import.py
Target: under 3 s; ``--strict`` makes a missed target exit with status 1.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from booking.calendars.ics_import import parse_busy  # noqa: E402

SEED = 20270301
NOW = datetime(2027, 3, 1, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=1), NOW + timedelta(days=180))
STAFF_ZONE = ZoneInfo("Europe/Berlin")
EVENTS = 5_000
SERIES = 200
OVERRIDES = 300
TARGET_SECONDS = 3.0
CUSTOM_ZONE = """BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""
ZONES = ["Europe/Berlin", "America/New_York", "W. Europe Standard Time", "Customized Time Zone",
         "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "UTC", None]


def stamp(moment: datetime, zone: str | None) -> str:
    """``;TZID=...:local`` or ``:...Z`` or floating, for DTSTART/DTEND/RECURRENCE-ID."""
    if zone == "UTC":
        return ":" + moment.strftime("%Y%m%dT%H%M%SZ")
    text = moment.strftime("%Y%m%dT%H%M%S")
    return f';TZID="{zone}":{text}' if zone else f":{text}"


def series(rng: random.Random, number: int) -> list[list[str]]:
    """One recurring series and its overrides (RECURRENCE-ID), each a list of lines."""
    zone = rng.choice(ZONES)
    daily = number % 2 == 1
    start = datetime(rng.randint(2010, 2024), rng.randint(1, 12), rng.randint(1, 28), rng.randint(7, 17), 0)
    end = start + timedelta(minutes=rng.choice([30, 45, 60, 90]))
    master = [f"UID:series-{number}@bench", f"DTSTART{stamp(start, zone)}", f"DTEND{stamp(end, zone)}",
              "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR" if daily else "RRULE:FREQ=WEEKLY"]
    step = timedelta(days=1 if daily else 7)
    first = start + step * ((NOW.replace(tzinfo=None) - start) // step + 1)
    for k in range(rng.randint(0, 4)):
        master.append(f"EXDATE{stamp(first + step * (3 + 5 * k), zone)}")
    components = [master]
    for k in range(OVERRIDES // SERIES + (number % 2)):
        original = first + step * (2 + 4 * k)
        moved = original + timedelta(hours=rng.choice([-2, 1, 3]))
        components.append([f"UID:series-{number}@bench", f"RECURRENCE-ID{stamp(original, zone)}",
                           f"DTSTART{stamp(moved, zone)}", f"DTEND{stamp(moved + (end - start), zone)}"])
    return components


def single(rng: random.Random, number: int) -> list[str]:
    """One single event within a year around NOW."""
    day = NOW.replace(tzinfo=None) + timedelta(days=rng.randint(-200, 200))
    lines = [f"UID:single-{number}@bench"]
    if rng.random() < 0.05:
        end = day + timedelta(days=rng.randint(1, 3))
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    else:
        zone = rng.choice(ZONES)
        start = day.replace(hour=rng.randint(6, 19), minute=rng.choice([0, 15, 30, 45]))
        lines += [f"DTSTART{stamp(start, zone)}", f"DURATION:PT{rng.choice([15, 30, 60, 120])}M"]
    lines += rng.choice([[], [], [], ["TRANSP:TRANSPARENT"], ["STATUS:CANCELLED"], ["STATUS:TENTATIVE"]])
    return lines


def build_feed() -> bytes:
    """The fixed benchmark feed (CRLF, long lines folded as exporters do)."""
    rng = random.Random(SEED)
    components = [c for n in range(SERIES) for c in series(rng, n)]
    components += [single(rng, n) for n in range(EVENTS - len(components))]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//booking//benchmark//EN", *CUSTOM_ZONE.splitlines()]
    for body in components:
        lines += ["BEGIN:VEVENT", "DTSTAMP:20270101T000000Z", *body, "SUMMARY:Busy", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    folded = (line[:75] + "".join("\r\n " + line[i:i + 74] for i in range(75, len(line), 74)) for line in lines)
    return ("\r\n".join(folded) + "\r\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    options = parser.parse_args()
    data = build_feed()
    times, result = [], None
    for _ in range(options.runs):
        started = perf_counter()
        result = parse_busy(data, STAFF_ZONE, *WINDOW)
        times.append(perf_counter() - started)
    tracemalloc.start()
    parse_busy(data, STAFF_ZONE, *WINDOW)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result is not None
    print(f"feed: {len(data) / 1e6:.2f} MB, {result.events} VEVENTs ({SERIES} series), "
          f"window {WINDOW[0]:%Y-%m-%d}..{WINDOW[1]:%Y-%m-%d}")
    print(f"result: {result.occurrences} occurrences in the window, {len(result.busy)} merged busy intervals, "
          f"{len(result.problems)} problems, capped={result.capped}")
    print(f"time: best {min(times):.2f} s, median {statistics.median(times):.2f} s over {len(times)} runs "
          f"(target < {TARGET_SECONDS:.0f} s)")
    print(f"peak memory (tracemalloc): {peak / 1e6:.1f} MB")
    missed = min(times) >= TARGET_SECONDS
    if missed:
        print("TARGET MISSED")
    return 1 if missed and options.strict else 0


if __name__ == "__main__":
    sys.exit(main())
