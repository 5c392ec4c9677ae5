"""What the retention job keeps of the cancelled bookings it purges: counts for the reports."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import db
from booking.models.base import UTCDateTime


class PurgedCancellation(db.Model):
    """`count` cancelled bookings of staff member `staff_id` that started at `start_utc` and came
    in by `source`, deleted by the retention job. Nothing else of them is kept: no customer, no
    service, no notes. (The staff member keeps a deactivated colleague in the report of a period
    where their only bookings were cancelled, as before the purge.)

    Reports add these rows in (booking.operations.reports), so their figures stay the same after
    a purge. Each run inserts its own rows; readers sum them, so concurrent runs never update one.
    """

    __tablename__ = "purged_cancellations"
    __table_args__ = (Index("ix_purged_cancellations_business_start", "business_id", "start_utc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime)
