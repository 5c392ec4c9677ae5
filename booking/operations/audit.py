"""The audit trails: booking changes (BookingEvent) and every other change owners, staff and API
keys make to a business (AuditEntry: settings, logins, API keys, staff, schedules, services,
customers, calendars).

Entries are written in the transaction of the change itself, so a change and its entry are
stored together or not at all. Their details never hold a secret: keys that name one
(passwords, tokens, API keys, calendar addresses, which often carry a secret) are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from booking.extensions import db
from booking.models import AuditEntry, Booking, BookingEvent, Business

PER_PAGE = 50
# A details key containing one of these is left out, at any depth.
SECRET_WORDS = ("password", "token", "secret", "api_key", "key_hash", "url")


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a login account or an API key, with the name to show for it."""

    display: str
    user_id: int | None = None
    api_key_id: int | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def record_booking_event(booking: Booking, actor: str, action: str, now: datetime,
                         **details: Any) -> BookingEvent:
    """Append who did what to a booking, and when; flushed with the change itself."""
    event = BookingEvent(business_id=booking.business_id, booking_id=booking.id, at_utc=now,
                         actor=actor, action=action, details=details)
    db.session.add(event)
    return event


def record_change(business: Business, actor: Actor, action: str, target: tuple[str, int | None],
                  now: datetime, **details: Any) -> AuditEntry:
    """Append `actor` did `action` (e.g. "staff.update") to `target` (type, id) at `now`, with
    `details` made JSON-safe and stripped of secrets; written with the caller's transaction."""
    target_type, target_id = target
    entry = AuditEntry(business_id=business.id, at_utc=now, actor_user_id=actor.user_id,
                       actor_api_key_id=actor.api_key_id, actor_display=actor.display[:200], action=action,
                       target_type=target_type, target_id=target_id, details=_plain(details))
    db.session.add(entry)
    db.session.flush()
    return entry


def _plain(value: Any) -> Any:
    """`value` as JSON can store it, without any entry whose key names a secret."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()
                if not any(word in str(key).lower() for word in SECRET_WORDS)}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def list_changes(business: Business, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """One page of the business's audit entries, newest first."""
    page = max(1, page)
    rows = list(db.session.scalars(select(AuditEntry).where(AuditEntry.business_id == business.id)
                                   .order_by(AuditEntry.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page + 1)))
    return AuditPage(entries=rows[:per_page], number=page, per_page=per_page, has_next=len(rows) > per_page)
