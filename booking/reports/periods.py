"""Report periods: whole local dates in the business's time zone, and the usual presets.

A period is a range of local dates, both ends included. Its instants are local midnight of
the first day up to local midnight after the last day, resolved the way the slot engine
resolves wall-clock times (`booking.slots.rules.wall_to_epoch`, fold=0), so a day that has
23 or 25 hours (a daylight saving change) is counted with its real length.

Weeks start on Monday (ISO 8601), whatever the page's language: the weekly bars and the
"this week" presets must not change meaning when an owner switches the language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from booking.slots.rules import wall_to_epoch

MAX_DAYS = 366
"""The longest period a report covers: a whole leap year, not more (keeps the page fast)."""
FIRST_YEAR, LAST_YEAR = 1971, 2999
"""Dates outside these years are refused, so no date arithmetic can overflow."""
DEFAULT_WEEKS = 4
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """Local dates `first_day` .. `last_day`, both included."""

    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[int, int]:
        """Epoch seconds ``[start, end)``: local midnight of the first day to local
        midnight after the last day in ``tz``."""
        return wall_to_epoch(self.first_day, 0, tz), wall_to_epoch(self.last_day, 1440, tz)


def period_problem(first_day: date, last_day: date) -> str | None:
    """Why these dates make no period, or None when they do.

    Returns ``"year"`` (a date outside FIRST_YEAR..LAST_YEAR), ``"order"`` (the first day
    after the last) or ``"length"`` (more than MAX_DAYS days, both ends counted).
    """
    if not all(FIRST_YEAR <= day.year <= LAST_YEAR for day in (first_day, last_day)):
        return "year"
    if first_day > last_day:
        return "order"
    if (last_day - first_day).days + 1 > MAX_DAYS:
        return "length"
    return None


def week_start(day: date) -> date:
    """The Monday on or before ``day``."""
    return day - timedelta(days=day.weekday())


def last_full_weeks(today: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """The ``weeks`` whole Monday-to-Sunday weeks before the week of ``today``.

    The default report: every booking in it lies in the past, so its status is final
    (a future booking cannot have been a no-show yet), and every week is complete.
    """
    this_monday = week_start(today)
    return Period(this_monday - weeks * _WEEK, this_monday - timedelta(days=1))


def month_of(day: date) -> Period:
    """The calendar month containing ``day``."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def presets(today: date) -> dict[str, Period]:
    """The quick choices offered above a report, by key (the view names them)."""
    this_monday = week_start(today)
    this_month = month_of(today)
    return {
        "this_week": Period(this_monday, this_monday + timedelta(days=6)),
        "last_week": Period(this_monday - _WEEK, this_monday - timedelta(days=1)),
        "last_4_weeks": last_full_weeks(today),
        "this_month": this_month,
        "last_month": month_of(this_month.first_day - timedelta(days=1)),
    }
