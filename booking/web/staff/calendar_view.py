"""Workspace calendar on a time grid: the day (staff as columns, or one staff member) and the week
(one staff member: days as columns; the whole practice: a staff-by-day overview, since seventy
narrow time columns read as noise at a desk and not at all on a phone).

Times are the business's wall clock. The day view runs on real time, so a clock-change day is
23 or 25 hours long; the week view lines the days up by the wall clock (see staff/grid.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, render_template, request, url_for
from flask_babel import gettext as _

from booking.clock import utcnow
from booking.errors import NotFound
from booking.models import Staff
from booking.operations.availability import epoch
from booking.operations.calendar_view import CalendarBooking, CalendarData, StaffCalendar, load_calendar
from booking.operations.staff import get_staff, list_staff
from booking.slots.rules import wall_to_epoch
from booking.timezones import zone
from booking.web.display import first_weekday
from booking.web.staff.blueprint import bp
from booking.web.staff.calendar_texts import CalendarTexts, Shown
from booking.web.staff.grid import (
    Axis,
    Placement,
    Span,
    WallAxis,
    breaks,
    clip,
    clock_change,
    day_axis,
    lay_out,
    place,
    real_hour_lines,
    steady_day,
    visible_minutes,
    wall_hour_lines,
)

# Dates people can ask for; beyond them date arithmetic (the next day of 9999-12-31) would fail.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Item:
    """Something that takes time on a column: bookings (one, or a group class sharing a start),
    an imported busy time, or time off."""

    kind: str  # "booking", "busy", "time_off"
    when: str  # its time range in words
    place: Placement
    bookings: tuple[Shown, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class Band:
    """The background of a column: working hours ("open") or a break between them."""

    kind: str
    place: Placement
    text: str | None = None


@dataclass(frozen=True)
class Column:
    staff: Staff
    day: date
    hours: str  # its working hours in words, for the heading
    bands: list[Band]
    items: list[Item]
    now: Placement | None


@dataclass(frozen=True)
class Asked:
    """What the address asks for: a date (today, in the business's zone, when it is missing,
    malformed or far off), a staff member (None: the whole practice), cancelled bookings or not."""

    day: date
    today: date
    staff: Staff | None
    show_cancelled: bool


def _asked(tz: ZoneInfo, now: datetime) -> Asked:
    today = now.astimezone(tz).date()
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = today
    day = day if FIRST_DAY <= day <= LAST_DAY else today
    return Asked(day, today, _asked_staff(), request.args.get("cancelled") == "1")


def _asked_staff() -> Staff | None:
    """The staff member named by ?staff=, None for the whole practice; an unknown id is 404."""
    value = request.args.get("staff", "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise NotFound("No such staff member.")
    return get_staff(g.business, int(value))


def _bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight before ``first`` to the one after ``last``."""
    return datetime.combine(first, time(), tz), datetime.combine(last + timedelta(days=1), time(), tz)


def _booking_groups(bookings: list[CalendarBooking]) -> list[tuple[Span, list[CalendarBooking]]]:
    """One entry per booking, except that the seats of a group class (capacity > 1) sharing a start
    form one entry: eight customers of one yoga class are one block, not eight slivers."""
    groups: dict[tuple, list[CalendarBooking]] = {}
    for booking in bookings:
        key = ((booking.service_id, booking.start, booking.end, booking.status == "cancelled")
               if booking.is_group else (booking.id,))
        groups.setdefault(key, []).append(booking)
    return [((members[0].start, members[0].end), members) for members in groups.values()]


def _column(calendar: StaffCalendar, axis: Axis, day: date, texts: CalendarTexts, now: int) -> Column:
    staff_tz = zone(calendar.staff.timezone or texts.tz_name)
    bounds = (axis.start, axis.end)
    bands = [Band("open", p) for p in (place(axis, span) for span in clip(calendar.open, bounds)) if p is not None]
    bands += [Band("break", p, _("Break %(range)s", range=texts.span(*span)))
              for span in clip(breaks(calendar.hours, staff_tz), bounds) if (p := place(axis, span)) is not None]
    raw: list[tuple[Span, str, tuple[Shown, ...], str | None]] = [
        (span, "booking", tuple(map(texts.shown, members)), None)
        for span, members in _booking_groups(calendar.bookings)]
    raw += [(span, "busy", (), None) for span in calendar.busy]
    raw += [((t.start, t.end), "time_off", (), t.reason) for t in calendar.time_off]
    raw.sort(key=lambda entry: entry[:2])
    placed = lay_out(axis, [entry[0] for entry in raw])
    items = [Item(kind, texts.span(*span), p, shown, reason)
             for (span, kind, shown, reason), p in zip(raw, placed) if p is not None]
    return Column(calendar.staff, day, texts.hours(clip(calendar.hours, bounds)), bands, items,
                  place(axis, (now, now + 60)))


def _shown_spans(data: CalendarData) -> list[Span]:
    """What decides how much of the day to show: working hours and bookings (not all-day time
    off or busy blocks, which would stretch every view to 24 hours)."""
    spans = [span for column in data.columns for span in column.hours]
    return spans + [(b.start, b.end) for column in data.columns for b in column.bookings]


def _links(endpoint: str, step: int, asked: Asked) -> dict[str, str]:
    day = asked.day
    args: dict[str, Any] = {"staff": asked.staff.id if asked.staff else None,
                            "cancelled": 1 if asked.show_cancelled else None}
    return {"previous": url_for(endpoint, date=(day - timedelta(days=step)).isoformat(), **args),
            "today": url_for(endpoint, **args),
            "next": url_for(endpoint, date=(day + timedelta(days=step)).isoformat(), **args),
            "day": url_for(".calendar_day", date=day.isoformat(), **args),
            "week": url_for(".calendar_week", date=day.isoformat(), **args),
            "cancelled": url_for(endpoint, date=day.isoformat(), staff=args["staff"],
                                 cancelled=None if asked.show_cancelled else 1)}


def _page(template: str, endpoint: str, step: int, asked: Asked, data: CalendarData, **context: Any):
    return render_template(template, day=asked.day, today=asked.today, staff=asked.staff,
                           show_cancelled=asked.show_cancelled, tz_name=g.business.timezone,
                           all_staff=list_staff(g.business), links=_links(endpoint, step, asked),
                           cancelled_count=data.cancelled, endpoint=endpoint, booking_path=_booking_path(),
                           **context)


def _booking_path() -> str:
    """The booking pages' path up to the id, "/app/bookings/": built once per page, since
    url_for for each of 300 blocks costs more than drawing them."""
    return url_for(".booking_detail", booking_id=0).removesuffix("0")


@bp.get("/calendar/day")
def calendar_day():
    tz_name = g.business.timezone
    tz, now = zone(tz_name), utcnow()
    asked = _asked(tz, now)
    data = load_calendar(g.business, asked.staff, *_bounds(asked.day, asked.day, tz), asked.show_cancelled)
    texts = CalendarTexts(tz_name, data.conflicted)
    axis = day_axis(asked.day, tz, *visible_minutes(_shown_spans(data), asked.day, tz))
    columns = [_column(calendar, axis, asked.day, texts, epoch(now)) for calendar in data.columns]
    lines = [(top, texts.time(moment)) for top, moment in real_hour_lines(axis, tz)]
    return _page("staff/calendar_day.html", ".calendar_day", 1, asked, data, columns=columns,
                 axis_minutes=axis.minutes, lines=lines, clock_change=clock_change(asked.day, tz))


def _week_days(day: date) -> list[date]:
    """The seven days of ``day``'s week, starting on the first weekday of the page's language."""
    first = day - timedelta(days=(day.weekday() - first_weekday()) % 7)
    return [first + timedelta(days=n) for n in range(7)]


@bp.get("/calendar/week")
def calendar_week():
    tz_name = g.business.timezone
    tz, now = zone(tz_name), utcnow()
    asked = _asked(tz, now)
    days = [d for d in _week_days(asked.day) if FIRST_DAY <= d <= LAST_DAY]
    data = load_calendar(g.business, asked.staff, *_bounds(days[0], days[-1], tz), asked.show_cancelled)
    texts = CalendarTexts(tz_name, data.conflicted)
    context = _staff_week(data, days, texts, now) if asked.staff else {"rows": _practice_week(data, days, texts)}
    return _page("staff/calendar_week.html", ".calendar_week", 7, asked, data, days=days,
                 changes={d: clock_change(d, tz) for d in days}, **context)


def _staff_week(data: CalendarData, days: list[date], texts: CalendarTexts, now: datetime) -> dict[str, Any]:
    """One staff member's week: a column per day on a shared wall-clock axis."""
    tz = zone(texts.tz_name)
    spans = _shown_spans(data)
    ranges = [visible_minutes(spans, d, tz) for d in days]
    first, last = min(r[0] for r in ranges), max(r[1] for r in ranges)
    (calendar,) = data.columns
    columns = [_column(calendar, WallAxis(d, tz, first, last), d, texts, epoch(now)) for d in days]
    reference = steady_day(days, tz)  # names the hour lines: a day on which every wall time exists
    lines = [(top, texts.time(wall_to_epoch(reference, minute, tz))) for top, minute in wall_hour_lines(first, last)]
    return {"columns": columns, "axis_minutes": last - first, "lines": lines}


@dataclass(frozen=True)
class Cell:
    """One staff member on one day, for the practice's week overview."""

    day: date
    hours: str
    entries: list[tuple[str, str, Any]]  # ("booking", start, Shown) | ("busy"|"time_off", range, reason)


def _practice_week(data: CalendarData, days: list[date], texts: CalendarTexts) -> list[tuple[Staff, list[Cell]]]:
    tz = zone(texts.tz_name)
    rows = []
    for calendar in data.columns:
        entries: list[tuple[Span, str, Any]] = [((t.start, t.end), "time_off", t.reason) for t in calendar.time_off]
        entries += [(span, "busy", None) for span in calendar.busy]
        entries += [((b.start, b.end), "booking", b) for b in calendar.bookings]
        entries.sort(key=lambda entry: entry[:2])
        cells = []
        for day in days:
            low, high = (epoch(moment) for moment in _bounds(day, day, tz))
            inside = [_cell_entry(span, kind, what, texts) for span, kind, what in entries
                      if span[0] < high and span[1] > low]
            cells.append(Cell(day, texts.hours(clip(calendar.hours, (low, high))), inside))
        rows.append((calendar.staff, cells))
    return rows


def _cell_entry(span: Span, kind: str, what: Any, texts: CalendarTexts) -> tuple[str, str, Any]:
    if kind == "booking":
        shown = texts.shown(what)
        return kind, shown.start, shown
    return kind, texts.span(*span), what
