"""Owner-only: the audit trail of the business, newest first, a page at a time: who (a login or an
API key) changed which setting, login, staff member, schedule, service, customer or calendar,
and when. Booking changes are in each booking's own history."""
from __future__ import annotations

from typing import Any

from flask import g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from booking.models import AuditEntry
from booking.operations.audit import list_changes
from booking.web.staff.blueprint import bp, require_owner
from booking.web.staff.customers import page_number

ACTIONS = {
    "business.signup": _l("Signed up the business"),
    "business.update": _l("Changed the business settings"),
    "api_key.create": _l("Created an API key"),
    "api_key.revoke": _l("Revoked an API key"),
    "user.invite": _l("Invited a login"),
    "user.invite_resend": _l("Sent an invitation again"),
    "user.role": _l("Changed the role of a login"),
    "user.active": _l("Switched a login on or off"),
    "user.password_set": _l("Chose a password through an invitation"),
    "user.password_reset": _l("Chose a new password through a reset link"),
    "staff.create": _l("Added a staff member"),
    "staff.update": _l("Changed a staff member"),
    "staff.deactivate": _l("Made a staff member unbookable"),
    "staff.reactivate": _l("Made a staff member bookable again"),
    "staff.hours": _l("Changed the weekly hours"),
    "staff.override_set": _l("Set the hours of one day"),
    "staff.override_delete": _l("Removed the hours of one day"),
    "staff.delay": _l("Reported running late"),
    "time_off.add": _l("Added time off"),
    "time_off.delete": _l("Removed time off"),
    "service.create": _l("Added a service"),
    "service.update": _l("Changed a service"),
    "service.deactivate": _l("Retired a service"),
    "service.reactivate": _l("Offered a service again"),
    "customer.update": _l("Changed a customer's details"),
    "customer.erase": _l("Erased a customer's personal data"),
    "calendar.add": _l("Added an external calendar"),
    "calendar.update": _l("Changed an external calendar"),
    "calendar.delete": _l("Removed an external calendar"),
    "feed.rotate": _l("Gave a calendar feed a new address"),
    "feed.busy_only": _l("Switched a calendar feed's \u201cbusy only\u201d"),
    "notification.resend": _l("Sent a failed message again"),
}


def action_text(action: str) -> str:
    return str(ACTIONS.get(action, action))


def actor_text(entry: AuditEntry) -> str:
    if entry.actor_api_key_id is not None:
        return _("API key %(prefix)s\u2026", prefix=entry.actor_display)
    return entry.actor_display


def value_text(value: Any) -> str:
    """A details value, compact: lists joined, nested settings as "name: value"."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == [] or value == {}:
        return "\u2013"
    if isinstance(value, list):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {value_text(item)}" for key, item in value.items())
    return str(value)


@bp.get("/settings/audit")
def settings_audit():
    require_owner()
    return render_template("staff/settings_audit.html", page=list_changes(g.business, page_number()),
                           action_text=action_text, actor_text=actor_text, value_text=value_text,
                           tz_name=g.business.timezone)
