"""The business itself and its API keys."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from booking.clock import utcnow
from booking.extensions import db
from booking.operations.tenants import create_api_key, revoke_api_key, update_business
from booking.web.api.auth import authenticate_api_key
from booking.web.api.schema import Fields, read_json_body
from booking.web.audit import audit, changed_values
from booking.web.formatting import business_json
from booking.web.i18n import LANGUAGES

bp = Blueprint("business", __name__)
bp.before_request(authenticate_api_key)


# The bounds of each number setting, shared with the owner's settings form so both accept the same.
POLICY_BOUNDS = {"min_notice_minutes": (0, 60 * 24 * 365), "max_advance_days": (1, 3660),
                 "cancellation_cutoff_hours": (0, 24 * 365), "delay_notice_threshold_minutes": (1, 24 * 60),
                 "retention_months": (6, 120)}
REMINDER_OFFSET_BOUNDS = (1, 60 * 24 * 30)


def _business_changes() -> dict:
    return business_changes(read_json_body())


def business_changes(data: dict) -> dict:
    """Validated settings (keys of operations.tenants.BUSINESS_SETTINGS) from a PATCH-shaped dict:
    the JSON body here, the owner's settings form in the workspace. InvalidInput names every problem."""
    body = Fields(data)
    readers = {
        "name": lambda: body.text("name", required=True),
        "timezone": lambda: body.zone("timezone", required=True),
        "locale": lambda: body.choice("locale", LANGUAGES, required=True),
        "min_notice_minutes": lambda: _number(body, "min_notice_minutes"),
        "max_advance_days": lambda: _number(body, "max_advance_days"),
        "cancellation_cutoff_hours": lambda: _number(body, "cancellation_cutoff_hours"),
        "delay_notice_threshold_minutes": lambda: _number(body, "delay_notice_threshold_minutes"),
        "retention_months": lambda: _number(body, "retention_months"),
        "reminder_offsets_minutes": lambda: _offsets(body),
        "feedback_requests": lambda: body.flag("feedback_requests", required=True),
        "quiet_hours_start_minute": lambda: body.clock_minutes("quiet_hours_start", required=True),
        "quiet_hours_end_minute": lambda: body.clock_minutes("quiet_hours_end", required=True),
    }
    names = {"quiet_hours_start_minute": "quiet_hours_start", "quiet_hours_end_minute": "quiet_hours_end"}
    changes = {name: read() for name, read in readers.items() if body.has(names.get(name, name))}
    body.check()
    return changes


def _number(body: Fields, name: str) -> int | None:
    return body.integer(name, True, *POLICY_BOUNDS[name])


def _offsets(body: Fields) -> list[int] | None:
    offsets = body.id_list("reminder_offsets_minutes", required=True)
    low, high = REMINDER_OFFSET_BOUNDS
    if offsets is not None and any(not low <= o <= high for o in offsets):
        body.errors["reminder_offsets_minutes"] = "each offset must be between 1 minute and 30 days"
    return sorted(set(offsets or []), reverse=True)


@bp.get("/business")
def show_business():
    return jsonify(business_json(g.business))


@bp.patch("/business")
def patch_business():
    changes = _business_changes()
    audit("business.update", "business", g.business.id, changes=changed_values(g.business, changes))
    business = update_business(g.business, changes, utcnow())
    db.session.commit()
    return jsonify(business_json(business))


@bp.post("/api-keys")
def new_api_key():
    key, secret = create_api_key(g.business, utcnow())
    audit("api_key.create", "api_key", key.id, prefix=key.prefix)
    db.session.commit()
    return jsonify({"id": key.id, "api_key": secret, "prefix": key.prefix}), 201


@bp.delete("/api-keys/<int:key_id>")
def delete_api_key(key_id: int):
    key = revoke_api_key(g.business, key_id, utcnow())
    audit("api_key.revoke", "api_key", key.id, prefix=key.prefix)
    db.session.commit()
    return "", 204
