"""Reports: the rows of one business and period, read in a handful of queries.

Six queries whatever the period's length: the bookings (with service, staff and customer
joined), the counts kept of cancelled bookings the retention job purged, the staff members,
and their weekly hours, date overrides and time off. The figures are computed from these
plain rows by the pure `booking.reports` modules.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select

from booking.extensions import db
from booking.models import Booking, Business, Customer, PurgedCancellation, Service, Staff
from booking.operations.availability import from_epoch, load_working_windows
from booking.reports.figures import Figures, PurgedCancellations, ReportBooking, StaffWindows, compute_figures
from booking.reports.periods import Period
from booking.timezones import zone


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


def report_purged(business: Business, period: Period) -> list[PurgedCancellations]:
    """The purged cancelled bookings of the business starting in the period, summed per start,
    source and staff member."""
    start, end = (from_epoch(moment) for moment in period.bounds(zone(business.timezone)))
    keys = (PurgedCancellation.start_utc, PurgedCancellation.source, PurgedCancellation.staff_id)
    query = (select(*keys, func.sum(PurgedCancellation.count))
             .where(PurgedCancellation.business_id == business.id, PurgedCancellation.start_utc >= start,
                    PurgedCancellation.start_utc < end)
             .group_by(*keys).order_by(*keys))
    return [PurgedCancellations(start_utc=row[0], source=row[1], staff_id=row[2], count=int(row[3]))
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
    start, end = (from_epoch(moment) for moment in period.bounds(zone(business.timezone)))
    windows = load_working_windows(business, staff, start, end)
    return [StaffWindows(staff_id=member.id, name=member.name, windows=windows[member.id]) for member in staff]


def build_report(business: Business, period: Period) -> tuple[Figures, list[ReportBooking]]:
    """The figures of the period and the bookings they were computed from."""
    bookings, purged = report_bookings(business, period), report_purged(business, period)
    staff = report_staff(business, sorted({row.staff_id for row in (*bookings, *purged)}))
    figures = compute_figures(period, zone(business.timezone), bookings, staff_windows(business, staff, period),
                              purged)
    return figures, bookings
