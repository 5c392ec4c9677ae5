"""Which tenant a request belongs to: by slug (public) or by a booking's manage token.

Both the JSON API and the HTML pages bind their blueprints here, so the lookup (and the
404 for an unknown slug or token) is written once. The business is set on `g` with its
zone and language, and the customer is the actor.
"""
from __future__ import annotations

from flask import Blueprint, g

from booking.models import Business
from booking.operations.bookings import get_booking_by_token
from booking.operations.tenants import get_business_by_slug


def _enter(business: Business) -> None:
    g.business = business
    g.business_locale = business.locale
    g.response_tz = business.timezone
    g.actor = "customer"


def bind_business_by_slug(blueprint: Blueprint) -> None:
    """Routes with <slug> get g.business; url_for inside them keeps the slug."""

    @blueprint.url_value_preprocessor
    def _load(_endpoint, values) -> None:
        if values and "slug" in values:
            _enter(get_business_by_slug(values.pop("slug")))

    @blueprint.url_defaults
    def _keep(_endpoint, values) -> None:
        if "slug" not in values and getattr(g, "business", None) is not None:
            values["slug"] = g.business.slug


def bind_booking_by_token(blueprint: Blueprint) -> None:
    """Routes with <token> get g.booking and its business; url_for inside them keeps the token."""

    @blueprint.url_value_preprocessor
    def _load(_endpoint, values) -> None:
        if values and "token" in values:
            g.manage_token = values.pop("token")
            g.booking = get_booking_by_token(g.manage_token)
            _enter(g.booking.business)

    @blueprint.url_defaults
    def _keep(_endpoint, values) -> None:
        if "token" not in values and getattr(g, "manage_token", None):
            values["token"] = g.manage_token
