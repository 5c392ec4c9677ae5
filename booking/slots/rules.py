"""Turn a staff member's weekly hours, overrides and time off into windows.

Wall-clock times are resolved exactly the way :mod:`zoneinfo` does by
default (``fold=0``): a repeated wall time means its *first* occurrence and
a nonexistent wall time (inside a spring-forward gap) takes the UTC offset
in force *before* the change.  Both ends of a range are resolved this way,
so a window keeps its real length across a change: 01:00-04:00 in
Europe/Berlin lasts two real hours on the spring-forward night and four on
the fall-back night.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from booking.slots.intervals import Interval, merge, subtract

DayRanges = Sequence[tuple[int, int]]
"""``(start_minute, end_minute)`` local wall-clock minutes since midnight,
``0 <= start < end <= 1440``; 1440 means the next local midnight."""

MINUTES_PER_DAY = 1440
_ONE_DAY = timedelta(days=1)


def wall_to_epoch(day: date, minute: int, tz: ZoneInfo) -> int:
    """Return the epoch second of local wall time ``minute`` on ``day`` in ``tz``.

    ``minute`` is 0..1440; 1440 is the next local midnight.  Ambiguous or
    nonexistent wall times resolve with ``fold=0`` (see module docstring),
    i.e. exactly ``datetime.combine(day, time, tzinfo=tz).timestamp()``.
    """
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ValueError(f"minute out of range 0..1440: {minute}")
    if minute == MINUTES_PER_DAY:
        day, minute = day + _ONE_DAY, 0
    hour, mins = divmod(minute, 60)
    return int(datetime(day.year, day.month, day.day, hour, mins, tzinfo=tz).timestamp())


def day_windows(day: date, ranges: DayRanges, tz: ZoneInfo) -> list[Interval]:
    """Return the windows (epoch seconds) of one local ``day``'s ``ranges``.

    Ranges that overlap or touch are merged (09:00-12:00 + 12:00-13:00 is
    one window 09:00-13:00) because the slot grid is anchored per window.
    A range whose resolved end is not after its resolved start - possible
    only when it starts inside a spring-forward gap and ends right after
    it, e.g. 02:30-03:00 on the Berlin change night - is empty and dropped.
    """
    converted: list[Interval] = []
    for start_minute, end_minute in ranges:
        if not 0 <= start_minute < end_minute <= MINUTES_PER_DAY:
            raise ValueError(f"invalid range {start_minute}-{end_minute} on {day}")
        converted.append((wall_to_epoch(day, start_minute, tz), wall_to_epoch(day, end_minute, tz)))
    return merge(converted)


def local_days(tz: ZoneInfo, start: int, end: int) -> list[date]:
    """Return every local date in ``tz`` that intersects ``[start, end)``,
    padded with one extra local date on each side.  Empty if ``end <= start``.
    """
    if end <= start:
        return []
    day = datetime.fromtimestamp(start, tz).date() - _ONE_DAY
    last = datetime.fromtimestamp(end - 1, tz).date() + _ONE_DAY
    days: list[date] = []
    while day <= last:
        days.append(day)
        day += _ONE_DAY
    return days


def working_windows(
    weekly: Mapping[int, DayRanges],
    overrides: Mapping[date, DayRanges],
    time_off: Sequence[Interval],
    tz: ZoneInfo,
    start: int,
    end: int,
) -> list[Interval]:
    """Return the sorted, disjoint working windows (epoch seconds) around a range.

    Covers every local date (in ``tz``) intersecting ``[start, end)`` plus one
    padding date on each side, so windows straddling the range edges are
    complete.  Windows are NOT clipped to ``[start, end)``: clipping would
    move the slot-grid anchor.  Empty range -> ``[]``.

    ``weekly`` maps weekday (0=Mon..6=Sun) to ranges; ``overrides`` maps a
    local date to ranges that REPLACE that date's weekly hours (an empty
    sequence closes the day).  ``time_off`` (epoch seconds, any order, may
    overlap) is subtracted afterwards, so time off ending at 10:10 leaves a
    window that starts - and anchors the grid - at 10:10.

    Ranges are merged within a local day only; windows of adjacent days
    that merely touch at midnight stay separate windows, which keeps each
    day's grid anchor independent of the queried range.
    """
    per_day: list[Interval] = []
    for day in local_days(tz, start, end):
        ranges = overrides.get(day)
        if ranges is None:
            ranges = weekly.get(day.weekday(), ())
        per_day.extend(day_windows(day, ranges, tz))
    # Days are already in order; this only repairs the exotic case of a
    # gap straddling midnight making two days' windows overlap.
    windows = merge(per_day, join_touching=False)
    return subtract(windows, merge(time_off))

