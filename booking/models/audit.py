"""The audit trail of owner and staff changes outside bookings (settings, logins, API keys,
staff, schedules, services, customers, calendars). Booking changes have their own trail,
BookingEvent, written with the booking."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import db
from booking.models.base import UTCDateTime


class AuditEntry(db.Model):
    """Who changed what in a business, and when. The actor is a login account or an API key;
    `actor_display` keeps the name they had then, so the entry reads the same after a rename."""

    __tablename__ = "audit_entries"
    # The settings page lists a business's entries newest first, a page at a time.
    __table_args__ = (Index("ix_audit_entries_business_newest", "business_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    at_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), nullable=True)
    actor_display: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(48))  # "staff.create", "business.update" ...
    target_type: Mapped[str] = mapped_column(String(32))  # "staff", "service", "user" ...
    target_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
