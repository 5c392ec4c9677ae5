"""Rendered calendar feeds kept in this process, so a calendar app's poll costs two small queries.

A feed's body depends on rows of five tables (bookings, customers, services, staff, the
business) that carry no common change stamp, and comparing them all costs as much as reading
them (~40 ms for 5,000 bookings). So every transaction that changes one of those tables inserts
a FeedChange row for the businesses concerned, in the same commit (the session hooks below:
ORM flushes, and bulk statements, which count for every business). A poll then asks one
aggregate, the business's change stamp, and reuses the rendered body while it is the one the
body was checked under, in whichever process the change was made.

Rows are only inserted, never updated, so bookings of one business do not queue behind each
other for a counter row. A stamp is (count, min id, max id): a transaction that took its id
earlier but commits later still changes the count, and the daily pruning changes the minimum.
What no hook sees (plain SQL from outside the app, a restore, bookings sliding out of the
feed's window) shows at the latest after FULL_CHECK_EVERY, when the rows are read and compared
again; the same rows keep the same body and ETag.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import chain

from sqlalchemy import delete, event, func, insert, inspect, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from booking.clock import utcnow
from booking.extensions import db
from booking.models import Booking, Business, CalendarFeed, Customer, FeedChange, Service, Staff

FULL_CHECK_EVERY = timedelta(hours=1)
KEEP_CHANGES = timedelta(days=2)
MAX_ENTRIES = 256
MAX_BYTES = 48 * 1024 * 1024  # bodies kept per process, all feeds together
WATCHED = (Booking, Customer, Service, Staff, Business, CalendarFeed)
# Bulk statements on these invalidate everything (the business is not known); staff's bulk
# update is the lock_version bump that every booking write makes, which changes no feed.
BULK_WATCHED = frozenset(model.__tablename__ for model in (Booking, Customer, Service, Business))
ALL = "all"
_SESSION_KEY = "booking.feed_cache.touched"
_FORGET_KEY = "booking.feed_cache.committing"


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    etag: str  # sha256 of the body, hex (the HTTP header quotes it)


Stamp = tuple  # (count, min id, max id) of the business's FeedChange rows


@dataclass(frozen=True)
class Entry:
    business_id: int
    busy_only: bool
    inputs: Hashable       # what the body was written from (header, busy_only, rows)
    stamp: Stamp           # the business's change stamp when the inputs were last compared
    document: FeedDocument
    checked_at: datetime   # when the inputs were last compared with the database


class RenderedFeeds:
    """Entries by the feed's token digest (unique, even across databases in one process, and new
    on rotation), least recently used dropped first; safe across threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.lock = threading.Lock()
        self.items: OrderedDict[str, Entry] = OrderedDict()
        self.size = 0

    def current(self, key: str, busy_only: bool, stamp: Stamp, now: datetime) -> FeedDocument | None:
        """The document if nothing changed since it was checked (same stamp), less than
        FULL_CHECK_EVERY ago."""
        with self.lock:
            entry = self.items.get(key)
            if (entry is None or entry.busy_only != busy_only or entry.stamp != stamp
                    or not now - FULL_CHECK_EVERY < entry.checked_at <= now):
                return None
            self.items.move_to_end(key)
            return entry.document

    def matching(self, key: str, inputs: Hashable, stamp: Stamp, now: datetime) -> FeedDocument | None:
        """The document if it was written from exactly these inputs (then it counts as checked
        now, under this stamp)."""
        with self.lock:
            entry = self.items.get(key)
            if entry is None or entry.inputs != inputs:
                return None
            self.items[key] = replace(entry, stamp=stamp, checked_at=now)
            self.items.move_to_end(key)
            return entry.document

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            self._drop(key)
            self.items[key] = entry
            self.size += len(entry.document.body)
            while self.items and (len(self.items) > self.max_entries or self.size > self.max_bytes):
                self._drop(next(iter(self.items)))

    def forget(self, key: str) -> None:
        with self.lock:
            self._drop(key)

    def forget_businesses(self, business_ids: set) -> None:
        with self.lock:
            if ALL in business_ids:
                self.items.clear()
                self.size = 0
                return
            for key in [k for k, entry in self.items.items() if entry.business_id in business_ids]:
                self._drop(key)

    def _drop(self, key: str) -> None:
        entry = self.items.pop(key, None)
        if entry is not None:
            self.size -= len(entry.document.body)


rendered = RenderedFeeds()


def _business_of(obj: object) -> int | str:
    """The business an object belongs to, from what is loaded (never a query: it may be deleted)."""
    loaded = inspect(obj).dict
    business_id = loaded.get("id" if isinstance(obj, Business) else "business_id")
    return ALL if business_id is None else business_id


def change_stamp(business_id: int) -> Stamp:
    """The business's change stamp: one indexed aggregate over its FeedChange rows (and those of
    bulk statements, which may concern every business)."""
    query = (select(func.count(FeedChange.id), func.min(FeedChange.id), func.max(FeedChange.id))
             .where(or_(FeedChange.business_id == business_id, FeedChange.business_id.is_(None))))
    return tuple(db.session.execute(query).one())


def prune_changes(now: datetime) -> int:
    """Delete FeedChange rows older than KEEP_CHANGES (the stamps they were part of change, so
    feeds are compared again once); the caller commits. Returns the number deleted."""
    result = db.session.execute(delete(FeedChange).where(FeedChange.changed_at < now - KEEP_CHANGES)
                                  .execution_options(synchronize_session=False))
    return result.rowcount


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    changed = [obj for obj in chain(session.new, session.dirty, session.deleted) if isinstance(obj, WATCHED)]
    if changed:
        session.info.setdefault(_SESSION_KEY, set()).update(_business_of(obj) for obj in changed)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in BULK_WATCHED:
            state.session.info.setdefault(_SESSION_KEY, set()).add(ALL)


@event.listens_for(Session, "before_commit")
def _record_changes(session: Session) -> None:
    """Write the FeedChange rows of what this transaction changed, in the same commit."""
    session.flush()  # the last changes are flushed only after this hook: note them first
    touched = session.info.pop(_SESSION_KEY, None)
    if touched:
        now = utcnow()
        business_ids = [None] if ALL in touched else sorted(touched)
        session.execute(insert(FeedChange), [{"business_id": b, "changed_at": now} for b in business_ids])
        session.info[_FORGET_KEY] = touched


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    touched = session.info.pop(_FORGET_KEY, None)
    if touched:  # frees the memory at once; the stamp alone would make the entries unused
        rendered.forget_businesses(touched)


# (No rollback hook: what a rolled-back transaction noted is written at the next commit, one
# needless comparison at worst, rather than risk losing a savepoint's notes.)
