"""Forms of the customer pages: staff editing a customer, the owner confirming an erasure."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from booking.models import Customer
from booking.operations.customer_records import CustomerChanges
from booking.web.display import LANGUAGE_NAMES
from booking.web.forms import _clean, email_address

# The same words staff see on a booking's page ("Reminders by: Email").
STAFF_CHANNEL_CHOICES = [SelectChoice("email", _l("Email")), SelectChoice("sms", _l("Text message (SMS)")),
                         SelectChoice("none", _l("No reminders"))]
PRACTICE_LANGUAGE = ""
# Languages are named in themselves, as on the public pages' switch.
LOCALE_CHOICES = [SelectChoice(PRACTICE_LANGUAGE, _l("The practice's language")),
                  *(SelectChoice(code, name) for code, name in LANGUAGE_NAMES)]


def check_channel_reachable(channel: str | None, email: str | None) -> None:
    """Reminders by email need an address: staff may enter a customer without one (a walk-in),
    who then gets text messages or nothing."""
    if channel == "email" and not email:
        raise ValidationError(_l("Without an email address, reminders can only go by text message "
                                 "or not at all. Please enter an email address or choose another option."))


class CustomerForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_clean], validators=[
        DataRequired(_l("Please enter the customer's name.")), Length(max=200)])
    # Optional: a walk-in may have none (then reminders go by text message or not at all).
    email = EmailField(_l("Email (optional)"), filters=[_clean], validators=[
        Optional(), Length(max=254), email_address])
    phone = TelField(_l("Phone (optional)"), filters=[_clean], validators=[Length(max=40)])
    preferred_channel = RadioField(_l("Reminders by"), choices=STAFF_CHANNEL_CHOICES, default="email")
    locale = SelectField(_l("Language of messages"), choices=LOCALE_CHOICES, default=PRACTICE_LANGUAGE)
    notes = TextAreaField(_l("Notes (only the practice sees them)"), filters=[_clean],
                          validators=[Length(max=5000)])
    consent = BooleanField(_l("The customer agreed to their data being kept and to receiving messages"))

    def validate_phone(self, field: TelField) -> None:
        # Text-message reminders need somewhere to go (the public booking form's rule too).
        if self.preferred_channel.data == "sms" and not field.data:
            raise ValidationError(_l("Please enter a phone number for text messages."))

    def validate_preferred_channel(self, field: RadioField) -> None:
        check_channel_reachable(field.data, self.email.data)

    @classmethod
    def for_customer(cls, customer: Customer) -> CustomerForm:
        """The form filled from the record (a GET), or from what was posted (a POST)."""
        return cls(data={"name": customer.name, "email": customer.email or "", "phone": customer.phone or "",
                         "preferred_channel": customer.preferred_channel,
                         "locale": customer.locale or PRACTICE_LANGUAGE, "notes": customer.notes or ""})

    def changes(self) -> CustomerChanges:
        return CustomerChanges(name=self.name.data, email=self.email.data or None, phone=self.phone.data or None,
                               preferred_channel=self.preferred_channel.data, notes=self.notes.data or None,
                               locale=self.locale.data or None, consent_given=bool(self.consent.data))


class EraseForm(FlaskForm):
    """Erasure cannot be undone, so the owner ticks a box saying they mean it."""

    confirm = BooleanField(_l("I understand that this customer's personal data will be erased for good"),
                           validators=[DataRequired(_l("Please tick the box to confirm the erasure."))])
