"""Polling external calendars: fetch -> parse -> replace busy blocks -> detect conflicts.

A unit of work like `notify.dispatch`, so it commits itself, in three steps:
1. read what the fetch needs and end that transaction (no lock or open transaction while we
   talk to a server that may take 20 s, nor while parsing a big feed);
2. fetch and parse with no transaction open;
3. one short transaction: lock the staff row (booking writers take the same lock, so a
   booking is either seen by the conflict check or itself sees the new blocks) and the
   calendar row, replace the busy blocks (delete + bulk insert) or record the failure,
   detect conflicts, commit.

A failed fetch or an unusable feed keeps the last good busy blocks, stores the error and
backs off: CALENDAR_SYNC_MINUTES * 2**failures, at most 24 h. Feeds that never answer 304
(Radicale) are recognised by the SHA-256 of the body. Busy blocks only cover the booking
horizon, which moves with time, so the first sync of each UTC day fetches without validators
and parses again even when nothing changed.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from booking.calendars.fetch import FetchError, FetchResult, fetch
from booking.calendars.ics_import import IcsImportError, parse_busy
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, BusyBlock, CalendarConflict, ExternalCalendar, Staff
from booking.models.base import UNREADABLE
from booking.operations.bookings import lock_staff
from booking.timezones import zone

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=24)
WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=1)  # beyond the business's max_advance_days
# A claim is a lease: a worker that dies mid-sync leaves the calendar due again after this
# (or after one interval, if longer: never within the same run, whose slack is half an interval).
CLAIM_LEASE = timedelta(minutes=10)
MAX_PROBLEM_TEXT = 4000
UNREADABLE_ERROR = ("The stored address can no longer be read (the server's secret key has changed). "
                    "Please remove this calendar and add it again.")
Fetcher = Callable[..., FetchResult]


@dataclass(frozen=True)
class SyncOutcome:
    status: str  # "ok" | "not_modified" | "error"
    busy_blocks: int
    error: str | None = None


@dataclass(frozen=True)
class _Plan:
    """What the fetch and the parse need, read before any network I/O."""

    calendar_id: int
    staff_id: int
    url: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    zone_name: str
    horizon_days: int
    all_day_busy: bool
    full: bool


@dataclass(frozen=True)
class _Fetched:
    status: str  # "ok" | "not_modified" | "error"
    result: FetchResult | None = None
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    content_hash: str | None = None
    error: str | None = None


def sync_interval() -> timedelta:
    return timedelta(minutes=int(current_app.config["CALENDAR_SYNC_MINUTES"]))


def backoff(failures: int, interval: timedelta) -> timedelta:
    """The wait after `failures` failures in a row: doubling from one interval, capped at 24 h."""
    return min(interval * 2 ** min(failures, 20), MAX_BACKOFF)


def describe(exc: FetchError) -> str:
    if exc.kind == "revoked":
        return f"Address revoked: {exc.message}"
    return exc.message


def _plan(calendar: ExternalCalendar, now: datetime) -> _Plan:
    staff = calendar.staff
    full = calendar.content_hash is None or calendar.last_synced_at is None \
        or calendar.last_synced_at.date() != now.date()
    return _Plan(calendar_id=calendar.id, staff_id=calendar.staff_id, url=calendar.url,
                 etag=None if full else calendar.etag, last_modified=None if full else calendar.last_modified,
                 content_hash=calendar.content_hash, zone_name=staff.timezone or staff.business.timezone,
                 horizon_days=staff.business.max_advance_days, all_day_busy=calendar.all_day_busy, full=full)


def _download(plan: _Plan, now: datetime, fetcher: Fetcher) -> _Fetched:
    """Network and parsing, outside any transaction; every failure becomes an error outcome."""
    if plan.url == UNREADABLE:
        return _Fetched("error", error=UNREADABLE_ERROR)
    try:
        result = fetcher(plan.url, plan.etag, plan.last_modified,
                         allow_private=bool(current_app.config["ALLOW_PRIVATE_CALENDAR_URLS"]))
    except FetchError as exc:
        return _Fetched("error", error=describe(exc))
    if result.status == "not_modified" or result.body is None:
        return _Fetched("not_modified", result=result)
    digest = hashlib.sha256(result.body).hexdigest()
    if not plan.full and digest == plan.content_hash:
        return _Fetched("not_modified", result=result, content_hash=digest)
    try:
        parsed = parse_busy(result.body, zone(plan.zone_name), now - WINDOW_BEFORE,
                            now + timedelta(days=plan.horizon_days) + WINDOW_AFTER,
                            all_day_busy=plan.all_day_busy, charset=result.charset)
    except IcsImportError as exc:
        return _Fetched("error", error=f"The calendar could not be read: {exc}")
    except Exception:  # a bug in the importer must not stop the other calendars
        log.exception("calendar %s: the importer failed", plan.calendar_id)
        return _Fetched("error", error="The calendar could not be read (an error on our side).")
    return _Fetched("ok", result=result, busy=parsed.busy, problems=parsed.problems, content_hash=digest)


def _replace_blocks(calendar: ExternalCalendar, busy: list[tuple[datetime, datetime]]) -> None:
    db.session.execute(delete(BusyBlock).where(BusyBlock.calendar_id == calendar.id))
    if busy:
        db.session.execute(insert(BusyBlock), [{"calendar_id": calendar.id, "staff_id": calendar.staff_id,
                                                "start_utc": start, "end_utc": end} for start, end in busy])
    calendar.busy_count = len(busy)


def _validator(value: str | None, limit: int) -> str | None:
    return value if value and len(value) <= limit else None  # a longer one would not fit; go without


def _record_success(calendar: ExternalCalendar, fetched: _Fetched, now: datetime) -> None:
    result = fetched.result
    if fetched.status == "ok":
        _replace_blocks(calendar, fetched.busy)
        calendar.last_problems = "\n".join(fetched.problems)[:MAX_PROBLEM_TEXT] or None
    if result is not None:
        calendar.etag = _validator(result.etag, 300) or (calendar.etag if result.status == "not_modified" else None)
        calendar.last_modified = _validator(result.last_modified, 100) or (
            calendar.last_modified if result.status == "not_modified" else None)
    calendar.content_hash = fetched.content_hash or calendar.content_hash
    calendar.last_synced_at, calendar.last_error, calendar.failures = now, None, 0
    calendar.next_sync_at = now + sync_interval()
    # Sealed anew under today's SECRET_KEY: after a rotation, one sync round of every calendar
    # and the old key can leave SECRET_KEY_FALLBACKS.
    flag_modified(calendar, "url")


def _record_failure(calendar: ExternalCalendar, error: str, now: datetime) -> None:
    calendar.failures = (calendar.failures or 0) + 1
    calendar.last_error = error
    calendar.next_sync_at = now + backoff(calendar.failures, sync_interval())


def _store(plan: _Plan, fetched: _Fetched, now: datetime) -> SyncOutcome:
    lock_staff([plan.staff_id])
    calendar = db.session.get(ExternalCalendar, plan.calendar_id, with_for_update=True, populate_existing=True)
    if calendar is None:
        return SyncOutcome("error", 0, "The calendar was removed meanwhile.")
    calendar.last_attempt_at = now
    if fetched.status == "error":
        _record_failure(calendar, fetched.error or "unknown error", now)
        log.info("calendar %s: sync failed (%s failures): %s", calendar.id, calendar.failures, fetched.error)
        return SyncOutcome("error", calendar.busy_count, fetched.error)
    _record_success(calendar, fetched, now)
    db.session.flush()
    detect_conflicts(calendar, now)
    return SyncOutcome(fetched.status, calendar.busy_count)


def sync_calendar(calendar: ExternalCalendar, now: datetime, fetcher: Fetcher = fetch) -> SyncOutcome:
    """Poll one calendar now and commit the result (see the module docstring)."""
    plan = _plan(calendar, now)
    db.session.commit()  # end the read transaction before any network I/O
    fetched = _download(plan, now, fetcher)
    outcome = _store(plan, fetched, now)
    db.session.commit()
    return outcome


def detect_conflicts(calendar: ExternalCalendar, now: datetime) -> int:
    """Open a conflict for each future active booking whose blocked range overlaps a busy block of
    this calendar; close (as "gone") open ones whose overlap disappeared. A conflict staff
    resolved stays resolved for the same booking and busy range. Returns the number opened."""
    overlaps = {tuple(row) for row in db.session.execute(
        select(Booking.id, BusyBlock.start_utc, BusyBlock.end_utc)
        .join(BusyBlock, and_(BusyBlock.calendar_id == calendar.id, BusyBlock.start_utc < Booking.block_end_utc,
                              BusyBlock.end_utc > Booking.block_start_utc))
        .where(Booking.staff_id == calendar.staff_id, Booking.status.in_(ACTIVE_STATUSES),
               Booking.block_end_utc > now))}
    known = db.session.execute(
        select(CalendarConflict, Booking.block_end_utc).join(Booking, Booking.id == CalendarConflict.booking_id)
        .where(CalendarConflict.calendar_id == calendar.id,
               or_(CalendarConflict.resolved_at.is_(None), CalendarConflict.resolution != "gone"))).all()
    seen = set()
    for conflict, booking_end in known:
        key = (conflict.booking_id, conflict.busy_start_utc, conflict.busy_end_utc)
        seen.add(key)
        if conflict.resolved_at is None and key not in overlaps and booking_end > now:
            conflict.resolved_at, conflict.resolution, conflict.resolved_by = now, "gone", "sync"
    fresh = overlaps - seen
    for booking_id, start, end in sorted(fresh):
        db.session.add(CalendarConflict(business_id=calendar.business_id, booking_id=booking_id,
                                        calendar_id=calendar.id, busy_start_utc=start, busy_end_utc=end,
                                        detected_at=now))
    if fresh:
        log.info("calendar %s: %s new conflict(s) with bookings", calendar.id, len(fresh))
    db.session.flush()
    return len(fresh)


def _due(now: datetime):
    return and_(or_(ExternalCalendar.next_sync_at.is_(None), ExternalCalendar.next_sync_at <= now),
                ExternalCalendar.staff_id.in_(select(Staff.id).where(Staff.active.is_(True))))


def claim_due(now: datetime, limit: int, slack: timedelta = timedelta(0)) -> list[int]:
    """Take up to `limit` calendars due by `now + slack` for this process (their next_sync_at moves
    a lease ahead, so no other process takes them meanwhile); commits. PostgreSQL: FOR UPDATE
    SKIP LOCKED; elsewhere a compare-and-set UPDATE per row."""
    values = {"next_sync_at": now + max(CLAIM_LEASE, sync_interval())}
    if db.session.get_bind().dialect.name == "postgresql":
        picked = (select(ExternalCalendar.id).where(_due(now + slack))
                  .order_by(ExternalCalendar.next_sync_at.asc().nulls_first(), ExternalCalendar.id)
                  .limit(limit).with_for_update(skip_locked=True).scalar_subquery())
        ids = list(db.session.scalars(update(ExternalCalendar).where(ExternalCalendar.id.in_(picked))
                                      .values(**values).returning(ExternalCalendar.id)))
    else:
        candidates = db.session.scalars(select(ExternalCalendar.id).where(_due(now + slack))
                                        .order_by(ExternalCalendar.id).limit(limit)).all()
        ids = [i for i in candidates
               if db.session.execute(update(ExternalCalendar).where(ExternalCalendar.id == i, _due(now + slack))
                                     .values(**values)).rowcount == 1]
    db.session.commit()
    return ids


@dataclass
class SyncReport:
    ok: int = 0
    not_modified: int = 0
    failed: int = 0


def sync_due(clock: Callable[[], datetime], fetcher: Fetcher = fetch, limit: int = 20,
             rounds: int = 50) -> SyncReport:
    """Sync every calendar that is due, one commit per calendar. The job ticks every
    CALENDAR_SYNC_MINUTES; a calendar falling due within half an interval counts as due, so a
    tick that ran a little late does not push every calendar back by a whole period."""
    report, slack = SyncReport(), sync_interval() / 2
    for _ in range(rounds):
        ids = claim_due(clock(), limit, slack)
        if not ids:
            break
        for calendar_id in ids:
            _sync_claimed(calendar_id, clock, fetcher, report)
    return report


def _sync_claimed(calendar_id: int, clock: Callable[[], datetime], fetcher: Fetcher, report: SyncReport) -> None:
    try:
        calendar = db.session.get(ExternalCalendar, calendar_id)
        if calendar is None:
            return
        outcome = sync_calendar(calendar, clock(), fetcher)
    except Exception:  # one calendar's bug must not stop the others; the lease makes it due again
        log.exception("calendar %s: sync crashed", calendar_id)
        db.session.rollback()
        report.failed += 1
        return
    if outcome.status == "ok":
        report.ok += 1
    elif outcome.status == "not_modified":
        report.not_modified += 1
    else:
        report.failed += 1
