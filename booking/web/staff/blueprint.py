"""The workspace blueprint (under /app): every view needs a login and works in the user's business."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g
from flask_babel import gettext as _
from flask_login import current_user, login_required

from booking.web.display import (
    LANGUAGE_NAMES,
    date_text,
    datetime_text,
    lang_url,
    person_text,
    short_datetime_text,
    status_text,
    time_text,
    zone_text,
)

bp = Blueprint("staff", __name__, url_prefix="/app")


@bp.before_request
@login_required
def _require_login() -> None:
    g.business = current_user.business
    g.business_locale = g.business.locale


def require_owner() -> None:
    """Owner-only views: staff accounts get 403."""
    if not current_user.is_owner:
        abort(403)


def kind_text(kind: str) -> str:
    labels = {"confirmation": _("Confirmation"), "reschedule": _("Moved"), "cancellation": _("Cancellation"),
              "reminder": _("Reminder"), "delay": _("Delay notice"), "feedback": _("Feedback request")}
    return labels.get(kind, kind)


def message_status_text(status: str) -> str:
    labels = {"pending": _("Waiting"), "sending": _("Sending"), "sent": _("Sent"), "failed": _("Failed"),
              "cancelled": _("Withdrawn"), "expired": _("Expired (outdated)")}
    return labels.get(status, status)


def channel_text(channel: str) -> str:
    labels = {"email": _("Email"), "sms": _("Text message (SMS)"), "none": _("None")}
    return labels.get(channel, channel)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"time_text": time_text, "date_text": date_text, "datetime_text": datetime_text,
            "short_datetime_text": short_datetime_text, "status_text": status_text, "zone_text": zone_text,
            "kind_text": kind_text, "message_status_text": message_status_text, "channel_text": channel_text,
            "person_text": person_text, "lang_url": lang_url, "languages": LANGUAGE_NAMES}
