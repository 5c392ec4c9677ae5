"""Deliberately naive slot finder, written independently of booking.slots.

It shares only the input/output dataclasses with the engine.  Everything
else is spelled out the slow, obvious way: aware datetimes per local day,
hole punching one time-off entry at a time, and every candidate start
checked against every booking and busy block.  Used as the oracle for the
property tests and the benchmark.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from booking.slots.engine import ExistingBooking, ServiceRules, Slot

Span = tuple[int, int]


@dataclass(frozen=True)
class NaiveStaff:
    """Raw schedule of one staff member (before any window computation)."""

    staff_id: int
    tz: str
    weekly: Mapping[int, Sequence[tuple[int, int]]]
    overrides: Mapping[date, Sequence[tuple[int, int]]] = field(default_factory=dict)
    time_off: Sequence[Span] = ()
    bookings: Sequence[ExistingBooking] = ()
    busy: Sequence[Span] = ()


def wall_clock_to_utc(day: date, minute: int, tz: ZoneInfo) -> int:
    """Epoch second of local ``minute`` (1440 = next midnight) on ``day``."""
    if minute == 1440:
        local = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    else:
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return int(local.astimezone(timezone.utc).timestamp())


def _glue(spans: list[Span]) -> list[Span]:
    """Repeatedly join any two spans that overlap or touch until none do."""
    spans = [s for s in spans if s[0] < s[1]]
    changed = True
    while changed:
        changed = False
        for i in range(len(spans)):
            for j in range(i + 1, len(spans)):
                a, b = spans[i], spans[j]
                if a[0] <= b[1] and b[0] <= a[1]:
                    spans[i] = (min(a[0], b[0]), max(a[1], b[1]))
                    del spans[j]
                    changed = True
                    break
            if changed:
                break
    return sorted(spans)


def _punch(pieces: list[Span], hole: Span) -> list[Span]:
    """Remove ``hole`` from every piece."""
    out: list[Span] = []
    for start, end in pieces:
        if hole[1] <= start or hole[0] >= end:
            out.append((start, end))
            continue
        if start < hole[0]:
            out.append((start, hole[0]))
        if hole[1] < end:
            out.append((hole[1], end))
    return out


def day_pieces(staff: NaiveStaff, day: date) -> list[Span]:
    """Working pieces of one local day: hours -> UTC, glued, time off removed."""
    tz = ZoneInfo(staff.tz)
    ranges = staff.overrides[day] if day in staff.overrides else staff.weekly.get(day.weekday(), [])
    spans = [(wall_clock_to_utc(day, a, tz), wall_clock_to_utc(day, b, tz)) for a, b in ranges]
    pieces = _glue(spans)
    for hole in staff.time_off:
        pieces = _punch(pieces, hole)
    return pieces


def _hits(a: Span, b: Span) -> bool:
    return max(a[0], b[0]) < min(a[1], b[1])


def _free(service: ServiceRules, staff: NaiveStaff, s: int) -> bool:
    """Rules 2 and 3 for a single candidate start."""
    duration = service.duration_minutes * 60
    mine = (s - service.buffer_before_minutes * 60, s + duration + service.buffer_after_minutes * 60)
    same_group = [b for b in staff.bookings if b.service_id == service.service_id and b.start == s]
    joinable = service.capacity > 1 and len(same_group) < service.capacity
    for b in staff.bookings:
        if joinable and b in same_group:
            continue
        if _hits(mine, (b.block_start, b.block_end)):
            return False
    return not any(_hits(mine, busy) for busy in staff.busy)


def naive_find_slots(service: ServiceRules, staff: Sequence[NaiveStaff], range_start: int,
                     range_end: int, earliest: int, latest: int) -> list[Slot]:
    """Same contract as ``booking.slots.engine.find_slots`` but from raw schedules."""
    duration = service.duration_minutes * 60
    step = (service.interval_minutes or service.duration_minutes) * 60
    found: dict[int, set[int]] = {}
    for person in staff:
        tz = ZoneInfo(person.tz)
        day = datetime.fromtimestamp(range_start, tz).date() - timedelta(days=2)
        last_day = datetime.fromtimestamp(range_end, tz).date() + timedelta(days=2)
        while day <= last_day:
            for piece_start, piece_end in day_pieces(person, day):
                s = piece_start
                while s + duration <= piece_end:
                    if (range_start <= s < range_end and earliest <= s <= latest
                            and _free(service, person, s)):
                        found.setdefault(s, set()).add(person.staff_id)
                    s += step
            day += timedelta(days=1)
    return [Slot(s, s + duration, tuple(sorted(ids))) for s, ids in sorted(found.items())]
