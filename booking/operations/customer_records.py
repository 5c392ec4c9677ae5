"""The practice's customer records: the searchable list, one customer's history, and edits by staff.

Erased customers (booking.operations.privacy) keep their row so statistics stay whole, but they
are no longer anybody: the list hides them and they cannot be edited.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from booking.errors import Conflict, InvalidInput, NotFound
from booking.extensions import db
from booking.models import Booking, Business, Customer, Notification
from booking.operations.customers import find_customers, normalized_email

PER_PAGE = 50
# A search is found through operations.customers.find_customers, best matches first; its deeper
# pages cost more rows each, and nobody pages through thousands of matches.
MAX_SEARCH_PAGE = 100


@dataclass(frozen=True)
class CustomerPage:
    """One page of the customer list; `total` is known when browsing, not when searching."""

    customers: list[Customer]
    number: int
    per_page: int
    has_next: bool
    total: int | None = None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class BookingCounts:
    bookings: int
    completed: int
    cancelled: int
    no_shows: int
    excused_no_shows: int  # of `no_shows`, those the practice excused


@dataclass(frozen=True)
class CustomerHistory:
    bookings: list[Booking]  # every booking, newest start first
    counts: BookingCounts
    messages: list[Notification]  # every message planned for their bookings, newest first


@dataclass(frozen=True)
class CustomerChanges:
    """What staff may change on a customer record (already validated by the form)."""

    name: str
    email: str | None  # None: no address (a walk-in); unique within the business when given
    phone: str | None
    preferred_channel: str
    notes: str | None
    locale: str | None  # None: the business's language
    consent_given: bool  # staff ticked "the customer agreed"


def get_customer(business: Business, customer_id: int) -> Customer:
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id,
                                                        Customer.business_id == business.id))
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def _search_page(business: Business, text: str, page: int, per_page: int) -> CustomerPage:
    page = min(page, MAX_SEARCH_PAGE)
    found = find_customers(business, text, limit=page * per_page + 1)
    return CustomerPage(customers=found[(page - 1) * per_page:page * per_page], number=page, per_page=per_page,
                        has_next=len(found) > page * per_page and page < MAX_SEARCH_PAGE)


def _browse_page(business: Business, page: int, per_page: int) -> CustomerPage:
    live = select(Customer).where(Customer.business_id == business.id, Customer.erased_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(live.subquery())) or 0
    page = min(page, max(1, math.ceil(total / per_page)))
    customers = list(db.session.scalars(live.order_by(func.lower(Customer.name), Customer.id)
                                        .offset((page - 1) * per_page).limit(per_page)))
    return CustomerPage(customers=customers, number=page, per_page=per_page,
                        has_next=page * per_page < total, total=total)


def list_customers(business: Business, text: str = "", page: int = 1, per_page: int = PER_PAGE) -> CustomerPage:
    """One page of the business's customers, erased ones hidden: all of them by name, or those
    matching `text` (name, email, part of the phone number) with names starting with it first."""
    page = max(1, page)
    if text.strip():
        return _search_page(business, text, page, per_page)
    return _browse_page(business, page, per_page)


def count_bookings(bookings: list[Booking]) -> BookingCounts:
    no_shows = [booking for booking in bookings if booking.status == "no_show"]
    return BookingCounts(bookings=len(bookings),
                         completed=sum(1 for booking in bookings if booking.status == "completed"),
                         cancelled=sum(1 for booking in bookings if booking.status == "cancelled"),
                         no_shows=len(no_shows),
                         excused_no_shows=sum(1 for booking in no_shows if booking.no_show_excused))


def customer_history(business: Business, customer: Customer) -> CustomerHistory:
    """Every booking of the customer, past and future, and every message meant for them."""
    bookings = list(db.session.scalars(
        select(Booking).where(Booking.business_id == business.id, Booking.customer_id == customer.id)
        .options(joinedload(Booking.service), joinedload(Booking.staff))
        .order_by(Booking.start_utc.desc(), Booking.id.desc())))
    messages = list(db.session.scalars(
        select(Notification).join(Booking, Booking.id == Notification.booking_id)
        .where(Notification.business_id == business.id, Booking.business_id == business.id,
               Booking.customer_id == customer.id)
        .order_by(Notification.due_at.desc(), Notification.id.desc())))
    return CustomerHistory(bookings=bookings, counts=count_bookings(bookings), messages=messages)


def _email_taken(business: Business, email: str, customer_id: int) -> bool:
    return db.session.scalar(select(Customer.id).where(Customer.business_id == business.id,
                                                       Customer.email == email, Customer.id != customer_id)) is not None


def update_customer(business: Business, customer: Customer, changes: CustomerChanges, now: datetime) -> Customer:
    """Apply staff's edit (flush only). InvalidInput on `email` when another customer of the
    business has that address; Conflict for an erased customer, who is nobody any more."""
    if customer.erased_at is not None:
        raise Conflict("This customer's data was erased.")
    email = normalized_email(changes.email)
    if email is not None and _email_taken(business, email, customer.id):
        raise InvalidInput({"email": "another customer has this email address"})
    customer.name, customer.phone, customer.notes = changes.name, changes.phone, changes.notes
    customer.preferred_channel, customer.locale = changes.preferred_channel, changes.locale
    if changes.consent_given and customer.consent_at is None:
        customer.consent_at, customer.consent_source = now, "staff"
    db.session.flush()
    try:  # the unique constraint decides when two edits race for the same address
        with db.session.begin_nested():
            customer.email = email
    except IntegrityError as exc:
        raise InvalidInput({"email": "another customer has this email address"}) from exc
    return customer
