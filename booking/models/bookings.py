"""Bookings and their audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from booking.extensions import db
from booking.models.base import UTCDateTime
from booking.models.catalog import Service
from booking.models.customers import Customer
from booking.models.staff import Staff
from booking.models.tenancy import Business

STATUSES = ("confirmed", "arrived", "completed", "no_show", "cancelled")
ACTIVE_STATUSES = ("confirmed", "arrived", "completed", "no_show")
SOURCES = ("online", "staff")


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("business_id", "idempotency_key"),
        Index("ix_bookings_staff_block", "staff_id", "block_start_utc", "block_end_utc"),
        Index("ix_bookings_business_start", "business_id", "start_utc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    # A no-show the practice excused (illness called in late): kept apart in no-show counts.
    no_show_excused: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="online")
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    # The range the booking keeps the staff member busy: its own buffers included.
    block_start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    block_end_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    # Group (capacity > 1) bookings share a start, so the exclusion constraint skips them.
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    estimated_start_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The estimate this customer was last told in a delay notice (None: never, or all-clear).
    told_estimate_utc: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    business: Mapped[Business] = relationship()
    service: Mapped[Service] = relationship()
    staff: Mapped[Staff] = relationship()
    customer: Mapped[Customer] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status != "cancelled"


def overlap_clause(start: datetime, end: datetime) -> ColumnElement[bool]:
    """SQL twin of `slots.intervals.overlaps` on the blocked range: half-open, touching is free."""
    return and_(Booking.block_start_utc < end, Booking.block_end_utc > start)


class BookingEvent(db.Model):
    """Audit trail: who changed which booking, when, and how."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    at_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))  # "customer", "user:3", "api_key:2", "system"
    action: Mapped[str] = mapped_column(String(32))  # created, moved, status, cancelled
    details: Mapped[dict] = mapped_column(JSON, default=dict)
