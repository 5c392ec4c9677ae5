"""Owner settings: the services a business offers (duration, buffers, slot interval, capacity,
price, who offers them), their retirement and return. Limits are the API's (POST/PATCH
/api/v1/services); the price is read in the page's language ("45,00" in German)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from flask import flash, g, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from booking.clock import utcnow
from booking.errors import InvalidInput
from booking.extensions import db
from booking.models import Service
from booking.operations import services as ops
from booking.operations.staff import list_staff
from booking.web.audit import audit, service_changes
from booking.web.display import price_text
from booking.web.staff.blueprint import bp, require_owner
from booking.web.staff.settings_schedule_forms import clean_text
from booking.web.staff.settings_staff import TOO_LONG, render_settings_page

DAY_MINUTES = 24 * 60
PRICE_LIMIT = Decimal("100000000")  # the price column is NUMERIC(10, 2), as the API checks
BETWEEN = _l("Enter a number from %(min)s to %(max)s.")


class WholeNumberField(IntegerField):
    """An integer input whose "not a number" message is ours; what was typed is shown again."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            raise ValueError(_l("Enter a whole number such as 30."))
        if raw:
            self.data = int(raw)


class PriceField(StringField):
    """An optional amount in the page's language, stored with two decimals."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = str(clean_text(valuelist[0] if valuelist else ""))
        self.data = None
        if not self.raw:
            return
        try:
            price = parse_decimal(self.raw, locale=get_locale())
            price = price.quantize(Decimal("0.01"))  # rounding may reach the column's limit: check after
        except (NumberFormatError, InvalidOperation):
            price = None
        if price is None or not price.is_finite() or price < 0 or price >= PRICE_LIMIT:
            raise ValueError(_("Enter an amount such as %(example)s, or leave it empty.",
                               example=price_text(Decimal("45"))))
        self.data = price

    def _value(self) -> str:
        if getattr(self, "raw", None) is not None:
            return self.raw
        return price_text(self.data) if isinstance(self.data, Decimal) else ""


def _minutes(label: Any, minimum: int, required: bool = False) -> WholeNumberField:
    first = InputRequired(_l("Please enter a number.")) if required else Optional()
    return WholeNumberField(label, validators=[first, NumberRange(minimum, DAY_MINUTES, message=BETWEEN)])


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), filters=[clean_text],
                       validators=[DataRequired(_l("Please enter a name.")), Length(max=200, message=TOO_LONG)])
    description = TextAreaField(_l("Description (optional)"), filters=[clean_text],
                                validators=[Length(max=4000, message=TOO_LONG)])
    duration_minutes = _minutes(_l("Duration (minutes)"), 1, required=True)
    buffer_before_minutes = _minutes(_l("Buffer before (minutes)"), 0)
    buffer_after_minutes = _minutes(_l("Buffer after (minutes)"), 0)
    slot_interval_minutes = _minutes(_l("Minutes between start times (optional)"), 1)
    capacity = WholeNumberField(_l("Customers per appointment"),
                                validators=[Optional(), NumberRange(1, 1000, message=BETWEEN)])
    price = PriceField(_l("Price (optional)"))
    staff_ids = SelectMultipleField(_l("Offered by"), coerce=int, validate_choice=False,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def validate_staff_ids(self, field: SelectMultipleField) -> None:
        offered = {choice.value for choice in field.choices}
        if not set(field.data or []) <= offered:
            raise ValidationError(_l("Choose staff members from the list."))

    def fields(self) -> dict[str, Any]:
        """The API's service fields; a blank buffer is 0, a blank capacity 1, a blank interval the duration."""
        return {"name": self.name.data, "description": self.description.data or None, "price": self.price.data,
                "duration_minutes": self.duration_minutes.data,
                "buffer_before_minutes": self.buffer_before_minutes.data or 0,
                "buffer_after_minutes": self.buffer_after_minutes.data or 0,
                "slot_interval_minutes": self.slot_interval_minutes.data, "capacity": self.capacity.data or 1,
                "staff_ids": list(self.staff_ids.data or [])}


def _form(service: Service | None = None) -> ServiceForm:
    form = ServiceForm(obj=service)
    form.staff_ids.choices = [SelectChoice(member.id, member.name) for member in list_staff(g.business)]
    if service is not None and not form.is_submitted():
        form.staff_ids.data = [member.id for member in service.staff if member.active]
    return form


def _owned_service(service_id: int) -> Service:
    require_owner()
    return ops.get_service(g.business, service_id, include_inactive=True)


def _edit_page(form: ServiceForm, service: Service | None, status: int = 200):
    return render_settings_page("staff/settings_services_edit.html", status, form=form, service=service)


def _save(form: ServiceForm, service: Service | None) -> Service | None:
    """Creates or updates the service; None (with the message on the staff field) if the API's rules refuse."""
    try:
        if service is None:
            service = ops.create_service(g.business, form.fields(), utcnow())
            audit("service.create", "service", service.id, **form.fields())
            return service
        audit("service.update", "service", service.id, changes=service_changes(service, form.fields()))
        return ops.update_service(g.business, service, form.fields())
    except InvalidInput:
        db.session.rollback()
        form.staff_ids.errors = [_("Choose staff members from the list.")]
        return None


@bp.get("/settings/services")
def settings_services():
    require_owner()
    return render_settings_page("staff/settings_services.html",
                                services=ops.list_services(g.business, include_inactive=True), price_text=price_text)


def _back_to_list(message: str):
    """Commits the change and shows the services list with `message`."""
    db.session.commit()
    flash(message)
    return redirect(url_for(".settings_services"), 303)


@bp.route("/settings/services/new", methods=["GET", "POST"])
def settings_service_new():
    require_owner()
    form = _form()
    if not form.validate_on_submit():
        return _edit_page(form, None, 422 if form.is_submitted() else 200)
    service = _save(form, None)
    if service is None:
        return _edit_page(form, None, 422)
    return _back_to_list(_("The service %(name)s was added.", name=service.name))


@bp.route("/settings/services/<int:service_id>", methods=["GET", "POST"])
def settings_service_edit(service_id: int):
    service = _owned_service(service_id)
    form = _form(service)
    if not form.validate_on_submit():
        return _edit_page(form, service, 422 if form.is_submitted() else 200)
    if _save(form, service) is None:
        return _edit_page(form, service, 422)
    return _back_to_list(_("The service %(name)s was saved.", name=service.name))


@bp.post("/settings/services/<int:service_id>/deactivate")
def settings_service_deactivate(service_id: int):
    service = _owned_service(service_id)
    ops.retire_service(service)
    audit("service.deactivate", "service", service.id, name=service.name)
    return _back_to_list(_("%(name)s can no longer be booked. Existing bookings stay as they are.", name=service.name))


@bp.post("/settings/services/<int:service_id>/reactivate")
def settings_service_reactivate(service_id: int):
    service = _owned_service(service_id)
    ops.reactivate_service(service)
    audit("service.reactivate", "service", service.id, name=service.name)
    return _back_to_list(_("%(name)s can be booked again.", name=service.name))
