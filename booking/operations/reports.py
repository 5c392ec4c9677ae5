"""Reports: the rows of one business and period, read in a handful of queries.

Five queries whatever the period's length: the bookings (with service, staff and customer
joined), the staff members, and their weekly hours, date overrides and time off. The
figures are computed from these plain rows by the pure `booking.reports` modules.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select

from booking.extensions import db
from booking.models import Booking, Business, Customer, DateOverride, Service, Staff, TimeOff, WeeklyHours
from booking.operations.availability import epoch, from_epoch
from booking.reports.figures import Figures, ReportBooking, StaffWindows, compute_figures
from booking.reports.periods import Period
from booking.slots.rules import working_windows
from booking.timezones import zone

# Windows are built per local day of each staff member's zone: a margin of two days covers
# any difference between their zone and the business's.
MARGIN = timedelta(days=2)


def report_bookings(business: Business, period: Period) -> list[ReportBooking]:
    """Every booking of the business starting in the period (local dates in its zone),
    cancelled ones included, in order of start."""
    start, end = (from_epoch(moment) for moment in period.bounds(zone(business.timezone)))
    query = (select(Booking.id, Booking.staff_id, Booking.start_utc, Booking.end_utc, Booking.status,
                    Booking.no_show_excused, Booking.source, Service.name, Staff.name, Customer.name,
                    Customer.email, Service.price)
             .join(Service, Service.id == Booking.service_id)
             .join(Staff, Staff.id == Booking.staff_id)
             .join(Customer, Customer.id == Booking.customer_id)
             .where(Booking.business_id == business.id, Booking.start_utc >= start, Booking.start_utc < end)
             .order_by(Booking.start_utc, Booking.id))
    return [ReportBooking(id=row[0], staff_id=row[1], start_utc=row[2], end_utc=row[3], status=row[4],
                          no_show_excused=bool(row[5]), source=row[6], service_name=row[7], staff_name=row[8],
                          customer_name=row[9], customer_email=row[10], price=row[11])
            for row in db.session.execute(query)]


def report_staff(business: Business, booked_staff_ids: Sequence[int]) -> list[Staff]:
    """Active staff members, and deactivated ones who still have bookings in the period."""
    query = (select(Staff).where(Staff.business_id == business.id,
                                 or_(Staff.active.is_(True), Staff.id.in_(list(booked_staff_ids))))
             .order_by(Staff.name, Staff.id))
    return list(db.session.scalars(query))


def staff_windows(business: Business, staff: Sequence[Staff], period: Period) -> list[StaffWindows]:
    """Each staff member's working windows around the period, exactly as the slot engine
    builds them (weekly hours, replaced by date overrides, minus time off; DST-correct)."""
    start, end = period.bounds(zone(business.timezone))
    lo, hi = from_epoch(start) - MARGIN, from_epoch(end) + MARGIN
    ids = [member.id for member in staff]
    weekly: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for staff_id, weekday, first, last in db.session.execute(
            select(WeeklyHours.staff_id, WeeklyHours.weekday, WeeklyHours.start_minute, WeeklyHours.end_minute)
            .where(WeeklyHours.staff_id.in_(ids))):
        weekly[staff_id][weekday].append((first, last))
    overrides: dict[int, dict] = defaultdict(dict)
    for staff_id, day, ranges in db.session.execute(
            select(DateOverride.staff_id, DateOverride.day, DateOverride.ranges)
            .where(DateOverride.staff_id.in_(ids), DateOverride.day >= lo.date(), DateOverride.day <= hi.date())):
        overrides[staff_id][day] = [tuple(r) for r in ranges]
    time_off: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for staff_id, first, last in db.session.execute(
            select(TimeOff.staff_id, TimeOff.start_utc, TimeOff.end_utc)
            .where(TimeOff.staff_id.in_(ids), TimeOff.start_utc < hi, TimeOff.end_utc > lo)):
        time_off[staff_id].append((epoch(first), epoch(last)))
    return [StaffWindows(staff_id=member.id, name=member.name,
                         windows=working_windows(weekly[member.id], overrides[member.id], time_off[member.id],
                                                 zone(member.timezone or business.timezone), start, end))
            for member in staff]


def build_report(business: Business, period: Period) -> tuple[Figures, list[ReportBooking]]:
    """The figures of the period and the bookings they were computed from."""
    bookings = report_bookings(business, period)
    staff = report_staff(business, sorted({booking.staff_id for booking in bookings}))
    figures = compute_figures(period, zone(business.timezone), bookings, staff_windows(business, staff, period))
    return figures, bookings
