"""JSON API v1 (API.md)."""
from __future__ import annotations

from flask import Blueprint

from booking.extensions import csrf
from booking.web.api.bookings import bp as bookings_bp
from booking.web.api.business import bp as business_bp
from booking.web.api.calendars import bp as calendars_bp
from booking.web.api.feeds import bp as feeds_bp
from booking.web.api.manage import bp as manage_bp
from booking.web.api.notifications import bp as notifications_bp
from booking.web.api.openapi import bp as openapi_bp
from booking.web.api.public import bp as public_bp
from booking.web.api.services import bp as services_bp
from booking.web.api.signup import bp as signup_bp
from booking.web.api.staff import bp as staff_bp

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for child in (bookings_bp, business_bp, calendars_bp, feeds_bp, manage_bp, notifications_bp, openapi_bp, public_bp,
              services_bp, signup_bp, staff_bp):
    bp.register_blueprint(child)
    csrf.exempt(child)  # API clients authenticate with keys or tokens, not cookies
