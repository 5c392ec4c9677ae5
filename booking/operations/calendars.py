"""External calendars (import) and the conflicts their busy times cause with bookings.

Everything is looked up through the business first: another business's id is NotFound.
These functions only flush, except `sync_now`, which runs the sync unit of work
(`booking.calendars.sync`): it commits before and after its network I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, select

from booking.calendars.fetch import FetchError, check_url
from booking.calendars.fetch import fetch as default_fetch
from booking.calendars.sync import Fetcher, SyncOutcome, sync_calendar
from booking.errors import Conflict, InvalidInput, NotFound
from booking.extensions import db
from booking.models import Booking, Business, BusyBlock, CalendarConflict, ExternalCalendar, Staff
from booking.operations.booking_changes import cancel_booking, move_booking
from booking.operations.bookings import get_booking, lock_staff

RESOLUTIONS = ("keep", "cancel", "move")
_RESOLVED_AS = {"keep": "keep", "cancel": "cancelled", "move": "moved"}


@dataclass(frozen=True)
class ConflictRow:
    """A conflict with what staff need to judge it."""

    conflict: CalendarConflict
    booking: Booking
    calendar: ExternalCalendar | None


def get_calendar(business: Business, calendar_id: int) -> ExternalCalendar:
    calendar = db.session.scalar(select(ExternalCalendar).where(ExternalCalendar.id == calendar_id,
                                                                ExternalCalendar.business_id == business.id))
    if calendar is None:
        raise NotFound("No such calendar.")
    return calendar


def list_calendars(business: Business, staff_ids: list[int] | None = None) -> list[ExternalCalendar]:
    query = (select(ExternalCalendar).join(Staff, Staff.id == ExternalCalendar.staff_id)
             .where(ExternalCalendar.business_id == business.id, Staff.active.is_(True)))
    if staff_ids is not None:
        query = query.where(ExternalCalendar.staff_id.in_(staff_ids))
    return list(db.session.scalars(query.order_by(ExternalCalendar.staff_id, ExternalCalendar.id)))


def display_url(url: str) -> str:
    """The address with an embedded password masked, for pages and API answers."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def checked_url(url: str, allow_private: bool) -> str:
    """The address as it will be fetched, or InvalidInput on `url` (scheme, host, private address)."""
    try:
        return check_url(url, allow_private)
    except FetchError as exc:
        raise InvalidInput({"url": exc.message}) from exc


def add_calendar(business: Business, staff: Staff, url: str, name: str | None, all_day_busy: bool,
                 allow_private: bool, now: datetime) -> ExternalCalendar:
    """Connect a calendar; the next sync run fetches it (next_sync_at = now)."""
    address = checked_url(url, allow_private)
    # Addresses are sealed with a random IV, so SQL cannot compare them: a staff member has a few.
    connected = db.session.scalars(select(ExternalCalendar).where(ExternalCalendar.staff_id == staff.id))
    if any(calendar.url == address for calendar in connected):
        raise Conflict("This calendar is already connected for this staff member.")
    calendar = ExternalCalendar(business_id=business.id, staff_id=staff.id, url=address, name=name,
                                all_day_busy=all_day_busy, failures=0, busy_count=0, next_sync_at=now,
                                created_at=now)
    db.session.add(calendar)
    db.session.flush()
    return calendar


def update_calendar(calendar: ExternalCalendar, now: datetime, name: str | None = None,
                    all_day_busy: bool | None = None) -> ExternalCalendar:
    """Rename, or switch all-day blocking (the blocks are then computed again on the next run)."""
    if name is not None:
        calendar.name = name
    if all_day_busy is not None and all_day_busy != calendar.all_day_busy:
        calendar.all_day_busy = all_day_busy
        calendar.etag = calendar.last_modified = calendar.content_hash = None
        calendar.next_sync_at = now
    db.session.flush()
    return calendar


def delete_calendar(calendar: ExternalCalendar, now: datetime) -> None:
    """Disconnect: its busy blocks go, its open conflicts close as "gone"."""
    for conflict in db.session.scalars(select(CalendarConflict).where(CalendarConflict.calendar_id == calendar.id,
                                                                      CalendarConflict.resolved_at.is_(None))):
        conflict.resolved_at, conflict.resolution, conflict.resolved_by = now, "gone", "calendar removed"
    db.session.execute(delete(BusyBlock).where(BusyBlock.calendar_id == calendar.id))
    db.session.delete(calendar)
    db.session.flush()


def sync_now(business: Business, calendar_id: int, now: datetime, fetcher: Fetcher = default_fetch) -> SyncOutcome:
    """Poll one calendar at once (commits: see the module docstring)."""
    return sync_calendar(get_calendar(business, calendar_id), now, fetcher)


def list_conflicts(business: Business, include_resolved: bool = False,
                   staff_ids: list[int] | None = None) -> list[ConflictRow]:
    query = (select(CalendarConflict, Booking, ExternalCalendar)
             .join(Booking, Booking.id == CalendarConflict.booking_id)
             .outerjoin(ExternalCalendar, ExternalCalendar.id == CalendarConflict.calendar_id)
             .where(CalendarConflict.business_id == business.id))
    if not include_resolved:
        query = query.where(CalendarConflict.resolved_at.is_(None))
    if staff_ids is not None:
        query = query.where(Booking.staff_id.in_(staff_ids))
    rows = db.session.execute(query.order_by(Booking.start_utc, CalendarConflict.id)).all()
    return [ConflictRow(conflict, booking, calendar) for conflict, booking, calendar in rows]


def get_conflict(business: Business, conflict_id: int) -> CalendarConflict:
    conflict = db.session.scalar(select(CalendarConflict).where(CalendarConflict.id == conflict_id,
                                                                CalendarConflict.business_id == business.id))
    if conflict is None:
        raise NotFound("No such conflict.")
    return conflict


def resolve_conflict(business: Business, conflict: CalendarConflict, action: str, now: datetime, actor: str,
                     message: str | None = None, start: datetime | None = None,
                     staff_id: int | None = None) -> ConflictRow:
    """Keep the booking, cancel it (the customer is told, with `message` if given), or move it
    (to `start` and/or `staff_id`; SlotUnavailable with alternatives when taken). Every open
    conflict of a cancelled or moved booking closes with it."""
    if action not in RESOLUTIONS:
        raise InvalidInput({"action": "must be one of " + ", ".join(RESOLUTIONS)})
    booking = get_booking(business, conflict.booking_id)
    if conflict.resolved_at is not None:
        if conflict.resolution == _RESOLVED_AS[action]:
            return _row(conflict, booking)  # a repeated click
        raise Conflict("This conflict was resolved already.")
    if action == "cancel":
        lock_staff([booking.staff_id])
        cancel_booking(booking, now, actor, reason=message)
    elif action == "move":
        if start is None and staff_id is None:
            raise InvalidInput({"start": "is required to move the booking"})
        move_booking(business, booking, start, staff_id, now, actor)
    targets = [conflict] if action == "keep" else _open_conflicts_of(booking)
    for row in targets:
        row.resolved_at, row.resolution, row.resolved_by = now, _RESOLVED_AS[action], actor
    db.session.flush()
    return _row(conflict, booking)


def _row(conflict: CalendarConflict, booking: Booking) -> ConflictRow:
    calendar = db.session.get(ExternalCalendar, conflict.calendar_id) if conflict.calendar_id else None
    return ConflictRow(conflict, booking, calendar)


def _open_conflicts_of(booking: Booking) -> list[CalendarConflict]:
    return list(db.session.scalars(select(CalendarConflict).where(CalendarConflict.booking_id == booking.id,
                                                                  CalendarConflict.resolved_at.is_(None))))
