"""The figures of a report, computed from plain booking rows and working windows.

Definitions (the report page states them too):

* A booking belongs to the period when its start lies in the period (see `periods`).
* *Active* bookings are all but cancelled ones: confirmed, arrived, completed, no_show.
  A no-show kept the time from others, so it counts as booked time.
* Online / staff-entered share: ``source`` of every booking in the period, cancelled ones
  included (how bookings arrive, not how they end). API bookings carry their own source.
* Cancellation rate: cancelled / all bookings in the period.
* No-show rate: no-shows / bookings that were due (completed + arrived + no_show).
  Excused no-shows (``no_show_excused``) are counted apart: the no-show rate counts only
  the unexcused ones, the excused rate the excused ones, both over the same due bookings.
* Utilisation per staff member: the union of their active bookings' ``[start, end)``
  (buffers not counted; overlapping group bookings counted once) that lies inside their
  working windows, over the length of those windows, both cut to the period. Booked time
  outside working hours is reported apart and never lifts utilisation above 100 %.
* Weeks run Monday to Sunday; the first and last week are cut to the period.
* Heat map: active bookings by local weekday (0 = Monday) and local hour of their start,
  in the business's time zone.
* Cancelled bookings the retention job purged (`PurgedCancellations`) still count wherever a
  cancelled booking counts: all bookings, the cancelled status and rate, the source shares and
  the weekly bars. Nothing else reads cancelled bookings, so every figure stays as it was.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from booking.reports.periods import Period, week_start
from booking.slots.intervals import Interval, merge, subtract

STATUSES = ("confirmed", "arrived", "completed", "no_show", "cancelled")
DUE_STATUSES = ("arrived", "completed", "no_show")
HEAT_LEVELS = 4
"""Colour steps of the heat map above "none"."""
USUAL_HOURS = (8, 17)
"""Hours the heat map always shows, so an empty or sparse week still reads as a working day."""


@dataclass(frozen=True)
class ReportBooking:
    """One booking as the report needs it (the CSV export uses every field)."""

    id: int
    staff_id: int
    start_utc: datetime
    end_utc: datetime
    status: str
    no_show_excused: bool
    source: str
    service_name: str
    staff_name: str
    customer_name: str
    customer_email: str | None  # None: a customer staff entered without an address
    price: Decimal | None

    @property
    def is_active(self) -> bool:
        return self.status != "cancelled"


@dataclass(frozen=True)
class PurgedCancellations:
    """``count`` cancelled bookings of ``staff_id`` that started at ``start_utc`` from ``source``,
    whose rows the retention job deleted: all the figures need of them (see the module docstring)."""

    start_utc: datetime
    source: str
    staff_id: int
    count: int


@dataclass(frozen=True)
class StaffWindows:
    """A staff member's working windows (epoch seconds, sorted, disjoint), as
    `booking.slots.rules.working_windows` returns them around the period."""

    staff_id: int
    name: str
    windows: Sequence[Interval]


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole``; ``value`` is None when ``whole`` is 0 (nothing to compare)."""

    part: int
    whole: int

    @property
    def value(self) -> Decimal | None:
        return None if self.whole == 0 else Decimal(self.part) / Decimal(self.whole)


@dataclass(frozen=True)
class Utilisation:
    """Minutes of one staff member in the period; ``rate`` = booked in hours / working."""

    staff_id: int
    name: str
    working_minutes: int
    booked_minutes: int
    outside_hours_minutes: int

    @property
    def rate(self) -> Rate:
        return Rate(self.booked_minutes, self.working_minutes)


@dataclass(frozen=True)
class WeekCount:
    """Bookings starting in one Monday-to-Sunday week, cut to the period."""

    first_day: date
    last_day: date
    active: int
    cancelled: int


@dataclass(frozen=True)
class HeatMap:
    """Active bookings by (weekday 0 = Monday, hour 0..23) of their local start."""

    counts: Mapping[tuple[int, int], int]
    first_hour: int
    last_hour: int

    @property
    def hours(self) -> range:
        return range(self.first_hour, self.last_hour + 1)

    @property
    def max_count(self) -> int:
        return max(self.counts.values(), default=0)

    def count(self, weekday: int, hour: int) -> int:
        return self.counts.get((weekday, hour), 0)

    def level(self, count: int) -> int:
        """Colour step of a cell: 0 for none, else 1..HEAT_LEVELS in equal shares of the maximum."""
        if count <= 0:
            return 0
        return -(-count * HEAT_LEVELS // self.max_count)  # ceiling division

    def legend(self) -> list[tuple[int, int, int]]:
        """``(level, lowest count, highest count)`` of every step some count can reach."""
        spans: dict[int, list[int]] = {}
        for count in range(1, self.max_count + 1):
            spans.setdefault(self.level(count), []).append(count)
        return [(level, counts[0], counts[-1]) for level, counts in sorted(spans.items())]


@dataclass(frozen=True)
class Figures:
    """Everything a report shows about one period."""

    period: Period
    total: int
    by_status: Mapping[str, int]
    online: Rate
    staff_entered: Rate
    cancellations: Rate
    no_shows: Rate
    excused_no_shows: Rate
    utilisation: Sequence[Utilisation]
    weeks: Sequence[WeekCount]
    heat_map: HeatMap
    # How many of the cancelled ones come from PurgedCancellations (not in the CSV): a note on
    # where the figures come from, not a figure, so equal figures compare equal either way.
    purged: int = field(default=0, compare=False)


def compute_figures(period: Period, tz: ZoneInfo, bookings: Sequence[ReportBooking],
                    staff: Sequence[StaffWindows], purged: Sequence[PurgedCancellations] = ()) -> Figures:
    """All figures of ``period`` (local dates in ``tz``) from the bookings starting in it, and
    the purged cancelled bookings that started in it.

    ``bookings`` and ``purged`` starting outside the period are ignored, so callers may pass a wider set.
    """
    start, end = period.bounds(tz)
    inside = [b for b in bookings if start <= int(b.start_utc.timestamp()) < end]
    purged_inside = [p for p in purged if start <= int(p.start_utc.timestamp()) < end]
    purged_count = sum(p.count for p in purged_inside)
    by_status = Counter(b.status for b in inside)
    by_status["cancelled"] += purged_count
    sources = Counter(b.source for b in inside)
    for tally in purged_inside:
        sources[tally.source] += tally.count
    total = len(inside) + purged_count
    due = sum(by_status[status] for status in DUE_STATUSES)
    excused = sum(1 for b in inside if b.status == "no_show" and b.no_show_excused)
    return Figures(
        period=period, total=total, by_status={status: by_status[status] for status in STATUSES},
        online=Rate(sources["online"], total), staff_entered=Rate(sources["staff"], total),
        cancellations=Rate(by_status["cancelled"], total),
        no_shows=Rate(by_status["no_show"] - excused, due), excused_no_shows=Rate(excused, due),
        utilisation=[staff_utilisation(member, inside, start, end) for member in staff],
        weeks=week_counts(period, tz, inside, purged_inside), heat_map=heat_map(tz, inside), purged=purged_count)


def _length(intervals: Iterable[Interval]) -> int:
    return sum(e - s for s, e in intervals)


def _clip(intervals: Iterable[Interval], start: int, end: int) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if s < end and e > start]


def staff_utilisation(member: StaffWindows, bookings: Iterable[ReportBooking], start: int,
                      end: int) -> Utilisation:
    """Working and booked minutes of one staff member within ``[start, end)`` (epoch seconds)."""
    windows = _clip(merge(member.windows, join_touching=False), start, end)
    booked = merge(_clip(((int(b.start_utc.timestamp()), int(b.end_utc.timestamp()))
                          for b in bookings if b.is_active and b.staff_id == member.staff_id), start, end))
    outside = _length(subtract(booked, windows))
    return Utilisation(staff_id=member.staff_id, name=member.name, working_minutes=_length(windows) // 60,
                       booked_minutes=(_length(booked) - outside) // 60, outside_hours_minutes=outside // 60)


def week_counts(period: Period, tz: ZoneInfo, bookings: Iterable[ReportBooking],
                purged: Iterable[PurgedCancellations] = ()) -> list[WeekCount]:
    """Active and cancelled bookings (purged ones included) per Monday-to-Sunday week, every
    week of the period listed."""
    active: Counter[date] = Counter()
    cancelled: Counter[date] = Counter()
    for booking in bookings:
        monday = week_start(booking.start_utc.astimezone(tz).date())
        (active if booking.is_active else cancelled)[monday] += 1
    for tally in purged:
        cancelled[week_start(tally.start_utc.astimezone(tz).date())] += tally.count
    weeks = []
    monday = week_start(period.first_day)
    while monday <= period.last_day:
        weeks.append(WeekCount(first_day=max(monday, period.first_day),
                               last_day=min(monday + timedelta(days=6), period.last_day),
                               active=active[monday], cancelled=cancelled[monday]))
        monday += timedelta(days=7)
    return weeks


def heat_map(tz: ZoneInfo, bookings: Iterable[ReportBooking]) -> HeatMap:
    """Active bookings by local weekday and hour of their start; the hours shown span
    USUAL_HOURS widened to every hour that has a booking."""
    counts: Counter[tuple[int, int]] = Counter()
    for booking in bookings:
        if booking.is_active:
            local = booking.start_utc.astimezone(tz)
            counts[(local.weekday(), local.hour)] += 1
    hours = [hour for _weekday, hour in counts]
    return HeatMap(counts=dict(counts), first_hour=min([USUAL_HOURS[0], *hours]),
                   last_hour=max([USUAL_HOURS[1], *hours]))
