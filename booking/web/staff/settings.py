"""Owner-only settings: the index, the business profile and policies, and API keys.

The business form goes through the same validation and operation as PATCH /api/v1/business,
so the page and the API accept and store exactly the same. A new API key's secret is shown
once, in the answer to the POST that made it (never in the session cookie, never cached).
"""
from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking.clock import utcnow
from booking.errors import InvalidInput
from booking.extensions import db
from booking.operations import accounts
from booking.operations.tenants import create_api_key, revoke_api_key, update_business
from booking.web.api.business import business_changes
from booking.web.audit import audit, changed_values
from booking.web.display import error_anchor, field_attrs
from booking.web.staff.blueprint import bp, require_owner
from booking.web.staff.settings_forms import BusinessForm
from booking.web.urls import absolute_url

# Shown in the time-zone suggestions: the IANA areas people live in (not posix/, right/ aliases).
ZONE_AREAS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/",
              "Pacific/")


def render_settings(template: str, status: int = 200, **context: Any):
    """A settings page with the form helpers the workspace layout does not provide."""
    return render_template(template, field_attrs=field_attrs, error_anchor=error_anchor, **context), status


@cache
def zone_suggestions() -> tuple[str, ...]:
    return (*sorted(z for z in available_timezones() if z.startswith(ZONE_AREAS)), "UTC")


@bp.get("/settings")
def settings():
    require_owner()
    return render_template("staff/settings.html")


def _business_page(form: BusinessForm, status: int = 200):
    return render_settings("staff/settings_business.html", status, form=form, zones=zone_suggestions(),
                           booking_page=absolute_url("public_page.start", slug=g.business.slug))


@bp.route("/settings/business", methods=["GET", "POST"])
def settings_business():
    require_owner()
    form = BusinessForm.for_business(g.business)
    if request.method == "GET":
        return _business_page(form)
    if not form.validate():
        return _business_page(form, 422)
    try:
        changes = business_changes(form.patch_body())
    except InvalidInput as exc:  # the API's rules have the last word; the form's mirror them
        for name in exc.fields:
            form.field_for(name).errors = [_("This value is not accepted.")]
        return _business_page(form, 422)
    audit("business.update", "business", g.business.id, changes=changed_values(g.business, changes))
    update_business(g.business, changes, utcnow())
    db.session.commit()
    flash(_("The settings are saved."))
    return redirect(url_for(".settings_business"), 303)


def _api_keys_page(new_key: Any = None, secret: str | None = None, status: int = 200):
    keys = accounts.list_api_keys(g.business)
    body, status = render_settings("staff/settings_api_keys.html", status, keys=keys, new_key=new_key,
                                   secret=secret, tz_name=g.business.timezone,
                                   auth_header="Authorization: Bearer <api_key>")  # protocol text, not translated
    # The secret must not stay in any cache; the list itself is as sensitive as a page of accounts.
    return body, status, {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.get("/settings/api-keys")
def settings_api_keys():
    require_owner()
    return _api_keys_page()


@bp.post("/settings/api-keys")
def settings_api_key_create():
    require_owner()
    key, secret = create_api_key(g.business, utcnow())
    audit("api_key.create", "api_key", key.id, prefix=key.prefix)
    db.session.commit()
    return _api_keys_page(new_key=key, secret=secret, status=201)


@bp.post("/settings/api-keys/<int:key_id>/revoke")
def settings_api_key_revoke(key_id: int):
    require_owner()
    key = revoke_api_key(g.business, key_id, utcnow())
    audit("api_key.revoke", "api_key", key.id, prefix=key.prefix)
    db.session.commit()
    flash(_("The key is revoked. Programs using it are refused from now on."))
    return redirect(url_for(".settings_api_keys"), 303)
