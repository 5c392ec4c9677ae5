"""Staff members and their working time."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import delete, select

from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.models import Booking, Business, DateOverride, Staff, TimeOff, WeeklyHours
from booking.timezones import zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Ranges = list[tuple[int, int]]


def get_staff(business: Business, staff_id: int, include_inactive: bool = False) -> Staff:
    """The active staff member of this business with that id, else NotFound.
    Owner settings pass `include_inactive` to reach deactivated members too."""
    query = select(Staff).where(Staff.id == staff_id, Staff.business_id == business.id)
    if not include_inactive:
        query = query.where(Staff.active.is_(True))
    staff = db.session.scalar(query)
    if staff is None:
        raise NotFound("No such staff member.")
    return staff


def list_staff(business: Business, include_inactive: bool = False) -> list[Staff]:
    query = select(Staff).where(Staff.business_id == business.id)
    if not include_inactive:
        query = query.where(Staff.active.is_(True))
    return list(db.session.scalars(query.order_by(Staff.id)))


def create_staff(business: Business, fields: dict[str, Any], now: datetime) -> Staff:
    staff = Staff(business_id=business.id, name=fields["name"], email=fields.get("email"),
                  timezone=fields.get("timezone"), created_at=now)
    db.session.add(staff)
    db.session.flush()
    return staff


def update_staff(staff: Staff, fields: dict[str, Any]) -> Staff:
    for key in ("name", "email", "timezone"):
        if key in fields:
            setattr(staff, key, fields[key])
    db.session.flush()
    return staff


def deactivate_staff(staff: Staff) -> None:
    """Staff are never deleted: their past bookings keep pointing at them. Their future
    bookings stay too (see `future_bookings`): someone decides about each, nothing is cancelled here."""
    staff.active = False
    db.session.flush()


def reactivate_staff(staff: Staff) -> None:
    staff.active = True
    db.session.flush()


def future_bookings(staff: Staff, now: datetime) -> list[Booking]:
    """Bookings of this staff member that are not over yet and still expected to happen."""
    return list(db.session.scalars(select(Booking).where(
        Booking.staff_id == staff.id, Booking.end_utc > now, Booking.status.in_(("confirmed", "arrived")))
        .order_by(Booking.start_utc, Booking.id)))


def staff_zone_name(staff: Staff) -> str:
    """The zone of the staff member's wall-clock hours: their own, else the business's."""
    return staff.timezone or staff.business.timezone


def local_to_utc(local: datetime, tz_name: str) -> datetime:
    """A naive wall-clock time in `tz_name` as an aware UTC instant, resolved the way SPEC says
    (zoneinfo's fold=0): a repeated time means its first occurrence, a time inside a
    spring-forward gap takes the offset in force before the change."""
    return local.replace(tzinfo=zone(tz_name), fold=0).astimezone(timezone.utc)


def weekly_hours(staff: Staff) -> dict[str, Ranges]:
    rows = db.session.scalars(select(WeeklyHours).where(WeeklyHours.staff_id == staff.id)
                              .order_by(WeeklyHours.weekday, WeeklyHours.start_minute))
    hours: dict[str, Ranges] = {day: [] for day in WEEKDAYS}
    for row in rows:
        hours[WEEKDAYS[row.weekday]].append((row.start_minute, row.end_minute))
    return hours


def set_weekly_hours(staff: Staff, hours: dict[str, Ranges]) -> dict[str, Ranges]:
    """Replace the staff member's weekly hours; a day left out is closed."""
    for day, ranges in hours.items():
        _check_ranges(ranges, day)
    db.session.execute(delete(WeeklyHours).where(WeeklyHours.staff_id == staff.id))
    for day, ranges in hours.items():
        for start, end in ranges:
            db.session.add(WeeklyHours(staff_id=staff.id, weekday=WEEKDAYS.index(day),
                                       start_minute=start, end_minute=end))
    db.session.flush()
    return weekly_hours(staff)


def overlapping_ranges(ranges: Ranges) -> set[int]:
    """Positions (in `ranges`) of the ranges that overlap one starting earlier (or equally early
    and listed first). Touching ranges such as 09:00-12:00 and 12:00-13:00 do not overlap."""
    order = sorted(range(len(ranges)), key=lambda i: (ranges[i], i))
    found: set[int] = set()
    latest_end = None
    for position in order:
        start, end = ranges[position]
        if latest_end is not None and start < latest_end:
            found.add(position)
        latest_end = end if latest_end is None else max(latest_end, end)
    return found


def _check_ranges(ranges: Ranges, field: str) -> None:
    if overlapping_ranges(ranges):
        raise InvalidInput({field: "time ranges must not overlap"})


def set_override(staff: Staff, day: date, ranges: Ranges) -> DateOverride:
    """Hours for one local date replacing the weekly hours; [] closes the day."""
    _check_ranges(ranges, "hours")
    override = db.session.scalar(select(DateOverride).where(DateOverride.staff_id == staff.id,
                                                            DateOverride.day == day))
    if override is None:
        override = DateOverride(staff_id=staff.id, day=day)
        db.session.add(override)
    override.ranges = [list(r) for r in sorted(ranges)]
    db.session.flush()
    return override


def upcoming_overrides(staff: Staff, first_day: date) -> list[DateOverride]:
    return list(db.session.scalars(select(DateOverride).where(DateOverride.staff_id == staff.id,
                                                              DateOverride.day >= first_day)
                                   .order_by(DateOverride.day)))


def delete_override(staff: Staff, day: date) -> None:
    result = db.session.execute(delete(DateOverride).where(DateOverride.staff_id == staff.id,
                                                           DateOverride.day == day))
    if result.rowcount == 0:
        raise NotFound("No override on that date.")


def add_time_off(staff: Staff, start: datetime, end: datetime, reason: str | None) -> TimeOff:
    if end <= start:
        raise InvalidInput({"end": "must be after start"})
    entry = TimeOff(staff_id=staff.id, start_utc=start, end_utc=end, reason=reason)
    db.session.add(entry)
    db.session.flush()
    return entry


def upcoming_time_off(staff: Staff, now: datetime) -> list[TimeOff]:
    """Time off not over yet, soonest first."""
    return list(db.session.scalars(select(TimeOff).where(TimeOff.staff_id == staff.id, TimeOff.end_utc > now)
                                   .order_by(TimeOff.start_utc, TimeOff.id)))


def delete_time_off(staff: Staff, time_off_id: int) -> None:
    result = db.session.execute(delete(TimeOff).where(TimeOff.id == time_off_id,
                                                      TimeOff.staff_id == staff.id))
    if result.rowcount == 0:
        raise NotFound("No such time off.")
