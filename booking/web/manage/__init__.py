"""The customer's manage page, reached by the private link in their confirmation."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from booking.operations.bookings import get_booking_by_token

bp = Blueprint("manage_page", __name__)


@bp.url_value_preprocessor
def _load_booking(_endpoint, values) -> None:
    if values and "token" in values:
        g.manage_token = values.pop("token")
        g.booking = get_booking_by_token(g.manage_token)
        g.business = g.booking.business
        g.business_locale = g.business.locale


@bp.url_defaults
def _add_token(_endpoint, values) -> None:
    if "token" not in values and getattr(g, "manage_token", None):
        values["token"] = g.manage_token


@bp.get("/m/<token>")
def show():
    return render_template("manage/show.html", booking=g.booking, business=g.business)
