"""Bookings: create, move, cancel, status changes. Every write re-checks under a lock."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from booking.credentials import derived_token, digest, server_keys
from booking.errors import N_, Conflict, NotFound, SlotUnavailable
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, Business, Service, Staff
from booking.notify.outbox import plan_booking_created
from booking.operations.audit import record_booking_event
from booking.operations.availability import (
    available_slots,
    booking_window,
    epoch,
    load_staff_inputs,
    nearest_alternatives,
    service_rules,
)
from booking.operations.customers import CustomerDetails, describes_customer, find_or_create_customer
from booking.operations.services import get_service
from booking.operations.staff import get_staff
from booking.slots.engine import Slot, find_slots
from booking.timezones import zone

ONE_SECOND = timedelta(seconds=1)
# PostgreSQL: exclusion_violation, deadlock_detected, serialization_failure all mean "lost the race".
RACE_SQLSTATES = {"23P01", "40P01", "40001"}


@dataclass(frozen=True)
class BookingRequest:
    service_id: int
    staff_id: int | None
    start: datetime
    customer: CustomerDetails
    notes: str | None = None
    idempotency_key: str | None = None
    source: str = "online"
    # Staff only: a start outside the offered times (working hours, time off, grid) is accepted
    # once someone confirmed it; overlaps, capacity and busy blocks still refuse it.
    outside_hours_ok: bool = False


class OutsideWorkingHours(SlotUnavailable):
    """The time is free but not an offered slot: staff may book it after confirming.

    A SlotUnavailable (409 slot_unavailable with alternatives) wherever nobody asks to confirm.
    """

    default_message = N_("This time is outside the offered times.")

    def __init__(self, alternatives: list | None = None, staff_ids: tuple[int, ...] = ()) -> None:
        super().__init__(alternatives)
        self.staff_ids = staff_ids  # who is free then (outside their hours)


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    manage_token: str
    created: bool


def manage_token_for(booking: Booking) -> str:
    """The booking's manage token, derived from its UID with the server secret (the fallback key
    it was made under, after a rotation, so links in later messages keep working).

    Only its digest is stored, yet an idempotent replay can hand the same link out again.
    """
    return derived_token(server_keys(current_app.config), f"manage:{booking.uid}", booking.manage_token_hash)


def get_booking(business: Business, booking_id: int) -> Booking:
    booking = db.session.scalar(select(Booking).where(Booking.id == booking_id,
                                                      Booking.business_id == business.id))
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def get_booking_by_token(token: str) -> Booking:
    booking = db.session.scalar(select(Booking).where(Booking.manage_token_hash == digest(token)))
    if booking is None:
        raise NotFound("No booking for this link.")
    return booking


def list_bookings(business: Business, start: datetime | None, end: datetime | None,
                  staff_id: int | None = None, status: str | None = None) -> list[Booking]:
    query = select(Booking).where(Booking.business_id == business.id)
    if start is not None:
        query = query.where(Booking.end_utc > start)
    if end is not None:
        query = query.where(Booking.start_utc < end)
    if staff_id is not None:
        query = query.where(Booking.staff_id == staff_id)
    if status is not None:
        query = query.where(Booking.status == status)
    return list(db.session.scalars(query.order_by(Booking.start_utc, Booking.id)))


def lock_staff(staff_ids: list[int]) -> None:
    """Serialize booking writes per staff member: a row lock on PostgreSQL (taken in id order,
    so two writers never deadlock), and a write that SQLite's BEGIN IMMEDIATE already orders."""
    for staff_id in sorted(set(staff_ids)):
        db.session.execute(update(Staff).where(Staff.id == staff_id)
                           .values(lock_version=Staff.lock_version + 1))


def staff_offering(service: Service, staff_id: int | None, business: Business) -> list[Staff]:
    offering = [member for member in service.staff if member.active]
    if staff_id is None:
        return offering
    member = get_staff(business, staff_id)
    if member not in offering:
        raise SlotUnavailable([], message=N_("This staff member does not offer this service."))
    return [member]


def slots_at(business: Business, service: Service, staff: list[Staff], start: datetime, now: datetime,
             source: str, exclude_booking_id: int | None = None) -> list[Slot]:
    """The slot that starts exactly at `start`, if bookable. The grid has no fractions of a second
    (and the engine counts whole seconds), so 09:00:00.5 is never a start."""
    if start.microsecond:
        return []
    return available_slots(business, service, staff, start, start + ONE_SECOND, now, source,
                           exclude_booking_id=exclude_booking_id)


def _find_by_idempotency_key(business: Business, key: str | None) -> Booking | None:
    if not key:
        return None
    return db.session.scalar(select(Booking).where(Booking.business_id == business.id,
                                                   Booking.idempotency_key == key))


def _replay(existing: Booking, req: BookingRequest) -> BookingResult:
    same = (existing.service_id == req.service_id and existing.start_utc == req.start
            and describes_customer(existing.customer, req.customer))
    if not same:
        raise Conflict("This idempotency key was already used for a different booking.")
    return BookingResult(existing, manage_token_for(existing), created=False)


def _pick_staff(business: Business, staff_ids: tuple[int, ...], start: datetime) -> int:
    """Of the staff free at `start`, the one with the fewest bookings that local day (then lowest id)."""
    tz = zone(business.timezone)
    local_day = start.astimezone(tz).date()
    day_start = datetime.combine(local_day, datetime.min.time(), tz)
    day_end = datetime.combine(local_day + timedelta(days=1), datetime.min.time(), tz)
    counts = dict(db.session.execute(
        select(Booking.staff_id, func.count()).where(Booking.staff_id.in_(staff_ids),
                                                     Booking.status.in_(ACTIVE_STATUSES),
                                                     Booking.start_utc >= day_start, Booking.start_utc < day_end)
        .group_by(Booking.staff_id)).all())
    return min(staff_ids, key=lambda staff_id: (counts.get(staff_id, 0), staff_id))


def _uid() -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"booking-{uuid.uuid4().hex}@{host}"


def flush_or_lose(business: Business, service: Service, staff: list[Staff], start: datetime,
                   now: datetime, source: str, exclude_booking_id: int | None = None) -> None:
    """Flush; the database refusing an overlap means this request lost a race.

    The refused INSERT/UPDATE aborts the whole transaction (a savepoint would not help:
    begin_nested() flushes pending rows before it emits SAVEPOINT), so roll back and look
    the alternatives up in a fresh transaction, which also sees the winner's booking.
    """
    try:
        db.session.flush()
    except (IntegrityError, DBAPIError) as exc:
        state = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if state not in RACE_SQLSTATES:
            raise
        db.session.rollback()
        raise SlotUnavailable(nearest_alternatives(business, service, staff, start, now, source,
                                                   exclude_booking_id=exclude_booking_id)) from exc


def create_booking(business: Business, req: BookingRequest, now: datetime, actor: str) -> BookingResult:
    """Book `req.start`, or raise SlotUnavailable with the nearest alternatives."""
    service = get_service(business, req.service_id)
    existing = _find_by_idempotency_key(business, req.idempotency_key)
    if existing is not None:
        return _replay(existing, req)
    staff = staff_offering(service, req.staff_id, business)
    lock_staff([member.id for member in staff])
    # A twin request holding the lock before us may have committed the same key meanwhile.
    existing = _find_by_idempotency_key(business, req.idempotency_key)
    if existing is not None:
        return _replay(existing, req)
    slots = slots_at(business, service, staff, req.start, now, req.source)
    outside_hours = not slots
    if outside_hours:
        slots = _confirmed_outside_hours(business, service, staff, req, now)
    booking = _new_booking(business, service, req, _pick_staff(business, slots[0].staff_ids, req.start), now)
    flush_or_lose(business, service, staff, req.start, now, req.source)
    extra = {"outside_hours": True} if outside_hours else {}
    record_booking_event(booking, actor, "created", now, start=req.start.isoformat(),
                         staff_id=booking.staff_id, source=req.source, **extra)
    plan_booking_created(booking, now)
    return BookingResult(booking, manage_token_for(booking), created=True)


def _confirmed_outside_hours(business: Business, service: Service, staff: list[Staff], req: BookingRequest,
                             now: datetime) -> list[Slot]:
    """The slot at a start that is not offered, when staff confirmed it and nothing else is in the way.

    Otherwise SlotUnavailable, or OutsideWorkingHours when only a confirmation is missing.
    """
    free = slots_outside_hours(business, service, staff, req.start, now) if req.source == "staff" else []
    if free and req.outside_hours_ok:
        return free
    alternatives = nearest_alternatives(business, service, staff, req.start, now, req.source)
    if free:
        raise OutsideWorkingHours(alternatives, free[0].staff_ids)
    raise SlotUnavailable(alternatives)


def slots_outside_hours(business: Business, service: Service, staff: list[Staff], start: datetime,
                        now: datetime) -> list[Slot]:
    """The slot at `start` as if these staff members worked exactly then.

    Only the working-window and grid rules are lifted: the engine still refuses overlaps with
    other bookings and busy blocks (buffers included), full groups, and starts outside the
    staff booking window.
    """
    if start.microsecond:
        return []
    reach = timedelta(minutes=service.duration_minutes + service.buffer_before_minutes
                      + service.buffer_after_minutes)
    inputs = load_staff_inputs(business, staff, start, start + ONE_SECOND, reach=reach)
    at = epoch(start)
    window = ((at, at + service.duration_minutes * 60),)
    earliest, latest = booking_window(business, now, "staff")
    return find_slots(service_rules(service), [replace(member, windows=window) for member in inputs],
                      at, at + 1, earliest, latest)


def _new_booking(business: Business, service: Service, req: BookingRequest, staff_id: int,
                 now: datetime) -> Booking:
    customer = find_or_create_customer(business, req.customer, now, req.source)
    booking = Booking(business_id=business.id, service_id=service.id, staff_id=staff_id,
                      customer_id=customer.id, status="confirmed", source=req.source,
                      is_group=service.capacity > 1, notes=req.notes, uid=_uid(), sequence=0,
                      idempotency_key=req.idempotency_key, created_at=now, updated_at=now)
    place_booking(booking, service, req.start)
    booking.manage_token_hash = digest(manage_token_for(booking))
    db.session.add(booking)
    return booking


def place_booking(booking: Booking, service: Service, start: datetime) -> None:
    booking.start_utc = start
    booking.end_utc = start + timedelta(minutes=service.duration_minutes)
    booking.block_start_utc = start - timedelta(minutes=service.buffer_before_minutes)
    booking.block_end_utc = booking.end_utc + timedelta(minutes=service.buffer_after_minutes)

