"""Forms of the staff booking pages: a phone or walk-in booking, moving a booking, its status.

Like booking.web.forms, they turn posted text into the inputs `operations` expects and never
touch the database; the views give them the choices (services, staff) of the business.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from booking.operations.booking_changes import STATUS_ACTIONS
from booking.operations.bookings import BookingRequest
from booking.operations.customers import CustomerDetails
from booking.timezones import zone
from booking.web.forms import CHANNEL_CHOICES, MIN_YEAR, MAX_YEAR, _clean, email_address, parse_aware
from booking.web.staff.customer_forms import check_channel_reachable

ANY_STAFF = "any"
OTHER_TIME = "other"  # the radio next to the typed-in time
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
MESSAGE_LIMIT = 1000


def parse_id(raw: object) -> int | None:
    # Longer numbers exist nowhere and would overflow PostgreSQL's integer in a query.
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def usable_day(value: object) -> date | None:
    """A date whose year keeps date arithmetic (a day either side, time zones) from overflowing."""
    return value if isinstance(value, date) and MIN_YEAR <= value.year <= MAX_YEAR else None


class SafeDateField(DateField):
    """A date input whose year stays where date arithmetic cannot overflow."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:  # our words, not WTForms' "Not a valid date value."
            raise ValueError(_l("Please enter a date like 2027-02-01.")) from exc

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and usable_day(self.data) is None:
            self.data = None
            raise ValidationError(_l("Please enter a date like 2027-02-01."))


class PhoneBookingForm(FlaskForm):
    """An existing customer (`customer_id`) or a new one, a service, staff or anyone, a time."""

    customer_id = HiddenField()
    name = StringField(_l("Name"), filters=[_clean], validators=[Length(max=200)])
    # A walk-in may give no email address (and no phone number): then no email can reach them.
    email = EmailField(_l("Email (optional)"), filters=[_clean], validators=[Length(max=254)])
    phone = TelField(_l("Phone (optional)"), filters=[_clean], validators=[Length(max=40)])
    preferred_channel = RadioField(_l("Reminders"), choices=CHANNEL_CHOICES, default="email")
    # Ticked after the page said a customer with this phone number exists: book a new one anyway.
    new_customer_ok = BooleanField(_l("This is someone else: add a new customer"))
    service = SelectField(_l("Service"), coerce=parse_id, validators=[InputRequired(_l("Please choose a service."))])
    staff = SelectField(_l("With"), default=ANY_STAFF)
    day = SafeDateField(_l("Day"), validators=[InputRequired(_l("Please enter a date like 2027-02-01."))])
    # The chosen offered start (ISO 8601 with offset) or OTHER_TIME; radios drawn by the template.
    start = StringField(filters=[_clean], validators=[Length(max=40)])
    manual_time = StringField(_l("Another time (hh:mm)"), filters=[_clean], validators=[Length(max=5)])
    outside_hours = BooleanField(_l("Book outside working hours"))
    notes = TextAreaField(_l("Notes (optional)"), filters=[_clean], validators=[Length(max=2000)])
    # One key per rendered form: a double click or a resent POST returns the first booking.
    idempotency_key = HiddenField(filters=[_clean], validators=[Length(max=200)])

    def fill_choices(self, services: list, staff: list) -> None:
        self.service.choices = [(service.id, service.name) for service in services]
        self.staff.choices = [(ANY_STAFF, _l("Anyone available")), *((str(m.id), m.name) for m in staff)]

    @property
    def existing_customer_id(self) -> int | None:
        return parse_id(self.customer_id.data)

    @property
    def staff_id(self) -> int | None:
        return parse_id(self.staff.data)

    def validate_name(self, field: StringField) -> None:
        if self.existing_customer_id is None and not field.data:
            raise ValidationError(_l("Please enter the customer's name, or find an existing customer."))

    def validate_email(self, field: EmailField) -> None:
        if self.existing_customer_id is None and field.data:
            email_address(self, field)

    def validate_phone(self, field: TelField) -> None:
        if self.existing_customer_id is None and self.preferred_channel.data == "sms" and not field.data:
            raise ValidationError(_l("Please enter a phone number for text messages."))

    def validate_preferred_channel(self, field: RadioField) -> None:
        if self.existing_customer_id is None:
            check_channel_reachable(field.data, self.email.data)

    def validate_manual_time(self, field: StringField) -> None:
        if field.data and not CLOCK.fullmatch(field.data):
            raise ValidationError(_l("Please enter a time like 14:30."))

    def validate_start(self, field: StringField) -> None:
        typed = self.manual_time.data and CLOCK.fullmatch(self.manual_time.data)
        if field.data == OTHER_TIME or (not field.data and typed):
            if not self.manual_time.data:
                raise ValidationError(_l("Please enter the other time."))
        elif parse_aware(field.data) is None:
            raise ValidationError(_l("Please choose a time."))

    def chosen_start(self, tz_name: str) -> datetime | None:
        """The offered start picked, or the typed time on the chosen day in the business's zone."""
        offered = parse_aware(self.start.data)
        if offered is not None:
            return offered
        match = CLOCK.fullmatch(self.manual_time.data or "")
        if match is None or usable_day(self.day.data) is None:
            return None
        return datetime.combine(self.day.data, time(int(match.group(1)), int(match.group(2))), zone(tz_name))

    def booking_request(self, start: datetime, customer: CustomerDetails) -> BookingRequest:
        return BookingRequest(service_id=self.service.data, staff_id=self.staff_id, start=start,
                              customer=customer, notes=self.notes.data or None,
                              idempotency_key=self.idempotency_key.data or None, source="staff",
                              outside_hours_ok=bool(self.outside_hours.data))

    @property
    def new_without_email(self) -> bool:
        """A new customer is entered, and without an email address (a walk-in, say)."""
        return self.existing_customer_id is None and not self.email.data

    def new_customer(self) -> CustomerDetails:
        return CustomerDetails(name=self.name.data, email=self.email.data or None, phone=self.phone.data or None,
                               preferred_channel=self.preferred_channel.data)

    def fresh_key(self) -> None:
        self.idempotency_key.data = uuid.uuid4().hex


class MoveForm(FlaskForm):
    """A new start (one of the free times shown) and staff member, and an optional message."""

    staff = SelectField(_l("With"), coerce=parse_id, validators=[InputRequired()])
    day = SafeDateField(_l("Day"), validators=[Optional()])
    start = StringField(filters=[_clean], validators=[Length(max=40)])
    message = TextAreaField(_l("Message to the customer (optional)"), filters=[_clean],
                            validators=[Optional(), Length(max=MESSAGE_LIMIT)])

    def validate_start(self, field: StringField) -> None:
        if parse_aware(field.data) is None:
            raise ValidationError(_l("Please choose a time."))


class StatusForm(FlaskForm):
    """One of the status buttons; a cancellation may carry a message to the customer."""

    status = StringField(validators=[InputRequired(), AnyOf(tuple(STATUS_ACTIONS))])
    message = TextAreaField(_l("Message to the customer (optional)"), filters=[_clean],
                            validators=[Optional(), Length(max=MESSAGE_LIMIT)])
