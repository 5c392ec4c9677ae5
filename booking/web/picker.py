"""The month -> day -> time picker shared by the public booking pages and the reschedule page.

Everything it needs travels in query parameters (month, date, tz, ...), so each step is a plain
link: it works without JavaScript and can be bookmarked.
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import url_for

from booking.models import Business, Service, Staff
from booking.operations.availability import available_slots, booking_window, from_epoch
from booking.slots.engine import Slot
from booking.timezones import is_known_zone, zone

# Offered in the time zone switch; the business's and the visitor's own zone are always added.
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris",
    "Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Rome", "Europe/Amsterdam",
    "Europe/Brussels", "Europe/Stockholm", "Europe/Warsaw", "Europe/Prague", "Europe/Athens",
    "Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow", "Africa/Lagos", "Africa/Johannesburg",
    "Africa/Cairo", "Asia/Dubai", "Asia/Kolkata", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai",
    "Asia/Tokyo", "Australia/Perth", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires", "America/Bogota", "America/Mexico_City", "America/Halifax",
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
)


def visitor_zone(raw: object, business: Business) -> str:
    """The zone the visitor asked for; anything unknown falls back to the business's zone."""
    return raw if isinstance(raw, str) and is_known_zone(raw) else business.timezone


def zone_choices(current: str, business_tz: str) -> list[str]:
    return sorted(set(COMMON_ZONES) | {current, business_tz})


def parse_day(raw: object) -> date | None:
    if not isinstance(raw, str) or len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def parse_month(raw: object) -> date | None:
    """"YYYY-MM" -> the first day of that month."""
    return parse_day(f"{raw}-01") if isinstance(raw, str) and len(raw) == 7 else None


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def local_midnight(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone(tz_name))


def local_date(seconds: int, tz_name: str) -> date:
    return from_epoch(seconds).astimezone(zone(tz_name)).date()


@dataclass(frozen=True)
class MonthView:
    """One month of a calendar: which local days have free times, and the chosen day's times."""

    month: date
    weeks: list[list[date | None]]
    free: dict[date, list[Slot]]
    previous: date | None
    next: date | None
    day: date | None = None

    @property
    def times(self) -> list[Slot]:
        return self.free.get(self.day, []) if self.day else []


def bookable_months(business: Business, now: datetime, tz_name: str) -> tuple[date, date]:
    """The first and last month that can hold a bookable start, in the visitor's zone."""
    earliest, latest = booking_window(business, now, "online")
    return (local_date(earliest, tz_name).replace(day=1), local_date(latest, tz_name).replace(day=1))


def month_weeks(month: date, first_weekday: int) -> list[list[date | None]]:
    """Whole weeks covering the month; days of the neighbouring months are None (empty cells)."""
    weeks = calendar.Calendar(first_weekday).monthdatescalendar(month.year, month.month)
    return [[day if day.month == month.month else None for day in week] for week in weeks]


def slots_by_day(slots: Sequence[Slot], tz_name: str) -> dict[date, list[Slot]]:
    days: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        days[local_date(slot.start, tz_name)].append(slot)
    return dict(days)


def month_view(business: Business, service: Service, staff: Sequence[Staff], tz_name: str,
               month_raw: object, day_raw: object, now: datetime, first_weekday: int = 0,
               exclude_booking_id: int | None = None) -> MonthView:
    """The asked month (clamped to the bookable ones) with one availability query for all of it."""
    first, last = bookable_months(business, now, tz_name)
    day = parse_day(day_raw)
    month = day.replace(day=1) if day else parse_month(month_raw) or first
    month = min(max(month, first), last)
    if day and day.replace(day=1) != month:
        day = None
    start, end = local_midnight(month, tz_name), local_midnight(add_months(month, 1), tz_name)
    slots = available_slots(business, service, staff, start, end, now, exclude_booking_id=exclude_booking_id)
    free = slots_by_day(slots, tz_name)
    return MonthView(month=month, weeks=month_weeks(month, first_weekday), free=free,
                     previous=add_months(month, -1) if month > first else None,
                     next=add_months(month, 1) if month < last else None, day=day)


def slot_iso(slot: Slot, tz_name: str) -> str:
    """A slot's start as the offset-aware ISO value the next step receives."""
    return from_epoch(slot.start).astimezone(zone(tz_name)).isoformat()


@dataclass(frozen=True)
class PickerLinks:
    """Where the picker's links go: `endpoint` shows the calendar, `time_endpoint` takes a start."""

    endpoint: str
    time_endpoint: str
    args: dict[str, Any] = field(default_factory=dict)

    def month(self, month: date) -> str:
        return url_for(self.endpoint, **self.args, month=month.strftime("%Y-%m"))

    def day(self, day: date) -> str:
        return url_for(self.endpoint, **self.args, date=day.isoformat(), _anchor="times")

    def time(self, slot: Slot) -> str:
        return url_for(self.time_endpoint, **self.args, start=slot_iso(slot, self.args["tz"]))

