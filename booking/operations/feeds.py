"""Private calendar feeds: one per staff member and one for the whole business.

The feed URL carries a token derived from the feed's nonce with the server secret (HMAC), so
it can be shown again at any time while only its SHA-256 digest is stored for the lookup.
Rotating replaces the nonce: the old URL stops answering at once.

A rendered feed is kept in the process (booking.operations.feed_cache), so a calendar app's
poll, and its 304, costs the token lookup and the business's change stamp, and no rendering.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select, update

from booking.calendars.ics_export import CalendarEvent, FeedHeader, feed_bytes, feed_window
from booking.credentials import derived_token, digest, server_keys
from booking.database import writing
from booking.errors import NotFound
from booking.extensions import db
from booking.models import Booking, Business, CalendarFeed, Customer, Service, Staff
from booking.operations import feed_cache
from booking.operations.feed_cache import FeedDocument

# A fetch is written down at most this often per feed and user agent (calendar apps poll).
FETCH_RECORD_EVERY = timedelta(minutes=1)
USER_AGENT_MAX = 300


@dataclass(frozen=True)
class FeedEntry:
    """A feed as the owner's page lists it."""

    feed: CalendarFeed
    staff: Staff | None
    token: str


# --- tokens and rows ----------------------------------------------------------------------------

def feed_token(feed: CalendarFeed) -> str:
    """The secret of the feed's URL: HMAC-SHA256 of its nonce under SECRET_KEY (or the fallback
    key it was made under, so a key rotation does not change subscribed addresses), URL-safe."""
    return derived_token(server_keys(current_app.config), f"feed:{feed.nonce}", feed.token_hash)


def _renew(feed: CalendarFeed) -> str:
    feed.nonce = secrets.token_hex(32)
    token = derived_token(server_keys(current_app.config), f"feed:{feed.nonce}", None)  # the current key
    feed.token_hash = digest(token)
    return token


def get_feed(business: Business, staff: Staff | None) -> CalendarFeed | None:
    query = select(CalendarFeed).where(CalendarFeed.business_id == business.id)
    query = query.where(CalendarFeed.staff_id.is_(None) if staff is None else CalendarFeed.staff_id == staff.id)
    return db.session.scalar(query.order_by(CalendarFeed.id).limit(1))


def get_or_create_feed(business: Business, staff: Staff | None, now: datetime) -> CalendarFeed:
    """The feed of `staff` (None: the business), created (and committed) on first use."""
    feed = get_feed(business, staff)
    if feed is not None:
        return feed
    with write_phase():
        # The owner row's lock makes two first requests agree on one feed (SQLite: BEGIN IMMEDIATE).
        owner = Business if staff is None else Staff
        db.session.execute(select(owner.id).where(owner.id == (staff or business).id).with_for_update())
        feed = get_feed(business, staff)
        if feed is None:
            feed = CalendarFeed(business_id=business.id, staff_id=None if staff is None else staff.id,
                                busy_only=False, created_at=now)
            _renew(feed)
            db.session.add(feed)
    return feed


def rotate_feed(feed: CalendarFeed, now: datetime) -> str:
    """A new secret for the feed; the old URL is dead from the commit on. Returns the new token."""
    forget_rendered(feed)
    token = _renew(feed)
    feed.rotated_at = now
    return token


def set_busy_only(feed: CalendarFeed, busy_only: bool) -> None:
    feed.busy_only = busy_only


def find_feed_by_token(token: str) -> CalendarFeed:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == digest(token)))
    if feed is None:
        raise NotFound("No calendar feed at this address.")
    return feed


def feed_entries(business: Business, now: datetime) -> list[FeedEntry]:
    """The business feed, then each active staff member's, creating those not yet there."""
    staff = list(db.session.scalars(select(Staff).where(Staff.business_id == business.id,
                                                        Staff.active.is_(True)).order_by(Staff.name, Staff.id)))
    entries = []
    for member in [None, *staff]:
        feed = get_or_create_feed(business, member, now)
        entries.append(FeedEntry(feed=feed, staff=member, token=feed_token(feed)))
    return entries


def feed_staff(feed: CalendarFeed) -> Staff | None:
    return None if feed.staff_id is None else db.session.get(Staff, feed.staff_id)


def feed_rows(feed: CalendarFeed, now: datetime) -> list[tuple]:
    """The bookings the feed shows, with the names it needs, in one query (ordered by start, uid)."""
    start, end = feed_window(now)
    query = (select(Booking.uid, Booking.sequence, Booking.start_utc, Booking.end_utc, Booking.created_at,
                    Booking.updated_at, Service.name, Customer.name, Staff.name)
             .join(Service, Service.id == Booking.service_id).join(Customer, Customer.id == Booking.customer_id)
             .join(Staff, Staff.id == Booking.staff_id)
             .where(Booking.business_id == feed.business_id, Booking.status != "cancelled",
                    Booking.end_utc > start, Booking.start_utc < end))
    if feed.staff_id is not None:
        # The blocked range contains the booking: these bounds let the (staff, block) index work.
        query = query.where(Booking.staff_id == feed.staff_id, Booking.block_start_utc < end,
                            Booking.block_end_utc > start)
    return [tuple(row) for row in db.session.execute(query.order_by(Booking.start_utc, Booking.uid))]


# --- rendering ------------------------------------------------------------------------------------

def feed_header(feed: CalendarFeed) -> FeedHeader:
    business = db.session.get(Business, feed.business_id)
    staff = feed_staff(feed)
    name = business.name if staff is None else f"{staff.name} · {business.name}"
    email = parseaddr(current_app.config["MAIL_FROM"])[1] or current_app.config["MAIL_FROM"]
    return FeedHeader(name=name, organizer=(business.name, email))


def row_event(row: tuple, location: str) -> CalendarEvent:
    uid, sequence, start, end, created, updated, service, customer, staff = row
    return CalendarEvent(uid=uid, sequence=sequence, start_utc=start, end_utc=end, summary=f"{service} – {customer}",
                         description=f"{service} with {staff}.\nCustomer: {customer}", created_utc=created,
                         modified_utc=updated, location=location)


def render_feed(header: FeedHeader, rows: list[tuple], now: datetime, busy_only: bool) -> bytes:
    events = [row_event(row, header.organizer[0]) for row in rows]
    return feed_bytes(header, events, now, busy_only=busy_only)


def forget_rendered(feed: CalendarFeed) -> None:
    feed_cache.rendered.forget(feed.token_hash)


def feed_document(feed: CalendarFeed, now: datetime) -> FeedDocument:
    """The feed's bytes and ETag. Reused while the business's change stamp is the one it was
    checked under (booking.operations.feed_cache), else while rows, names and settings are those
    it was written from, else written anew."""
    cache = feed_cache.rendered
    stamp = feed_cache.change_stamp(feed.business_id)  # before the rows: a later change shows next time
    document = cache.current(feed.token_hash, feed.busy_only, stamp, now)
    if document is not None:
        return document
    header, rows = feed_header(feed), feed_rows(feed, now)
    inputs = (header, feed.busy_only, tuple(rows))
    document = cache.matching(feed.token_hash, inputs, stamp, now)
    if document is None:
        body = render_feed(header, rows, now, feed.busy_only)
        document = FeedDocument(body=body, etag=hashlib.sha256(body).hexdigest())
        entry = feed_cache.Entry(business_id=feed.business_id, busy_only=feed.busy_only, inputs=inputs,
                                 stamp=stamp, document=document, checked_at=now)
        cache.put(feed.token_hash, entry)
    return document


def feed_body(feed: CalendarFeed, now: datetime) -> bytes:
    return feed_document(feed, now).body


# --- writes from read requests ---------------------------------------------------------------------

@contextmanager
def write_phase() -> Iterator[None]:
    """End the current (read) transaction, write in a new one, commit.

    GET requests begin a deferred transaction on SQLite, which cannot turn into a write once
    another process has written; this one begins as a write (booking.database.writing).
    """
    db.session.commit()
    with writing():
        yield
        db.session.commit()


def record_fetch(feed: CalendarFeed, now: datetime, user_agent: str | None) -> bool:
    """Note when and by what the feed was fetched; skipped if written down less than a minute ago."""
    agent = (user_agent or "")[:USER_AGENT_MAX] or None
    recent = feed.last_fetched_at is not None and now - feed.last_fetched_at < FETCH_RECORD_EVERY
    if recent and agent == feed.last_user_agent:
        return False
    feed_id = feed.id
    with write_phase():
        db.session.execute(update(CalendarFeed).where(CalendarFeed.id == feed_id)
                           .values(last_fetched_at=now, last_user_agent=agent)
                           .execution_options(synchronize_session=False))
    return True
