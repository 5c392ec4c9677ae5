"""Running late: the staff member's reported delay (or an overrun) cascades through the day,
and customers whose estimate moves enough are told."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Booking, Business, Staff, StaffDelay
from booking.notify.delays import DayBooking, cascade_estimates, plan_delay_notices
from booking.notify.outbox import queue_delay_notices
from booking.operations.availability import epoch, from_epoch
from booking.operations.bookings import lock_staff
from booking.timezones import zone


@dataclass(frozen=True)
class DelayResult:
    affected: list[tuple[int, datetime]]  # (booking id, estimate) of those not begun and not on time
    notified: int


def _local_day(business: Business, staff: Staff, now: datetime) -> tuple[datetime, datetime]:
    tz = zone(staff.timezone or business.timezone)
    day = staff_today(business, staff, now)
    return (datetime.combine(day, datetime.min.time(), tz),
            datetime.combine(day + timedelta(days=1), datetime.min.time(), tz))


def _delay_row(staff: Staff, day_start: datetime) -> StaffDelay | None:
    return db.session.scalar(select(StaffDelay).where(StaffDelay.staff_id == staff.id,
                                                      StaffDelay.day == day_start.date()))


def report_delay(business: Business, staff: Staff, minutes: int, now: datetime, source: str = "staff") -> DelayResult:
    """Record "running `minutes` late" for today (0 = back on time) and tell those affected."""
    lock_staff([staff.id])
    day_start, _ = _local_day(business, staff, now)
    row = _delay_row(staff, day_start)
    if row is None:
        row = StaffDelay(staff_id=staff.id, day=day_start.date())
        db.session.add(row)
    row.minutes, row.source, row.reported_at = minutes, source, now
    return refresh_estimates(business, staff, now)


def refresh_estimates(business: Business, staff: Staff, now: datetime) -> DelayResult:
    """Recompute today's estimates for the staff member and queue the notices the threshold asks for.

    The caller holds the staff row lock (report_delay, or the overrun job)."""
    day_start, day_end = _local_day(business, staff, now)
    row = _delay_row(staff, day_start)
    bookings = list(db.session.scalars(select(Booking).options(selectinload(Booking.customer)).where(
        Booking.staff_id == staff.id, Booking.start_utc >= day_start, Booking.start_utc < day_end,
        Booking.status != "cancelled").order_by(Booking.start_utc, Booking.id)))
    day = [DayBooking(b.id, epoch(b.start_utc), epoch(b.end_utc), b.status,
                      epoch(b.told_estimate_utc) if b.told_estimate_utc else None) for b in bookings]
    estimates = cascade_estimates(day, row.minutes if row else 0, epoch(now))
    by_id = {b.id: b for b in bookings}
    for booking_id, estimate in estimates.items():
        by_id[booking_id].estimated_start_utc = from_epoch(estimate)
    planned = []
    for notice in plan_delay_notices(day, estimates, business.delay_notice_threshold_minutes):
        booking = by_id[notice.booking_id]
        booking.told_estimate_utc = None if notice.all_clear else from_epoch(notice.estimate)
        planned.append((booking, from_epoch(notice.estimate), notice.all_clear))
    notified = queue_delay_notices(planned, now)
    db.session.flush()
    # Plain values: the caller commits, and expired ORM rows would be reloaded one by one.
    affected = [(i, from_epoch(e)) for i, e in estimates.items() if e != epoch(by_id[i].start_utc)
                or by_id[i].told_estimate_utc is not None]
    return DelayResult(affected=affected, notified=notified)


def staff_today(business: Business, staff: Staff, now: datetime) -> date:
    """The staff member's local day, the one report_delay records the delay for."""
    return now.astimezone(zone(staff.timezone or business.timezone)).date()


def current_delays(business: Business, staff: list[Staff], now: datetime) -> dict[int, int]:
    """Minutes each staff member runs late today, as last reported (0 when nothing was)."""
    days = {member.id: staff_today(business, member, now) for member in staff}
    rows = db.session.scalars(select(StaffDelay).where(StaffDelay.staff_id.in_(days),
                                                       StaffDelay.day.in_(set(days.values()))))
    found = {row.staff_id: row.minutes for row in rows if days.get(row.staff_id) == row.day}
    return {member.id: found.get(member.id, 0) for member in staff}
