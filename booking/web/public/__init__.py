"""Public booking pages under /b/<slug> (server-rendered, no JavaScript needed)."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from booking.operations.services import list_services
from booking.operations.tenants import get_business_by_slug

bp = Blueprint("public_page", __name__)


@bp.url_value_preprocessor
def _load_business(_endpoint, values) -> None:
    if values and "slug" in values:
        g.business = get_business_by_slug(values.pop("slug"))
        g.business_locale = g.business.locale


@bp.url_defaults
def _add_slug(_endpoint, values) -> None:
    if "slug" not in values and getattr(g, "business", None) is not None:
        values["slug"] = g.business.slug


@bp.get("/b/<slug>")
def start():
    return render_template("public/start.html", business=g.business, services=list_services(g.business))
