"""WTForms forms of the public booking and manage pages (CSRF through Flask-WTF; the booking
form's token is signed instead of kept in the session, see booking.web.sessionless_csrf).

Forms turn posted text into the frozen inputs `operations` expects; they never touch the
database. Labels and messages are lazy so they are translated per request.
"""
from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from booking.operations.bookings import BookingRequest
from booking.operations.customers import CustomerDetails
from booking.web.sessionless_csrf import SessionlessForm

MIN_YEAR, MAX_YEAR = 1971, 2999


def parse_aware(raw: object) -> datetime | None:
    """An ISO 8601 instant with an offset, or None: SPEC refuses datetimes without one.
    Years far from now are refused too, so no later date arithmetic can overflow."""
    if not isinstance(raw, str) or not raw or len(raw) > 40:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.utcoffset() is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return moment


def _clean(value: object) -> object:
    # PostgreSQL text cannot hold NUL, and surrounding blanks are never meant.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class AwareDateTimeField(HiddenField):
    """The chosen start, carried as a hidden ISO 8601 value with its offset."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = parse_aware(self.raw)
        if self.data is None:
            raise ValueError(_l("Please choose a time again."))

    def _value(self) -> str:
        if isinstance(self.data, datetime):
            return self.data.isoformat()
        return getattr(self, "raw", "") or ""


def email_address(_form: FlaskForm, field: StringField) -> None:
    """The same acceptance as the JSON API (booking.web.api.schema): syntax only, stored lower-case."""
    try:
        result = validate_email(field.data or "", check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValidationError(_l("Please enter a valid email address, like name@example.com.")) from exc
    field.data = result.normalized.lower()


CHANNEL_CHOICES = [SelectChoice("email", _l("By email")), SelectChoice("sms", _l("By text message (SMS)")),
                   SelectChoice("none", _l("No reminders"))]


class BookingForm(SessionlessForm):
    """The details step: who is booking; the chosen offer rides along in hidden fields."""

    service = HiddenField()
    staff = HiddenField()
    tz = HiddenField()
    start = AwareDateTimeField()
    # One key per rendered form: a double click or a resent POST returns the first booking.
    idempotency_key = HiddenField(filters=[_clean], validators=[Length(max=200)])
    name = StringField(_l("Your name"), filters=[_clean], validators=[
        DataRequired(_l("Please enter your name.")), Length(max=200)])
    email = EmailField(_l("Email"), filters=[_clean], validators=[
        DataRequired(_l("Please enter your email address.")), Length(max=254), email_address])
    phone = TelField(_l("Phone (optional)"), filters=[_clean], validators=[Length(max=40)])
    preferred_channel = RadioField(_l("How should we remind you?"), choices=CHANNEL_CHOICES, default="email")
    notes = TextAreaField(_l("Notes for the practice (optional)"), filters=[_clean],
                          validators=[Length(max=2000)])

    def validate_phone(self, field: TelField) -> None:
        # Text-message reminders need somewhere to go.
        if self.preferred_channel.data == "sms" and not field.data:
            raise ValidationError(_l("Please enter a phone number for text messages."))

    def booking_request(self, service_id: int, staff_id: int | None) -> BookingRequest:
        details = CustomerDetails(name=self.name.data, email=self.email.data, phone=self.phone.data or None,
                                  preferred_channel=self.preferred_channel.data, locale=str(get_locale()))
        return BookingRequest(service_id=service_id, staff_id=staff_id, start=self.start.data,
                              customer=details, notes=self.notes.data or None,
                              idempotency_key=self.idempotency_key.data or None, source="online")


class RescheduleForm(FlaskForm):
    """Move the booking to `start`; `tz` keeps the visitor's zone across the POST."""

    tz = HiddenField()
    start = AwareDateTimeField()


class CancelForm(FlaskForm):
    """Only the CSRF token and the visitor's zone: the confirmation step is the page itself."""

    tz = HiddenField()
