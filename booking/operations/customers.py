"""Customers, found again by email within one business."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.extensions import db
from booking.models import Business, Customer


@dataclass(frozen=True)
class CustomerDetails:
    name: str
    email: str
    phone: str | None = None
    preferred_channel: str | None = None
    locale: str | None = None  # the language they booked in; messages use it


def find_or_create_customer(business: Business, details: CustomerDetails, now: datetime) -> Customer:
    """The business's customer with this email, updated with what they just told us, or a new one."""
    email = details.email.strip().lower()
    customer = db.session.scalar(select(Customer).where(Customer.business_id == business.id,
                                                        Customer.email == email))
    if customer is None:
        customer = Customer(business_id=business.id, email=email, name=details.name, created_at=now,
                            preferred_channel=details.preferred_channel or "email", phone=details.phone,
                            locale=details.locale)
        try:
            with db.session.begin_nested():
                db.session.add(customer)
        except IntegrityError:  # the same person booked twice at once: use the first row
            return find_or_create_customer(business, details, now)
        return customer
    customer.name = details.name
    if details.phone:
        customer.phone = details.phone
    if details.preferred_channel:
        customer.preferred_channel = details.preferred_channel
    if details.locale:
        customer.locale = details.locale
    return customer
