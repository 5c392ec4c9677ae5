"""API key authentication for the management API."""
from __future__ import annotations

from flask import g, request

from booking.errors import NotFound, Unauthorized
from booking.operations.tenants import find_api_key
from booking.web.api.schema import MAX_ID


def authenticate_api_key() -> None:
    """before_request: `Authorization: Bearer <key>` sets g.business; anything else is 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    key = find_api_key(secret.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        raise Unauthorized("A valid API key is required: Authorization: Bearer <api_key>.")
    g.business = key.business
    g.actor = f"api_key:{key.id}"
    g.api_key = key  # the actor of the audit trail
    g.response_tz = key.business.timezone
    if any(isinstance(value, int) and value > MAX_ID for value in (request.view_args or {}).values()):
        raise NotFound("No such item.")  # /staff/99999999999: no id is that large (the database would refuse it)
