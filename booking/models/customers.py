"""Customers of one business, found again by email; staff may enter one without an email address."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import db
from booking.models.base import UTCDateTime

CHANNELS = ("email", "sms", "none")


class Customer(db.Model):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("business_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased; None for a walk-in or phone customer entered by staff without one. Unique
    # per business when given (NULLs are distinct on PostgreSQL and SQLite).
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    preferred_channel: Mapped[str] = mapped_column(String(8), default="email")
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)  # None: the business's
    # When and how the customer agreed to their data being kept and to messages (GDPR art. 7).
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consent_source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # online, staff
    # Erased on request: personal data replaced, the row kept so statistics stay whole.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
