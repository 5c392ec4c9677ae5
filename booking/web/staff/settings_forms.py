"""Forms of the owner's settings pages (CSRF through Flask-WTF).

The business form speaks in people's units (a reminder "2 hours before", quiet hours "21:00")
and hands its values on in the shape PATCH /api/v1/business takes, so the API's validation
(booking.web.api.business.business_changes) has the last word for both.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from booking.models import Business
from booking.timezones import is_known_zone
from booking.web.api.business import POLICY_BOUNDS, REMINDER_OFFSET_BOUNDS
from booking.web.display import LANGUAGE_NAMES
from booking.web.forms import email_address

CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
UNIT_MINUTES = {"days": 24 * 60, "hours": 60, "minutes": 1}
REMINDER_ROWS = 3  # rows offered at least; one empty row more when they are all in use


def _clean(value: object) -> object:
    # PostgreSQL text cannot hold NUL, and surrounding blanks are never meant.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """An integer input whose parse error is ours (translated), keeping what was typed."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip()
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 9:
            self.data = None
            raise ValueError(_l("Please enter a whole number, like 60."))
        self.data = int(raw)


class ClockField(StringField):
    """A time of day "HH:MM" (what <input type="time"> sends); data is minutes after midnight."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        match = CLOCK.match(self.raw[:5]) if len(self.raw) in (5, 8) else None
        if match is None:
            self.data = None
            raise ValueError(_l("Please enter a time like 21:00."))
        self.data = int(match.group(1)) * 60 + int(match.group(2))

    def _value(self) -> str:
        if getattr(self, "raw", None) is not None and self.data is None:
            return self.raw
        return "" if self.data is None else f"{self.data // 60:02d}:{self.data % 60:02d}"


def in_range(name: str):
    """The bounds PATCH /api/v1/business applies to `name`, with a message people understand."""
    low, high = POLICY_BOUNDS[name]

    def check(_form: Form, field: WholeNumberField) -> None:
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(_l("Please enter a number from %(low)s to %(high)s.", low=low, high=high))
    return check


def offset_parts(minutes: int) -> dict[str, Any]:
    """A reminder offset in the largest unit that divides it: 1440 -> 1 day, 90 -> 90 minutes."""
    unit = next(name for name, size in UNIT_MINUTES.items() if minutes % size == 0)
    return {"amount": minutes // UNIT_MINUTES[unit], "unit": unit}


class ReminderRow(Form):
    """One reminder: an amount and a unit; an empty amount is no reminder."""

    amount = WholeNumberField(_l("Time before the appointment"), validators=[Optional()])
    unit = SelectField(_l("Unit"), choices=[SelectChoice("days", _l("days")), SelectChoice("hours", _l("hours")),
                                            SelectChoice("minutes", _l("minutes"))],
                       default="hours", validate_choice=False)

    def validate_amount(self, field: WholeNumberField) -> None:
        low, high = REMINDER_OFFSET_BOUNDS
        if field.data is None:
            return
        if self.unit.data not in UNIT_MINUTES:
            raise ValidationError(_l("Please choose days, hours or minutes."))
        if not low <= self.minutes() <= high:
            raise ValidationError(_l("A reminder can go from 1 minute to 30 days before the appointment."))

    def minutes(self) -> int:
        return (self.amount.data or 0) * UNIT_MINUTES[self.unit.data]


class BusinessForm(FlaskForm):
    """The business profile and policies: every setting PATCH /api/v1/business takes."""

    name = StringField(_l("Business name"), filters=[_clean],
                       validators=[DataRequired(_l("Please enter the business name.")), Length(max=200)])
    timezone = StringField(_l("Time zone"), filters=[_clean],
                           validators=[DataRequired(_l("Please choose a time zone."))])
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES],
                         validate_choice=False)
    min_notice_minutes = WholeNumberField(_l("Minimum notice (minutes)"), validators=[
        InputRequired(_l("Please enter a number.")), in_range("min_notice_minutes")])
    max_advance_days = WholeNumberField(_l("Book at most this many days ahead"), validators=[
        InputRequired(_l("Please enter a number.")), in_range("max_advance_days")])
    cancellation_cutoff_hours = WholeNumberField(_l("Cancellation cut-off (hours before)"), validators=[
        InputRequired(_l("Please enter a number.")), in_range("cancellation_cutoff_hours")])
    reminders = FieldList(FormField(ReminderRow), min_entries=REMINDER_ROWS, max_entries=20)
    delay_notice_threshold_minutes = WholeNumberField(_l("Tell customers about delays from (minutes)"), validators=[
        InputRequired(_l("Please enter a number.")), in_range("delay_notice_threshold_minutes")])
    quiet_hours_start = ClockField(_l("Quiet hours start"))
    quiet_hours_end = ClockField(_l("Quiet hours end"))
    feedback_requests = BooleanField(_l("Ask customers for feedback after their visit"))
    retention_months = WholeNumberField(_l("Keep customer data for (months)"), validators=[
        InputRequired(_l("Please enter a number.")), in_range("retention_months")])

    def validate_locale(self, field: SelectField) -> None:
        if field.data not in dict(LANGUAGE_NAMES):
            raise ValidationError(_l("Please choose a language from the list."))

    def validate_timezone(self, field: StringField) -> None:
        if field.data and not is_known_zone(field.data):
            raise ValidationError(_l("Please choose a time zone from the list, like Europe/Berlin."))

    @classmethod
    def for_business(cls, business: Business) -> BusinessForm:
        """The form filled from the business (on GET) or from the posted data (on POST)."""
        offsets = [offset_parts(m) for m in business.reminder_offsets_minutes or []]
        form = cls(obj=business, reminders=offsets, quiet_hours_start=business.quiet_hours_start_minute,
                   quiet_hours_end=business.quiet_hours_end_minute)
        if all(row.form.amount.data is not None for row in form.reminders):
            form.reminders.append_entry()
        return form

    def patch_body(self) -> dict[str, Any]:
        """The validated values in the shape of a PATCH /api/v1/business body."""
        return {"name": self.name.data, "timezone": self.timezone.data, "locale": self.locale.data,
                **{name: getattr(self, name).data for name in POLICY_BOUNDS},
                "reminder_offsets_minutes": [row.form.minutes() for row in self.reminders
                                             if row.form.amount.data is not None],
                "quiet_hours_start": self.quiet_hours_start._value(),
                "quiet_hours_end": self.quiet_hours_end._value(),
                "feedback_requests": bool(self.feedback_requests.data)}

    def field_for(self, api_name: str) -> Any:
        """The form field where a problem the API reports about `api_name` belongs."""
        if api_name == "reminder_offsets_minutes":
            return self.reminders[0].form.amount
        return getattr(self, api_name, self.name)


ROLE_CHOICES = [SelectChoice("staff", _l("Staff")), SelectChoice("owner", _l("Owner"))]
ROLES = tuple(choice.value for choice in ROLE_CHOICES)


class InviteForm(FlaskForm):
    """Invite a person by email to log in, as owner or staff, optionally as one staff member."""

    name = StringField(_l("Name"), filters=[_clean],
                       validators=[DataRequired(_l("Please enter the person's name.")), Length(max=200)])
    email = StringField(_l("Email"), filters=[_clean], validators=[
        DataRequired(_l("Please enter an email address.")), Length(max=254), email_address])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="staff", validate_choice=False)
    staff_id = SelectField(_l("Staff member"), validate_choice=False)

    def validate_role(self, field: SelectField) -> None:
        if field.data not in ROLES:
            raise ValidationError(_l("Please choose owner or staff."))

    def validate_staff_id(self, field: SelectField) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Please choose a staff member from the list."))

    def chosen_staff_id(self) -> int | None:
        return int(self.staff_id.data) if self.staff_id.data else None


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validate_choice=False)


class ActiveForm(FlaskForm):
    active = StringField()

