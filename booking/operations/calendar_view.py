"""What the workspace calendar shows for a stretch of time, per staff member: working hours
(through the slot engine's rules, so the grid agrees with what is bookable), time off, busy
times imported from external calendars, and bookings with their customer and service; plus
which bookings have an open calendar conflict.

One query per kind of row for the whole range and all staff members, however many there are.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from booking.extensions import db
from booking.models import (
    Booking,
    BusyBlock,
    Business,
    CalendarConflict,
    Customer,
    DateOverride,
    Service,
    Staff,
    TimeOff,
    WeeklyHours,
)
from booking.operations.availability import epoch, epoch_column
from booking.operations.staff import list_staff
from booking.slots.intervals import Interval, merge, subtract
from booking.slots.rules import working_windows
from booking.timezones import zone

# Working windows are built per local day of the staff member's zone; two days either side
# cover every offset between that zone and the business's.
PAD = timedelta(days=2)


@dataclass(frozen=True)
class CalendarBooking:
    """A booking as the calendar shows it; times in epoch seconds."""

    id: int
    staff_id: int
    status: str
    start: int
    end: int
    estimated_start: int | None  # set while the practice runs late
    is_group: bool  # a seat of a class with capacity > 1
    service_id: int
    service_name: str
    capacity: int
    customer_name: str


@dataclass(frozen=True)
class TimeOffSpan:
    start: int  # epoch seconds
    end: int
    reason: str | None


@dataclass
class StaffCalendar:
    """One staff member's rows over the range; intervals in epoch seconds, sorted."""

    staff: Staff
    hours: list[Interval] = field(default_factory=list)  # weekly hours or the date's override
    open: list[Interval] = field(default_factory=list)  # hours minus time off: what can be booked
    time_off: list[TimeOffSpan] = field(default_factory=list)
    busy: list[Interval] = field(default_factory=list)  # merged: overlapping imports show once
    bookings: list[CalendarBooking] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarData:
    columns: list[StaffCalendar]
    conflicted: frozenset[int]  # ids of shown bookings with an open calendar conflict
    cancelled: int  # cancelled bookings in the range (shown only when asked for)


def load_calendar(business: Business, staff: Staff | None, start: datetime, end: datetime,
                  include_cancelled: bool = False) -> CalendarData:
    """Everything the calendar shows in ``[start, end)`` for one staff member, or (``staff`` None)
    for the whole practice: every active staff member, and any inactive one with bookings then."""
    bookings = _bookings(business, staff, start, end)
    members = [staff] if staff is not None else _practice_staff(business, bookings)
    columns = {member.id: StaffCalendar(member) for member in members}
    _add_hours(business, columns, start, end)
    for member_id, span in _busy(list(columns), start, end):
        columns[member_id].busy.append(span)
    cancelled = 0
    for booking in bookings:
        if booking.status == "cancelled":
            cancelled += 1
            if not include_cancelled:
                continue
        columns[booking.staff_id].bookings.append(booking)
    for column in columns.values():
        column.busy = merge(column.busy)
    shown = [b for column in columns.values() for b in column.bookings]
    return CalendarData(list(columns.values()), _conflicted(business, shown, start, end), cancelled)


def _bookings(business: Business, staff: Staff | None, start: datetime, end: datetime) -> list[CalendarBooking]:
    """The range's bookings with customer and service, in one query of plain values: a busy day
    has hundreds, and full ORM objects (a dozen timestamps each) cost more than drawing them."""
    dialect = db.session.get_bind().dialect.name
    query = (select(Booking.id, Booking.staff_id, Booking.status, epoch_column(Booking.start_utc, dialect),
                    epoch_column(Booking.end_utc, dialect), epoch_column(Booking.estimated_start_utc, dialect),
                    Booking.is_group, Booking.service_id, Service.name, Service.capacity, Customer.name)
             .join(Service, Service.id == Booking.service_id).join(Customer, Customer.id == Booking.customer_id)
             .where(Booking.business_id == business.id, Booking.start_utc < end, Booking.end_utc > start))
    if staff is not None:
        query = query.where(Booking.staff_id == staff.id)
    return [CalendarBooking(*row) for row in db.session.execute(query.order_by(Booking.start_utc, Booking.id))]


def _practice_staff(business: Business, bookings: Sequence[CalendarBooking]) -> list[Staff]:
    """Active staff, then any deactivated member who still has bookings in the range."""
    members = list_staff(business)
    missing = {b.staff_id for b in bookings} - {member.id for member in members}
    if missing:
        members += db.session.scalars(select(Staff).where(Staff.business_id == business.id,
                                                          Staff.id.in_(missing)).order_by(Staff.id))
    return members


def _add_hours(business: Business, columns: dict[int, StaffCalendar], start: datetime, end: datetime) -> None:
    """Working hours before and after time off, from the slot engine's own rule."""
    ids = list(columns)
    weekly = _weekly(ids)
    overrides = _overrides(ids, (start - PAD).date(), (end + PAD).date())
    time_off = _time_off(ids, start - PAD, end + PAD)
    for member_id, column in columns.items():
        tz = zone(column.staff.timezone or business.timezone)
        off = sorted(time_off[member_id], key=lambda t: (t.start, t.end))
        column.hours = working_windows(weekly[member_id], overrides[member_id], [], tz, epoch(start), epoch(end))
        column.open = subtract(column.hours, merge((t.start, t.end) for t in off))
        column.time_off = [t for t in off if t.start < epoch(end) and t.end > epoch(start)]


def _weekly(ids: list[int]) -> dict[int, dict[int, list[tuple[int, int]]]]:
    weekly: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for staff_id, weekday, s, e in db.session.execute(
            select(WeeklyHours.staff_id, WeeklyHours.weekday, WeeklyHours.start_minute, WeeklyHours.end_minute)
            .where(WeeklyHours.staff_id.in_(ids))):
        weekly[staff_id][weekday].append((s, e))
    return weekly


def _overrides(ids: list[int], first: date, last: date) -> dict[int, dict[date, list[tuple[int, int]]]]:
    overrides: dict[int, dict[date, list[tuple[int, int]]]] = defaultdict(dict)
    for staff_id, day, ranges in db.session.execute(
            select(DateOverride.staff_id, DateOverride.day, DateOverride.ranges)
            .where(DateOverride.staff_id.in_(ids), DateOverride.day >= first, DateOverride.day <= last)):
        overrides[staff_id][day] = [(int(s), int(e)) for s, e in ranges]
    return overrides


def _time_off(ids: list[int], lo: datetime, hi: datetime) -> dict[int, list[TimeOffSpan]]:
    found: dict[int, list[TimeOffSpan]] = defaultdict(list)
    for staff_id, s, e, reason in db.session.execute(
            select(TimeOff.staff_id, TimeOff.start_utc, TimeOff.end_utc, TimeOff.reason)
            .where(TimeOff.staff_id.in_(ids), TimeOff.start_utc < hi, TimeOff.end_utc > lo)):
        found[staff_id].append(TimeOffSpan(epoch(s), epoch(e), reason))
    return found


def _busy(ids: list[int], start: datetime, end: datetime) -> list[tuple[int, Interval]]:
    """Imported busy times: only when, never what (the import keeps no titles)."""
    rows = db.session.execute(
        select(BusyBlock.staff_id, BusyBlock.start_utc, BusyBlock.end_utc)
        .where(BusyBlock.staff_id.in_(ids), BusyBlock.start_utc < end, BusyBlock.end_utc > start))
    return [(staff_id, (epoch(s), epoch(e))) for staff_id, s, e in rows]


def _conflicted(business: Business, bookings: Sequence[CalendarBooking], start: datetime,
                end: datetime) -> frozenset[int]:
    """Shown bookings with an open conflict: the range's open conflicts (few), not an IN list of
    every booking id (hundreds)."""
    shown = {booking.id for booking in bookings}
    if not shown:
        return frozenset()
    open_ids = db.session.scalars(
        select(CalendarConflict.booking_id).join(Booking, Booking.id == CalendarConflict.booking_id)
        .where(CalendarConflict.business_id == business.id, CalendarConflict.resolved_at.is_(None),
               Booking.start_utc < end, Booking.end_utc > start))
    return frozenset(shown.intersection(open_ids))
