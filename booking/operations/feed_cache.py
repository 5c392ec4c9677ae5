"""Rendered calendar feeds kept in this process, so a calendar app's poll costs one lookup.

A feed's body depends on rows of five tables (bookings, customers, services, staff, the
business) that carry no common change stamp, and checking them all costs as much as reading
them. So an entry is trusted without a look at the database for REVALIDATE_AFTER, and:

- every commit in this process that changes one of those tables (through the ORM, or a bulk
  UPDATE/DELETE) drops the entries of the businesses concerned at once, so a change made here
  shows on the next fetch;
- a change made by another process (another gunicorn worker, `flask worker`) shows once the
  entry is older than REVALIDATE_AFTER: then the rows are read again and compared with those
  the body was written from; the same rows keep the same body and ETag.

Feeds tell clients `max-age=300`, so a minute of lag between processes is within what a
subscriber is promised anyway.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import chain

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from booking.models import Booking, Business, CalendarFeed, Customer, Service, Staff

REVALIDATE_AFTER = timedelta(seconds=60)
MAX_ENTRIES = 256
MAX_BYTES = 48 * 1024 * 1024  # bodies kept per process, all feeds together
WATCHED = (Booking, Customer, Service, Staff, Business, CalendarFeed)
# Bulk statements on these invalidate everything (the business is not known); staff's bulk
# update is the lock_version bump that every booking write makes, which changes no feed.
BULK_WATCHED = frozenset(model.__tablename__ for model in (Booking, Customer, Service, Business))
ALL = "all"
_SESSION_KEY = "booking.feed_cache.touched"


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    etag: str  # sha256 of the body, hex (the HTTP header quotes it)


@dataclass(frozen=True)
class Entry:
    business_id: int
    busy_only: bool
    inputs: Hashable       # what the body was written from (header, busy_only, rows)
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

    def fresh(self, key: str, busy_only: bool, now: datetime) -> FeedDocument | None:
        """The document if it was checked less than REVALIDATE_AFTER ago (and nothing here changed since)."""
        with self.lock:
            entry = self.items.get(key)
            if entry is None or entry.busy_only != busy_only or not now - REVALIDATE_AFTER < entry.checked_at <= now:
                return None
            self.items.move_to_end(key)
            return entry.document

    def matching(self, key: str, inputs: Hashable, now: datetime) -> FeedDocument | None:
        """The document if it was written from exactly these inputs (then it counts as checked now)."""
        with self.lock:
            entry = self.items.get(key)
            if entry is None or entry.inputs != inputs:
                return None
            self.items[key] = replace(entry, checked_at=now)
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


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    changed = [obj for obj in chain(session.new, session.dirty, session.deleted) if isinstance(obj, WATCHED)]
    if changed:
        session.info.setdefault(_SESSION_KEY, set()).update(_business_of(obj) for obj in changed)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in BULK_WATCHED:
            state.session.info.setdefault(_SESSION_KEY, set()).add(ALL)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    touched = session.info.pop(_SESSION_KEY, None)
    if touched:
        rendered.forget_businesses(touched)

# (No after_rollback hook: what a rolled-back transaction noted is forgotten at the next
# commit, one needless render at worst, rather than risk losing a savepoint's notes.)
