"""Layout maths of the workspace calendar: where a stretch of time sits on a column, lanes for
items that overlap, hour lines, and the breaks of a working day.

PURE (stdlib and the slot engine's wall-clock rule) and in epoch seconds like
:mod:`booking.slots`; intervals are half-open ``[start, end)``. Positions are percentages of a
column's height, so a template only writes ``top`` and ``height``; the column's own height comes
from its length in minutes.

Two kinds of axis, because a day with a clock change cannot be both "true to length" and
"aligned with the other days":

- :class:`RealAxis` (day view): real elapsed time from the view's start. On a clock-change day
  the column is as long as the day really is (23 or 25 hours when shown whole): one real hour is
  always the same height, and the hour lines read 01:00, 03:00 or 02:00, 02:00.
- :class:`WallAxis` (week view): the wall-clock minutes of each column's own day, so 09:00 sits
  at the same height in all seven columns. On a clock-change night the skipped hour stays empty
  and the repeated hour is drawn on the same stretch twice (overlapping items get lanes).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from booking.slots.rules import wall_to_epoch

Span = tuple[int, int]
"""``(start, end)`` epoch seconds, half-open."""

MINUTES_PER_DAY = 1440
DEFAULT_MINUTES = (8 * 60, 18 * 60)
"""The wall-clock range a view shows when nothing lies outside it: 08:00-18:00."""


class Axis(Protocol):
    """A column's vertical scale: ``offset`` maps an instant to minutes from the column's top."""

    start: int
    end: int

    @property
    def minutes(self) -> float: ...

    def offset(self, moment: int) -> float: ...


def wall_minute(moment: int, day: date, tz: ZoneInfo) -> float:
    """Wall-clock minutes of ``moment`` counted from ``day``'s local midnight in ``tz``
    (negative before that day, 1440 and more after it)."""
    local = datetime.fromtimestamp(moment, tz)
    days = (local.date() - day).days
    return days * MINUTES_PER_DAY + local.hour * 60 + local.minute + local.second / 60


@dataclass(frozen=True)
class RealAxis:
    """Real elapsed time over ``[start, end)`` (epoch seconds); see the module docstring."""

    start: int
    end: int

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60

    def offset(self, moment: int) -> float:
        """Minutes from the top, clamped to the column."""
        return (min(max(moment, self.start), self.end) - self.start) / 60


@dataclass(frozen=True)
class WallAxis:
    """Wall-clock minutes ``first..last`` of local ``day`` in ``tz``; see the module docstring."""

    day: date
    tz: ZoneInfo
    first: int
    last: int

    @property
    def start(self) -> int:
        return wall_to_epoch(self.day, self.first, self.tz)

    @property
    def end(self) -> int:
        return wall_to_epoch(self.day, self.last, self.tz)

    @property
    def minutes(self) -> float:
        return float(self.last - self.first)

    def offset(self, moment: int) -> float:
        """Minutes from the top by the wall clock, clamped to the column."""
        return min(max(wall_minute(moment, self.day, self.tz), self.first), self.last) - self.first


def day_axis(day: date, tz: ZoneInfo, first: int, last: int) -> RealAxis:
    """The real-time axis of wall-clock minutes ``first..last`` of ``day``."""
    return RealAxis(wall_to_epoch(day, first, tz), wall_to_epoch(day, last, tz))


@dataclass(frozen=True)
class Placement:
    """Where an item goes: ``top`` and ``height`` in % of the column, and its lane among
    ``lanes`` side-by-side lanes (0-based)."""

    top: float
    height: float
    lane: int = 0
    lanes: int = 1

    @property
    def style(self) -> str:
        """Inline CSS for an absolutely positioned item."""
        css = f"top:{self.top:.3f}%;height:{self.height:.3f}%"
        if self.lanes > 1:
            css += f";left:{100 * self.lane / self.lanes:.3f}%;width:{100 / self.lanes:.3f}%"
        return css


def place(axis: Axis, span: Span) -> Placement | None:
    """The placement of ``span`` on ``axis``, clipped to it; None when it lies outside."""
    start, end = span
    if end <= axis.start or start >= axis.end or end <= start:
        return None
    top, bottom = axis.offset(start), axis.offset(end)
    scale = 100 / axis.minutes
    return Placement(top=top * scale, height=max(bottom - top, 0.0) * scale)


def assign_lanes(extents: Sequence[tuple[float, float]]) -> list[tuple[int, int]]:
    """``(lane, lanes)`` for each ``(top, bottom)`` extent, in input order.

    Extents that overlap, directly or through others, form a cluster; each takes the first
    lane whose previous extent has ended (touching is not overlapping), and all of a cluster
    share its lane count, so their widths match. Ties keep input order.
    """
    order = sorted(range(len(extents)), key=lambda i: (extents[i][0], -extents[i][1], i))
    result: list[tuple[int, int]] = [(0, 1)] * len(extents)
    cluster: list[tuple[int, int]] = []  # (index, lane)
    lane_ends: list[float] = []
    cluster_end = float("-inf")
    for index in order:
        top, bottom = extents[index]
        if cluster and top >= cluster_end:
            _close(cluster, len(lane_ends), result)
            cluster, lane_ends = [], []
        lane = next((n for n, end in enumerate(lane_ends) if end <= top), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(bottom)
        else:
            lane_ends[lane] = bottom
        cluster.append((index, lane))
        cluster_end = bottom if len(cluster) == 1 else max(cluster_end, bottom)
    _close(cluster, len(lane_ends), result)
    return result


def _close(cluster: list[tuple[int, int]], lanes: int, result: list[tuple[int, int]]) -> None:
    for index, lane in cluster:
        result[index] = (lane, lanes)


def lay_out(axis: Axis, spans: Sequence[Span], min_minutes: float = 15) -> list[Placement | None]:
    """Placements with lanes for ``spans`` (None for those off the axis), in input order.

    Lanes are decided on the drawn extents, each at least ``min_minutes`` high: the template
    gives short items that minimum height, so two back-to-back 5-minute bookings would
    otherwise be drawn over each other.
    """
    placed = [place(axis, span) for span in spans]
    shown = [(n, p) for n, p in enumerate(placed) if p is not None]
    least = 100 * min_minutes / axis.minutes
    lanes = assign_lanes([(p.top, p.top + max(p.height, least)) for _, p in shown])
    for (n, p), (lane, count) in zip(shown, lanes):
        placed[n] = Placement(p.top, p.height, lane, count)
    return placed


def visible_minutes(spans: Iterable[Span], day: date, tz: ZoneInfo,
                    default: tuple[int, int] = DEFAULT_MINUTES) -> tuple[int, int]:
    """The wall-clock range ``(first, last)`` in whole hours that shows every span's part on ``day``.

    Starts from ``default`` and widens it to the hour before the earliest start and after the
    latest end, never beyond the day's own midnights (0 and 1440).
    """
    first, last = default
    for start, end in spans:
        begin = max(wall_minute(start, day, tz), 0)
        finish = min(wall_minute(end, day, tz), MINUTES_PER_DAY)
        if finish <= 0 or begin >= MINUTES_PER_DAY:
            continue
        first = min(first, int(begin // 60) * 60)
        last = max(last, -int(-finish // 60) * 60)
    return first, last


def real_hour_lines(axis: RealAxis, tz: ZoneInfo) -> list[tuple[float, int]]:
    """``(top %, instant)`` of every full local hour in ``[axis.start, axis.end)``.

    Steps through real time in quarter hours (every zone's offset is a whole number of them),
    so a clock-change day gets the hours it really has: 01:00, 03:00 in spring; 02:00 twice
    in autumn.
    """
    step = 900
    moment = -(-axis.start // step) * step
    lines = []
    while moment < axis.end:
        if datetime.fromtimestamp(moment, tz).minute == 0:
            lines.append((100 * axis.offset(moment) / axis.minutes, moment))
        moment += step
    return lines


def wall_hour_lines(first: int, last: int) -> list[tuple[float, int]]:
    """``(top %, wall minute)`` of every full hour in ``[first, last)`` on a wall-clock axis."""
    return [(100 * (minute - first) / (last - first), minute)
            for minute in range(-(-first // 60) * 60, last, 60)]


def steady_day(days: Sequence[date], tz: ZoneInfo) -> date:
    """The first of ``days`` without a clock change (its wall times all exist exactly once),
    to name the hours of a wall-clock axis; the first day when every one has a change."""
    for day in days:
        start = datetime.combine(day, time(), tz)
        end = datetime.combine(day + timedelta(days=1), time(), tz)
        if start.utcoffset() == end.utcoffset():
            return day
    return days[0]


def clock_change(day: date, tz: ZoneInfo) -> int:
    """How many minutes longer (positive) or shorter (negative) than 24 hours ``day`` is in ``tz``."""
    start = datetime.combine(day, time(), tz).timestamp()
    end = datetime.combine(day + timedelta(days=1), time(), tz).timestamp()
    return int(end - start) // 60 - MINUTES_PER_DAY


def breaks(windows: Sequence[Span], tz: ZoneInfo) -> list[Span]:
    """The gaps between consecutive working ``windows`` (sorted, disjoint) that begin on the same
    local day in ``tz``: a lunch break between 09:00-12:00 and 13:00-17:00, not the night
    between two working days."""
    gaps = []
    for (_, end), (next_start, _) in zip(windows, windows[1:]):
        same_day = datetime.fromtimestamp(end - 1, tz).date() == datetime.fromtimestamp(next_start, tz).date()
        if end < next_start and same_day:
            gaps.append((end, next_start))
    return gaps


def clip(spans: Iterable[Span], bounds: Span) -> list[Span]:
    """``spans`` cut to ``bounds``; the parts outside and empty results are dropped."""
    low, high = bounds
    return [(max(s, low), min(e, high)) for s, e in spans if max(s, low) < min(e, high)]
