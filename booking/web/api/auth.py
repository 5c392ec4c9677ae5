"""API key authentication for the management API."""
from __future__ import annotations

from flask import g, request

from booking.errors import Unauthorized
from booking.operations.tenants import find_api_key


def authenticate_api_key() -> None:
    """before_request: `Authorization: Bearer <key>` sets g.business; anything else is 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    key = find_api_key(secret.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        raise Unauthorized("A valid API key is required: Authorization: Bearer <api_key>.")
    g.business = key.business
    g.actor = f"api_key:{key.id}"
    g.response_tz = key.business.timezone
