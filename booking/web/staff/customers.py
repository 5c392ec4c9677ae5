"""Customers in the workspace: the list with search, one customer's whole history, editing, and
(owners only) the GDPR download and erasure."""
from __future__ import annotations

import json

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from booking.clock import utcnow
from booking.errors import InvalidInput
from booking.extensions import db
from booking.models import Customer
from booking.operations.customer_records import (
    CustomerChanges,
    customer_history,
    get_customer,
    list_customers,
    update_customer,
)
from booking.operations.privacy import erase_customer, export_customer, upcoming_bookings
from booking.web.audit import audit, changed_values
from booking.web.display import LANGUAGE_NAMES, error_anchor, field_attrs
from booking.web.staff.blueprint import bp, require_owner
from booking.web.staff.customer_forms import CustomerForm, EraseForm

MAX_PAGE_NUMBER = 100_000  # beyond any practice; keeps OFFSET arithmetic sane for typed-in pages


def page_number() -> int:
    """The ?page= of a paged list: 1 unless it is a sensible number."""
    raw = request.args.get("page", "")
    # isdigit() alone accepts "²", and int() refuses numbers of thousands of digits: never a 500.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_PAGE_NUMBER)):
        return 1
    return max(1, min(int(raw), MAX_PAGE_NUMBER))


def _form_page(template: str, customer: Customer, form, status: int = 200, **context):
    return render_template(template, customer=customer, form=form, field_attrs=field_attrs,
                           error_anchor=error_anchor, tz_name=g.business.timezone, **context), status


def _erased_notice(customer: Customer):
    """An erased customer is nobody any more: their page says so, and nothing can be done."""
    flash(_("This customer's personal data was erased."))
    return redirect(url_for(".customer_detail", customer_id=customer.id), 303)


def _changed_fields(customer: Customer, changes: CustomerChanges) -> list[str]:
    fields = {name: getattr(changes, name) for name in ("name", "email", "phone", "preferred_channel", "notes",
                                                        "locale")}
    names = sorted(changed_values(customer, fields))
    return names + ["consent"] if changes.consent_given and customer.consent_at is None else names


@bp.get("/customers")
def customers():
    text = " ".join(request.args.get("q", "").split())[:200]
    page = list_customers(g.business, text, page_number())
    return render_template("staff/customers.html", page=page, q=text)


@bp.get("/customers/<int:customer_id>")
def customer_detail(customer_id: int):
    customer = get_customer(g.business, customer_id)  # another business's id: 404
    history = None if customer.erased_at else customer_history(g.business, customer)
    return render_template("staff/customer.html", customer=customer, history=history,
                           language_names=dict(LANGUAGE_NAMES), tz_name=g.business.timezone)


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
def customer_edit(customer_id: int):
    customer = get_customer(g.business, customer_id)
    if customer.erased_at:
        return _erased_notice(customer)
    form = CustomerForm.for_customer(customer)
    if request.method == "GET":
        return _form_page("staff/customer_edit.html", customer, form)
    if not form.validate():
        return _form_page("staff/customer_edit.html", customer, form, 422)
    # Which fields changed, not their values: the trail must not keep what erasure removes.
    audit("customer.update", "customer", customer.id, fields=_changed_fields(customer, form.changes()))
    try:
        update_customer(g.business, customer, form.changes(), utcnow())
    except InvalidInput:
        db.session.rollback()
        form.email.errors.append(_("Another customer already has this email address."))
        return _form_page("staff/customer_edit.html", customer, form, 422)
    db.session.commit()
    flash(_("Customer details saved."))
    return redirect(url_for(".customer_detail", customer_id=customer.id), 303)


@bp.get("/customers/<int:customer_id>/export.json")
def customer_export(customer_id: int):
    require_owner()
    customer = get_customer(g.business, customer_id)
    body = json.dumps(export_customer(g.business, customer, utcnow()), ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="customer-{customer.id}.json"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copies in caches
    return response


@bp.route("/customers/<int:customer_id>/erase", methods=["GET", "POST"])
def customer_erase(customer_id: int):
    """GET: the confirmation page with its warning; POST (box ticked): erase."""
    require_owner()
    customer = get_customer(g.business, customer_id)
    if customer.erased_at:
        return _erased_notice(customer)
    form, now = EraseForm(), utcnow()
    if request.method == "GET" or not form.validate():
        return _form_page("staff/customer_erase.html", customer, form, 200 if request.method == "GET" else 422,
                          upcoming=upcoming_bookings(g.business, customer, now))
    result = erase_customer(g.business, customer, now, f"user:{current_user.id}")
    audit("customer.erase", "customer", customer.id, cancelled_bookings=result.cancelled_bookings)
    db.session.commit()
    flash(_("The customer's personal data was erased; their bookings stay in the statistics."))
    if result.cancelled_bookings:
        flash(ngettext("%(num)s upcoming booking was cancelled.", "%(num)s upcoming bookings were cancelled.",
                       result.cancelled_bookings))
    return redirect(url_for(".customer_detail", customer_id=customer.id), 303)
