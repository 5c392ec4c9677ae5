"""Data retention: personal data goes once a customer has been away for the business's period.

Each business sets `retention_months` (default 24). The daily job (booking.jobs) does, per
business, with the cutoff = now minus that many calendar months (in UTC):

(a) Customers whose last booking started before the cutoff (or who never booked and were entered
    before it), and who are not erased yet, are erased exactly as an owner's erasure request does
    (booking.operations.privacy.erase_customer): name, addresses, notes and free text go, the
    booking rows stay with the anonymised customer, so every report keeps its figures. A customer
    with any booking starting after the cutoff (one still to come included) is left alone.

(b) Cancelled bookings that started before the cutoff are deleted: a cancelled appointment is no
    business record worth keeping, and its row still ties a person to a time and a place.

Why reports stay identical after (b): in the figures (booking.reports.figures) a cancelled
booking counts only through its start (which period, which week) and its source (online or
staff): in all bookings, the cancelled status and rate, the source shares and the weekly bars;
utilisation, no-shows and the heat map read active bookings only. Its staff member matters in
one place: a deactivated colleague is listed in a period where they had bookings, cancelled ones
included. So before deleting, the job keeps exactly that and nothing more: PurgedCancellation
rows of (start instant, source, staff member, count), with no customer, service or notes.
Reports add them in. The exact start instant, not a local day or month, is kept so that any
period in any time zone (the business may change its zone later) finds them on the same side
of its bounds as the bookings they replace. Rejected alternatives: stripping the booking rows
down would keep a customer reference (the column is required) and every reader of bookings
would have to learn to skip them; per-month aggregates cannot answer a report for any other
period. The CSV export lists bookings, so purged ones are no longer in it; the report page
says how many of its cancellations were purged.

Deleting a booking cascades (ON DELETE CASCADE, in both databases) to its audit trail, its
outbox rows, its feedback and its calendar conflicts. A booking whose message a dispatcher is
sending right now (a live lease) is left for the next run, so an outbox claim never loses its
row mid-send; a dispatcher that finds its row gone treats it as taken over (booking.notify.dispatch).

Several workers may run the job at once: each business is claimed with a row lock (SKIP LOCKED
on PostgreSQL; on SQLite writers are serialized anyway), the deletion only tallies the rows its
own DELETE ... RETURNING removed, and a second run finds nothing left to do.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, delete, exists, select

from booking.extensions import db
from booking.models import Booking, Business, Customer, Notification, PurgedCancellation
from booking.operations.privacy import erase_customer

ACTOR = "system"
BATCH = 200
"""Customers erased per transaction: a first run on an old database stays a series of short ones."""


@dataclass(frozen=True)
class RetentionResult:
    anonymised: int
    purged: int
    more: bool  # customers were left for another batch


def retention_cutoff(now: datetime, months: int) -> datetime:
    """``now`` minus ``months`` calendar months (the end of a shorter month clamps: 31 Mar - 1 -> 28/29 Feb)."""
    return now - relativedelta(months=months)


def tally_starts(rows: Iterable[tuple[datetime, str, int]]) -> list[tuple[datetime, str, int, int]]:
    """``(start, source, staff_id, count)`` per distinct ``(start, source, staff_id)`` of the
    deleted rows, in that order."""
    counts = Counter(rows)
    return [(*key, counts[key]) for key in sorted(counts)]


def business_ids() -> list[int]:
    return list(db.session.scalars(select(Business.id).order_by(Business.id)))


def claim_business(business_id: int) -> Business | None:
    """The business, row-locked for this transaction; None while another worker holds it.

    FOR NO KEY UPDATE (key_share): unlike FOR UPDATE it does not hold up the inserts of bookings
    and customers, whose foreign keys only take a key-share lock on the business row."""
    query = (select(Business).where(Business.id == business_id)
             .with_for_update(skip_locked=True, key_share=True).execution_options(populate_existing=True))
    return db.session.scalar(query)


def stale_customers(business: Business, cutoff: datetime, limit: int) -> list[Customer]:
    """Customers not erased yet, entered before the cutoff, with no booking starting at or after it."""
    recent = exists().where(Booking.customer_id == Customer.id, Booking.business_id == business.id,
                            Booking.start_utc >= cutoff)
    query = (select(Customer).where(Customer.business_id == business.id, Customer.erased_at.is_(None),
                                    Customer.created_at < cutoff, ~recent)
             .order_by(Customer.id).limit(limit))
    return list(db.session.scalars(query))


def purge_cancelled(business: Business, cutoff: datetime, now: datetime) -> int:
    """Delete the cancelled bookings that started before the cutoff, keeping their counts (flush only)."""
    in_flight = exists().where(Notification.booking_id == Booking.id, Notification.status == "sending",
                               Notification.lease_expires_at >= now)
    statement = (delete(Booking).where(and_(Booking.business_id == business.id, Booking.status == "cancelled",
                                            Booking.start_utc < cutoff, ~in_flight))
                 .returning(Booking.start_utc, Booking.source, Booking.staff_id)
                 .execution_options(synchronize_session=False))
    deleted = [(row[0], row[1], row[2]) for row in db.session.execute(statement)]
    db.session.add_all(PurgedCancellation(business_id=business.id, start_utc=start, source=source, staff_id=staff_id,
                                          count=count, purged_at=now)
                       for start, source, staff_id, count in tally_starts(deleted))
    db.session.flush()
    return len(deleted)


def apply_retention(business: Business, now: datetime, limit: int | None = None) -> RetentionResult:
    """One batch of the business's retention (flush only; the caller commits): erase up to
    ``limit`` (default BATCH) stale customers, then purge old cancelled bookings."""
    limit = limit or BATCH
    cutoff = retention_cutoff(now, business.retention_months)
    customers = stale_customers(business, cutoff, limit)
    for customer in customers:
        erase_customer(business, customer, now, ACTOR)
    purged = purge_cancelled(business, cutoff, now)
    return RetentionResult(anonymised=len(customers), purged=purged, more=len(customers) == limit)
