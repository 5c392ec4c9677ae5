"""Scheduler heartbeats: written by a job in whichever process runs the scheduler, read by
/healthz and /metrics.

A beat every HEARTBEAT_SECONDS; the scheduler counts as "stale" when the newest beat of any
process is older than three intervals (a dispatch that runs long does not delay it: jobs run
on separate threads), and as "none" when no process has ever beaten (SCHEDULER=off and no
`flask worker` yet). Rows of processes silent for a week are deleted by the beats of others.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from booking.extensions import db
from booking.models import SchedulerHeartbeat

HEARTBEAT_SECONDS = 30
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
FORGET_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class SchedulerState:
    state: str  # ok | stale | none
    last_beat: datetime | None


def process_name() -> str:
    """This process as the heartbeat table knows it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def record_beat(process: str, role: str, now: datetime) -> None:
    """Stamp `process`'s row with `now` (created on its first beat); the caller commits."""
    row = db.session.scalar(select(SchedulerHeartbeat).where(SchedulerHeartbeat.process == process))
    if row is None:
        row = SchedulerHeartbeat(process=process, role=role, started_at=now)
        db.session.add(row)
    row.role, row.beat_at = role, now
    db.session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - FORGET_AFTER))
    db.session.flush()


def last_beat() -> datetime | None:
    return db.session.scalar(select(func.max(SchedulerHeartbeat.beat_at)))


def scheduler_state(now: datetime) -> SchedulerState:
    """The state at `now`: "ok" when some process beat within STALE_AFTER, "stale" if none did, "none"
    when there never was a beat."""
    beat = last_beat()
    if beat is None:
        return SchedulerState("none", None)
    return SchedulerState("ok" if now - beat <= STALE_AFTER else "stale", beat)


def live_processes(now: datetime) -> dict[str, int]:
    """How many processes per role beat within STALE_AFTER of `now`."""
    rows = db.session.execute(select(SchedulerHeartbeat.role, func.count())
                              .where(SchedulerHeartbeat.beat_at >= now - STALE_AFTER)
                              .group_by(SchedulerHeartbeat.role))
    return {role: count for role, count in rows}
