"""Background jobs and their scheduler (APScheduler 3, UTC).

SCHEDULER=embedded starts them inside the web process on its first request (so CLI
commands never start one); `flask worker` runs them alone. Several may run at once: the
outbox and the calendar sync claim rows with SKIP LOCKED / compare-and-set, the overrun
job takes the staff row lock, and the daily retention job claims each business's row with
SKIP LOCKED, so running twice only costs time. Each scheduler also writes a heartbeat
(booking.observability.heartbeat) that /healthz and /metrics read.
"""
from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import select

from booking.calendars.sync import sync_due
from booking.clock import utcnow
from booking.database import database_unavailable, error_summary, writing
from booking.extensions import db
from booking.models import Booking, Staff, StaffDelay
from booking.notify.dispatch import dispatch_due
from booking.observability.heartbeat import HEARTBEAT_SECONDS, process_name, record_beat
from booking.operations.bookings import lock_staff
from booking.operations import feed_cache, retention
from booking.operations.delays import refresh_estimates

log = logging.getLogger(__name__)
OVERRUN_GRACE = timedelta(minutes=5)
OVERRUN_SECONDS = 60
RETENTION_HOURS = 24
# Not at once: a deploy restarting every process should not start its busiest minute with it.
RETENTION_FIRST_RUN = timedelta(minutes=10)
_embedded_lock = threading.Lock()
_stopping = threading.Event()  # set when `flask worker` is told to stop


def run_dispatch(app: Flask) -> None:
    """Send every due notification (batch by batch)."""
    with app.app_context(), writing():
        report = dispatch_due(utcnow, stop=_stopping)
        if report.sent or report.failed or report.retried or report.expired:
            log.info("dispatch: sent=%s retried=%s failed=%s expired=%s", report.sent, report.retried,
                     report.failed, report.expired)
        db.session.remove()


def staff_to_refresh(now) -> list[int]:
    """Staff with an appointment running past its end, or a delay reported for about today."""
    overrunning = select(Booking.staff_id).where(Booking.status == "arrived",
                                                 Booking.end_utc <= now - OVERRUN_GRACE,
                                                 Booking.end_utc > now - timedelta(hours=12))
    delayed = select(StaffDelay.staff_id).where(StaffDelay.minutes > 0,
                                                StaffDelay.reported_at > now - timedelta(hours=24))
    return sorted(set(db.session.scalars(overrunning)) | set(db.session.scalars(delayed)))


def run_overrun_detection(app: Flask) -> None:
    """Recompute estimates (and notify) where the day runs late; one commit per staff member."""
    with app.app_context(), writing():
        now = utcnow()
        for staff_id in staff_to_refresh(now):
            staff = db.session.get(Staff, staff_id)
            lock_staff([staff_id])
            refresh_estimates(staff.business, staff, now)
            db.session.commit()
        db.session.remove()


def run_calendar_sync(app: Flask) -> None:
    """Poll the external calendars that are due; each is claimed first and committed on its own."""
    with app.app_context(), writing():
        report = sync_due(utcnow)
        if report.ok or report.failed:
            log.info("calendar sync: changed=%s unchanged=%s failed=%s", report.ok, report.not_modified,
                     report.failed)
        db.session.remove()


def run_heartbeat(app: Flask, role: str) -> None:
    """Tell /healthz and /metrics that this process's scheduler runs (role: embedded | worker)."""
    with app.app_context(), writing():
        record_beat(process_name(), role, utcnow())
        db.session.commit()
        db.session.remove()


def run_retention(app: Flask) -> None:
    """Erase long-gone customers and purge old cancelled bookings, per business
    (booking.operations.retention); one commit per business and batch. Then prune the feeds'
    old change records."""
    with app.app_context(), writing():
        now = utcnow()
        for business_id in retention.business_ids():
            db.session.rollback()  # end the read: each business is its own short transaction
            _retain(business_id, now)
        db.session.rollback()
        feed_cache.prune_changes(now)
        db.session.commit()
        db.session.remove()


def _retain(business_id: int, now: datetime) -> None:
    while not _stopping.is_set():
        business = retention.claim_business(business_id)
        if business is None:  # another worker is on it right now
            db.session.rollback()
            return
        result = retention.apply_retention(business, now)
        db.session.commit()
        if result.anonymised or result.purged:
            log.info("retention: business=%s anonymised=%s purged=%s", business_id, result.anonymised,
                     result.purged)
        if not result.more:
            return


def run_guarded(job: Callable[..., None], app: Flask, *args) -> None:
    """Run one job; when the database is unavailable (restarting, unreachable) the run is given
    up with one log line and the next run tries again. Anything else is a bug: APScheduler logs
    it with its traceback, and the scheduler keeps running either way."""
    try:
        job(app, *args)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("%s: database unavailable, trying again next run: %s", job.__name__, error_summary(exc))


def add_jobs(scheduler: BaseScheduler, app: Flask, role: str) -> None:
    scheduler.add_job(run_guarded, "interval", seconds=HEARTBEAT_SECONDS, args=[run_heartbeat, app, role],
                      id="heartbeat", next_run_time=utcnow())
    seconds = int(app.config["NOTIFY_POLL_SECONDS"])
    scheduler.add_job(run_guarded, "interval", seconds=seconds, args=[run_dispatch, app], id="dispatch",
                      next_run_time=utcnow())
    scheduler.add_job(run_guarded, "interval", seconds=OVERRUN_SECONDS, args=[run_overrun_detection, app],
                      id="overrun")
    scheduler.add_job(run_guarded, "interval", minutes=int(app.config["CALENDAR_SYNC_MINUTES"]),
                      args=[run_calendar_sync, app], id="calendar_sync", next_run_time=utcnow())
    scheduler.add_job(run_guarded, "interval", hours=RETENTION_HOURS, args=[run_retention, app], id="retention",
                      next_run_time=utcnow() + RETENTION_FIRST_RUN)


def make_scheduler(app: Flask, factory: Callable[..., BaseScheduler], role: str) -> BaseScheduler:
    # coalesce: a missed run is one run; max_instances=1: a slow dispatch never overlaps itself;
    # a generous grace so a busy process runs a late job instead of dropping it.
    scheduler = factory(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                      "misfire_grace_time": 300})
    add_jobs(scheduler, app, role)
    log.info("scheduler (%s) starting in process %s", role, process_name())
    return scheduler


def run_worker(app: Flask) -> None:
    """`flask worker`: the jobs in the foreground until stopped (SIGTERM or Ctrl+C).

    A running dispatch finishes the message in hand and hands the rest of its claim back, so
    the process ends within about one message instead of sending the whole backlog first.
    Killed outright, what it had claimed waits for the lease to expire, then any worker
    sends it again with the same Message-ID."""

    def stop(*_) -> None:
        _stopping.set()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        make_scheduler(app, BlockingScheduler, "worker").start()
    finally:
        _stopping.set()  # Ctrl+C too; the job thread sees it, and the interpreter waits for it


def start_embedded(app: Flask) -> None:
    """Start the in-process scheduler once per process (called on the first request)."""
    with _embedded_lock:
        if app.extensions.get("booking.scheduler") is None:
            scheduler = make_scheduler(app, BackgroundScheduler, "embedded")
            scheduler.start()
            app.extensions["booking.scheduler"] = scheduler
