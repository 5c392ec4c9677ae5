"""Availability: loads what the slot engine needs in a few queries and asks it."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import BigInteger, Integer, cast, extract, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from booking.extensions import db
from booking.models import (
    ACTIVE_STATUSES,
    Booking,
    BusyBlock,
    Business,
    DateOverride,
    Service,
    Staff,
    TimeOff,
    WeeklyHours,
)
from booking.slots.engine import (
    ExistingBooking,
    ServiceRules,
    Slot,
    StaffInput,
    find_slots,
    nearest_slots,
)
from booking.slots.rules import working_windows
from booking.timezones import zone

# Windows are built per local day; a day of padding on each side covers every zone offset.
PAD = timedelta(days=2)
ALTERNATIVES_SPAN = timedelta(days=14)
STAFF_HORIZON = timedelta(days=5 * 366)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def booking_window(business: Business, now: datetime, source: str) -> tuple[int, int]:
    """Earliest and latest bookable start. Staff may enter walk-ins from earlier today and book
    beyond the public horizon; customers get the business's notice and advance limits."""
    if source == "staff":
        return epoch(now - timedelta(hours=24)), epoch(now + STAFF_HORIZON)
    return (epoch(now + timedelta(minutes=business.min_notice_minutes)),
            epoch(now + timedelta(days=business.max_advance_days)))


def service_rules(service: Service) -> ServiceRules:
    return ServiceRules(service_id=service.id, duration_minutes=service.duration_minutes,
                        buffer_before_minutes=service.buffer_before_minutes,
                        buffer_after_minutes=service.buffer_after_minutes,
                        interval_minutes=service.slot_interval_minutes, capacity=service.capacity)


def load_staff_inputs(business: Business, staff: Sequence[Staff], start: datetime, end: datetime,
                      exclude_booking_id: int | None = None, reach: timedelta = PAD) -> list[StaffInput]:
    """Windows, bookings and busy blocks of these staff members around [start, end).

    Bookings are read only `reach` beyond the range: one further away cannot touch a start
    inside it (reach = the service's duration plus buffers).
    """
    ids = [member.id for member in staff]
    windows = load_working_windows(business, staff, start, end)
    bookings = _load_bookings(ids, start - reach, end + reach, exclude_booking_id)
    busy = _load_busy_blocks(ids, start - reach, end + reach)
    return [StaffInput(staff_id=member.id, windows=windows[member.id], bookings=bookings[member.id],
                       busy=busy[member.id])
            for member in staff]


def load_working_windows(business: Business, staff: Sequence[Staff], start: datetime,
                         end: datetime) -> dict[int, list[tuple[int, int]]]:
    """Each staff member's working windows (epoch seconds) around [start, end), by staff id: weekly
    hours, replaced by date overrides, minus time off, per local day of their zone (DST-correct).
    Three queries whatever the number of staff members."""
    ids = [member.id for member in staff]
    lo, hi = start - PAD, end + PAD
    weekly: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for staff_id, weekday, s, e in db.session.execute(
            select(WeeklyHours.staff_id, WeeklyHours.weekday, WeeklyHours.start_minute, WeeklyHours.end_minute)
            .where(WeeklyHours.staff_id.in_(ids))):
        weekly[staff_id][weekday].append((s, e))
    overrides: dict[int, dict] = defaultdict(dict)
    for staff_id, day, ranges in db.session.execute(
            select(DateOverride.staff_id, DateOverride.day, DateOverride.ranges)
            .where(DateOverride.staff_id.in_(ids), DateOverride.day >= lo.date(), DateOverride.day <= hi.date())):
        overrides[staff_id][day] = [tuple(r) for r in ranges]
    time_off: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for staff_id, s, e in db.session.execute(
            select(TimeOff.staff_id, TimeOff.start_utc, TimeOff.end_utc)
            .where(TimeOff.staff_id.in_(ids), TimeOff.start_utc < hi, TimeOff.end_utc > lo)):
        time_off[staff_id].append((epoch(s), epoch(e)))
    return {member.id: working_windows(weekly[member.id], overrides[member.id], time_off[member.id],
                                       zone(member.timezone or business.timezone), epoch(start), epoch(end))
            for member in staff}


def _load_busy_blocks(ids: list[int], lo: datetime, hi: datetime) -> dict[int, list[tuple[int, int]]]:
    """Imported busy intervals; the engine widens them by the service's buffers like bookings."""
    table = BusyBlock.__table__
    dialect = db.session.get_bind().dialect.name
    query = (select(table.c.staff_id, epoch_column(table.c.start_utc, dialect), epoch_column(table.c.end_utc, dialect))
             .where(table.c.staff_id.in_(ids), table.c.start_utc < hi, table.c.end_utc > lo))
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for staff_id, s, e in db.session.execute(query).all():
        found[staff_id].append((s, e))
    return found


def epoch_column(column, dialect: str) -> ColumnElement[int]:
    """The column as whole epoch seconds, computed by the database (same truncation as `epoch`).

    Thousands of rows per availability query: letting the database do the conversion skips
    building three aware datetimes per row only to turn them back into integers.
    SQLite stores the UTC wall time as text ('YYYY-MM-DD HH:MM:SS.ffffff'), which strftime('%s')
    reads as UTC; the fraction is cut off first because SQLite would round .9995 s and up.
    """
    if dialect == "sqlite":
        return cast(func.strftime(literal("%s"), func.substr(column, 1, 19)), Integer)
    return cast(func.floor(extract("epoch", column)), BigInteger)


def _load_bookings(ids: list[int], lo: datetime, hi: datetime,
                   exclude_booking_id: int | None) -> dict[int, list[ExistingBooking]]:
    table = Booking.__table__  # a Core select: plain tuples, no ORM row processing
    dialect = db.session.get_bind().dialect.name
    query = (select(table.c.staff_id, epoch_column(table.c.start_utc, dialect),
                    epoch_column(table.c.block_start_utc, dialect), epoch_column(table.c.block_end_utc, dialect),
                    table.c.service_id)
             .where(table.c.staff_id.in_(ids), table.c.status.in_(ACTIVE_STATUSES),
                    table.c.block_start_utc < hi, table.c.block_end_utc > lo))
    if exclude_booking_id is not None:
        query = query.where(table.c.id != exclude_booking_id)
    found: dict[int, list[ExistingBooking]] = defaultdict(list)
    for staff_id, s, bs, be, service_id in db.session.execute(query).all():
        found[staff_id].append(ExistingBooking(start=s, block_start=bs, block_end=be, service_id=service_id))
    return found


def available_slots(business: Business, service: Service, staff: Sequence[Staff], start: datetime,
                    end: datetime, now: datetime, source: str = "online",
                    exclude_booking_id: int | None = None) -> list[Slot]:
    """Every bookable start in [start, end) for the service with any of these staff members."""
    if not staff:
        return []
    earliest, latest = booking_window(business, now, source)
    reach = timedelta(minutes=service.duration_minutes + service.buffer_before_minutes
                      + service.buffer_after_minutes)
    inputs = load_staff_inputs(business, staff, start, end, exclude_booking_id, reach)
    return find_slots(service_rules(service), inputs, epoch(start), epoch(end), earliest, latest)


def nearest_alternatives(business: Business, service: Service, staff: Sequence[Staff], target: datetime,
                         now: datetime, source: str = "online", limit: int = 5,
                         exclude_booking_id: int | None = None) -> list[Slot]:
    """Up to `limit` bookable starts nearest to `target`, for a "taken" answer."""
    slots = available_slots(business, service, staff, target - ALTERNATIVES_SPAN, target + ALTERNATIVES_SPAN,
                            now, source, exclude_booking_id)
    return nearest_slots(slots, epoch(target), limit)
