"""The tenant: a business with its policies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import db
from booking.models.base import UTCDateTime

DEFAULT_REMINDER_OFFSETS = [1440, 120]


class Business(db.Model):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_advance_days: Mapped[int] = mapped_column(Integer, default=90)
    cancellation_cutoff_hours: Mapped[int] = mapped_column(Integer, default=24)
    reminder_offsets_minutes: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_REMINDER_OFFSETS))
    delay_notice_threshold_minutes: Mapped[int] = mapped_column(Integer, default=10)
    # Quiet hours (local wall-clock minutes) hold reminders and feedback requests, not urgent notices.
    quiet_hours_start_minute: Mapped[int] = mapped_column(Integer, default=21 * 60)
    quiet_hours_end_minute: Mapped[int] = mapped_column(Integer, default=8 * 60)
    feedback_requests: Mapped[bool] = mapped_column(Boolean, default=False)
    # Personal data is kept this long after a customer's last booking (booking.retention).
    retention_months: Mapped[int] = mapped_column(Integer, default=24)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
