"""The audit trail from a view: the change is the business's in `g`, the actor is the API key of
an API request or else the logged-in account of the workspace. Views record before they commit,
so the change and its entry are stored together."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask import g
from flask_login import current_user

from booking.clock import utcnow
from booking.models import Service, User
from booking.operations.audit import Actor, record_change
from booking.web.formatting import clock_text


def user_actor(user: User) -> Actor:
    return Actor(display=user.name, user_id=user.id)


def current_actor() -> Actor:
    key = g.get("api_key")
    if key is not None:
        return Actor(display=key.prefix, api_key_id=key.id)  # shown as "API key <prefix>"
    return user_actor(current_user)


def audit(action: str, target_type: str, target_id: int | None = None, **details: Any) -> None:
    """Record the change the view is making, in its transaction (the view commits both)."""
    record_change(g.business, current_actor(), action, (target_type, target_id), utcnow(), **details)


def audit_own_account(user: User, action: str, now: datetime) -> None:
    """Record a change people make to their own account before they are logged in (a password
    chosen through a link): the account is the actor."""
    record_change(user.business, user_actor(user), action, ("user", user.id), now)


def changed_values(item: object, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The `fields` whose new value differs from the item's current one (call before the update)."""
    return {name: value for name, value in fields.items() if getattr(item, name, object()) != value}


def ranges_detail(ranges: Iterable[Iterable[int]]) -> list[str]:
    """Minute ranges as "09:00-12:00" texts, as the audit page shows them."""
    return [f"{clock_text(start)}-{clock_text(end)}" for start, end in ranges]


def service_changes(service: Service, fields: Mapping[str, Any]) -> dict[str, Any]:
    """changed_values of a service, whose staff are compared by id."""
    current = {member.id for member in service.staff if member.active}
    changes = changed_values(service, {name: value for name, value in fields.items() if name != "staff_ids"})
    if "staff_ids" in fields and set(fields["staff_ids"]) != current:
        changes["staff_ids"] = sorted(fields["staff_ids"])
    return changes
