"""Customers, found again by email within one business, and searched by name, email or phone.

Staff may enter a walk-in or phone customer without an email address: such a customer is
always a new record (nothing identifies them safely), and a phone number that is already on
file is offered to staff to choose instead (`customers_with_phone`) rather than merged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from booking.errors import NotFound
from booking.extensions import db
from booking.models import Business, Customer


@dataclass(frozen=True)
class CustomerDetails:
    """Who a booking is for: an existing customer staff picked (`customer_id`), or what the
    customer told us. `email` is None only for customers entered by staff."""

    name: str
    email: str | None
    phone: str | None = None
    preferred_channel: str | None = None
    locale: str | None = None  # the language they booked in; messages use it
    customer_id: int | None = None  # staff picked this customer of the business: book for them as they are


def normalized_email(email: str | None) -> str | None:
    """The address as stored (trimmed, lower-cased), or None when there is none."""
    email = (email or "").strip().lower()
    return email or None


def _record_online_consent(customer: Customer, source: str | None, now: datetime) -> None:
    # Booking online is when customers agree to their data being kept (GDPR art. 7): the first
    # time counts; staff record consent given at the desk on the customer page instead.
    if source == "online" and customer.consent_at is None:
        customer.consent_at, customer.consent_source = now, "online"


def _chosen_customer(business: Business, customer_id: int) -> Customer:
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id,
                                                        Customer.business_id == business.id,
                                                        Customer.erased_at.is_(None)))
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def _new_customer(business: Business, details: CustomerDetails, email: str | None, now: datetime,
                  source: str | None) -> Customer | None:
    """A new customer row (flushed), or None when a concurrent booking created this email first."""
    customer = Customer(business_id=business.id, email=email, name=details.name, created_at=now,
                        preferred_channel=details.preferred_channel or ("email" if email else "none"),
                        phone=details.phone, locale=details.locale)
    _record_online_consent(customer, source, now)
    try:
        with db.session.begin_nested():
            db.session.add(customer)
    except IntegrityError:
        if email is None:  # only the email is unique: this is some other fault
            raise
        return None
    return customer


def find_or_create_customer(business: Business, details: CustomerDetails, now: datetime,
                            source: str | None = None) -> Customer:
    """The customer staff picked (`details.customer_id`, unchanged; NotFound if not a live customer
    of `business`), the business's customer with this email updated with what they just told us,
    or a new one. Without an email always a new one: customers are never merged by a missing
    address. A booking `source` of "online" records their consent if none is recorded yet."""
    if details.customer_id is not None:
        return _chosen_customer(business, details.customer_id)
    email = normalized_email(details.email)
    customer = None if email is None else db.session.scalar(
        select(Customer).where(Customer.business_id == business.id, Customer.email == email))
    if customer is None:
        created = _new_customer(business, details, email, now, source)
        # None: the same person booked twice at once; the retry finds and uses the first row.
        return created or find_or_create_customer(business, details, now, source)
    customer.name = details.name
    if details.phone:
        customer.phone = details.phone
    if details.preferred_channel:
        customer.preferred_channel = details.preferred_channel
    if details.locale:
        customer.locale = details.locale
    _record_online_consent(customer, source, now)
    return customer


def describes_customer(customer: Customer, details: CustomerDetails) -> bool:
    """Whether `details` name this very customer (a replayed booking request must be the same)."""
    if details.customer_id is not None:
        return customer.id == details.customer_id
    email = normalized_email(details.email)
    if email is not None:
        return customer.email == email
    return customer.email is None and (customer.name, customer.phone) == (details.name, details.phone)


# What people type between the digits of a phone number: "+49 (30) 123-45.67 / 8".
PHONE_FORMATTING = " -+()./"
PHONE_LIKE = re.compile(r"[\d\s\-+()./]+")
MIN_PHONE_DIGITS = 3


def _phone_digits(column: ColumnElement[str]) -> ColumnElement[str]:
    """The column with its formatting characters removed, in SQL (PostgreSQL and SQLite alike)."""
    for character in PHONE_FORMATTING:
        column = func.replace(column, character, "")
    return column


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone_condition(text: str) -> ColumnElement[bool] | None:
    """A query made only of digits and formatting matches a part of the stored number.

    A leading 0 (the trunk prefix of "030 1234") is dropped, so it also finds "+49 30 1234".
    """
    if not PHONE_LIKE.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    national = digits.lstrip("0")
    needle = national if len(national) >= MIN_PHONE_DIGITS else digits
    return _phone_digits(func.coalesce(Customer.phone, "")).like(_like_pattern(needle), escape="\\")


def _words_condition(text: str) -> ColumnElement[bool]:
    """Every word of the query appears in the name or the email ("anna mül" finds "Anna Müller")."""
    return and_(*(or_(Customer.name.ilike(_like_pattern(word), escape="\\"),
                      func.coalesce(Customer.email, "").ilike(_like_pattern(word), escape="\\"))
                  for word in text.split()))


def find_customers(business: Business, text: str, limit: int = 10) -> list[Customer]:
    """Customers of `business` whose name, email or phone number matches `text`, at most `limit`.

    Case-insensitive parts of name and email (each word must match); a query of digits and
    phone formatting matches any part of the number whatever its spaces, dashes or "+".
    Erased customers are never found. Names starting with the query come first, then by name.
    An empty query finds nobody.
    """
    text = " ".join((text or "").replace("\x00", "").split())[:200]
    if not text:
        return []
    condition = _phone_condition(text)
    words = _words_condition(text)
    matches = words if condition is None else or_(condition, words)
    starts_with = Customer.name.ilike(_like_pattern(text)[1:], escape="\\")
    query = (select(Customer).where(Customer.business_id == business.id, Customer.erased_at.is_(None), matches)
             .order_by(starts_with.desc(), func.lower(Customer.name), Customer.id).limit(limit))
    return list(db.session.scalars(query))


def customers_with_phone(business: Business, phone: str | None, limit: int = 10) -> list[Customer]:
    """Live customers of `business` whose phone number has exactly the digits of `phone`
    (spaces, dashes, "+" and brackets aside), by name; nobody for fewer than three digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < MIN_PHONE_DIGITS:
        return []
    query = (select(Customer).where(Customer.business_id == business.id, Customer.erased_at.is_(None),
                                    _phone_digits(func.coalesce(Customer.phone, "")) == digits)
             .order_by(func.lower(Customer.name), Customer.id).limit(limit))
    return list(db.session.scalars(query))
