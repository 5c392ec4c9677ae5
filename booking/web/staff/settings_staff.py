"""Owner settings: the staff members people can book (not the login accounts): add, edit name,
email and time zone, deactivate and reactivate. Validation is the API's (POST/PATCH
/api/v1/staff): the same length limits, email acceptance and IANA zone check."""
from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from booking.clock import utcnow
from booking.extensions import db
from booking.models import Staff
from booking.operations import staff as ops
from booking.timezones import is_known_zone
from booking.web.audit import audit, changed_values
from booking.web.display import error_anchor, field_attrs, zone_text
from booking.web.forms import email_address
from booking.web.staff.blueprint import bp, require_owner
from booking.web.staff.settings_schedule_forms import clean_text

TOO_LONG = _l("Please use at most %(max)d characters.")


@cache
def _region_zones() -> tuple[str, ...]:
    # Area/City names people recognise; the old aliases (CET, US/Eastern ...) stay valid if stored.
    return tuple(sorted(name for name in available_timezones()
                        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix", "right/"))))


def zone_options(current: str | None) -> list[str]:
    names = set(_region_zones()) | {"UTC"} | ({current} if current else set())
    return sorted(names)


def render_settings_page(template: str, status: int = 200, **context: Any):
    """A staff or services settings page, with the helpers its form macros need (field_attrs, error_anchor)."""
    return render_template(template, field_attrs=field_attrs, error_anchor=error_anchor, **context), status


class StaffForm(FlaskForm):
    """A bookable staff member: name, optional email, optional own time zone."""

    name = StringField(_l("Name"), filters=[clean_text],
                       validators=[DataRequired(_l("Please enter a name.")), Length(max=200, message=TOO_LONG)])
    email = EmailField(_l("Email (optional)"), filters=[clean_text],
                       validators=[Optional(), Length(max=254, message=TOO_LONG), email_address])
    timezone = SelectField(_l("Time zone of the working hours"), validate_choice=False)

    def validate_timezone(self, field: SelectField) -> None:
        if field.data and not is_known_zone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))

    def fill_choices(self, business_zone: str) -> StaffForm:
        same = SelectChoice("", _("Same as the business (%(zone)s)", zone=zone_text(business_zone)))
        zones = [SelectChoice(name, zone_text(name)) for name in zone_options(self.timezone.data)]
        self.timezone.choices = [same, *zones]
        return self

    def fields(self) -> dict[str, str | None]:
        return {"name": self.name.data, "email": self.email.data or None, "timezone": self.timezone.data or None}


def owned_member(staff_id: int) -> Staff:
    """Owner-only (staff accounts get 403 before any lookup): a staff member of this business,
    deactivated ones included (owners manage those too); another business's id is 404."""
    require_owner()
    return ops.get_staff(g.business, staff_id, include_inactive=True)


def _list_page(form: StaffForm, status: int = 200):
    members = ops.list_staff(g.business, include_inactive=True)
    return render_settings_page("staff/settings_staff.html", status, members=members, form=form)


@bp.get("/settings/staff")
def settings_staff():
    require_owner()
    return _list_page(StaffForm().fill_choices(g.business.timezone))


@bp.post("/settings/staff")
def settings_staff_add():
    require_owner()
    form = StaffForm().fill_choices(g.business.timezone)
    if not form.validate():
        return _list_page(form, 422)
    member = ops.create_staff(g.business, form.fields(), utcnow())
    audit("staff.create", "staff", member.id, **form.fields())
    db.session.commit()
    flash(_("%(name)s was added. Now set the working hours.", name=member.name))
    return redirect(url_for(".settings_hours", staff_id=member.id), 303)


def _edit_page(member: Staff, form: StaffForm, status: int = 200):
    return render_settings_page("staff/settings_staff_edit.html", status, member=member, form=form,
                                future=ops.future_bookings(member, utcnow()), tz_name=g.business.timezone)


@bp.route("/settings/staff/<int:staff_id>", methods=["GET", "POST"])
def settings_staff_edit(staff_id: int):
    member = owned_member(staff_id)
    form = StaffForm(obj=member).fill_choices(g.business.timezone)
    if form.is_submitted():
        if not form.validate():
            return _edit_page(member, form, 422)
        audit("staff.update", "staff", member.id, changes=changed_values(member, form.fields()))
        ops.update_staff(member, form.fields())
        db.session.commit()
        flash(_("Saved."))
        return redirect(url_for(".settings_staff_edit", staff_id=member.id), 303)
    return _edit_page(member, form)


@bp.post("/settings/staff/<int:staff_id>/deactivate")
def settings_staff_deactivate(staff_id: int):
    member = owned_member(staff_id)
    ops.deactivate_staff(member)
    audit("staff.deactivate", "staff", member.id, name=member.name)
    waiting = len(ops.future_bookings(member, utcnow()))
    db.session.commit()
    if waiting:
        flash(ngettext("%(name)s can no longer be booked. %(num)s booking still needs a decision: move or "
                       "cancel it.", "%(name)s can no longer be booked. %(num)s bookings still need a decision: "
                       "move or cancel them.", waiting, name=member.name))
    else:
        flash(_("%(name)s can no longer be booked.", name=member.name))
    return redirect(url_for(".settings_staff_edit", staff_id=member.id), 303)


@bp.post("/settings/staff/<int:staff_id>/reactivate")
def settings_staff_reactivate(staff_id: int):
    member = owned_member(staff_id)
    ops.reactivate_staff(member)
    audit("staff.reactivate", "staff", member.id, name=member.name)
    db.session.commit()
    flash(_("%(name)s can be booked again.", name=member.name))
    return redirect(url_for(".settings_staff_edit", staff_id=member.id), 303)
