"""Calendars: the private feeds we publish, the external calendars we import, and their clashes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.base import SealedText, UTCDateTime
from booking.models.staff import Staff


class CalendarFeed(db.Model):
    """A private .ics feed of one staff member's bookings (staff_id) or the whole business (None).

    The URL's token is derived from `nonce` with the server secret and only its digest is
    stored; rotating replaces the nonce, so the old URL stops answering at once.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), nullable=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    busy_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)


class FeedChange(db.Model):
    """One committed transaction that changed what a business's feeds show (its bookings,
    customers, services, staff or the business itself; business_id None: a bulk statement that
    may have touched any business). Rows are only inserted, so writers never wait on each other;
    (count, min id, max id) of a business's rows tells every process whether a feed it rendered
    is still current. The daily retention job prunes rows older than two days."""

    __tablename__ = "feed_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # never reuse an id: stamps must not repeat

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ExternalCalendar(db.Model):
    """A calendar a staff member already uses, polled for busy times (its secret ICS address)."""

    __tablename__ = "external_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(SealedText)  # a secret address: sealed at rest
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    all_day_busy: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(300), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_problems: Mapped[str | None] = mapped_column(Text, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    busy_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship()


class BusyBlock(db.Model):
    """A busy interval imported from an external calendar: times only, no titles (privacy)."""

    __tablename__ = "busy_blocks"
    __table_args__ = (Index("ix_busy_blocks_staff_range", "staff_id", "start_utc", "end_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("external_calendars.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    end_utc: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarConflict(db.Model):
    """A booking that an imported busy block now overlaps: shown to staff until resolved."""

    __tablename__ = "calendar_conflicts"
    __table_args__ = (Index("ix_calendar_conflicts_open", "business_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("external_calendars.id", ondelete="SET NULL"),
                                                    nullable=True)
    busy_start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    busy_end_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)  # keep | moved | cancelled
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
