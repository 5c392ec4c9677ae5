"""Staff members and their working time."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select

from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.models import Business, DateOverride, Staff, TimeOff, WeeklyHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Ranges = list[tuple[int, int]]


def get_staff(business: Business, staff_id: int) -> Staff:
    """The active staff member of this business with that id, else NotFound."""
    staff = db.session.scalar(select(Staff).where(Staff.id == staff_id, Staff.business_id == business.id,
                                                  Staff.active.is_(True)))
    if staff is None:
        raise NotFound("No such staff member.")
    return staff


def list_staff(business: Business) -> list[Staff]:
    return list(db.session.scalars(select(Staff).where(Staff.business_id == business.id,
                                                       Staff.active.is_(True)).order_by(Staff.id)))


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
    """Staff are never deleted: their past bookings keep pointing at them."""
    staff.active = False
    db.session.flush()


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


def _check_ranges(ranges: Ranges, field: str) -> None:
    ordered = sorted(ranges)
    for (_, end), (next_start, _) in zip(ordered, ordered[1:]):
        if next_start < end:
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


def delete_time_off(staff: Staff, time_off_id: int) -> None:
    result = db.session.execute(delete(TimeOff).where(TimeOff.id == time_off_id,
                                                      TimeOff.staff_id == staff.id))
    if result.rowcount == 0:
        raise NotFound("No such time off.")
