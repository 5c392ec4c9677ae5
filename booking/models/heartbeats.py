"""Scheduler heartbeats: each process that runs the jobs stamps its row every ~30 seconds."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import db
from booking.models.base import UTCDateTime

SCHEDULER_ROLES = ("embedded", "worker")


class SchedulerHeartbeat(db.Model):
    """One row per scheduler process ("host:pid"); /healthz and /metrics read the newest beat."""

    __tablename__ = "scheduler_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    process: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(10))  # embedded | worker
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
