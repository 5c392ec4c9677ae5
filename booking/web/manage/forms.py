"""Forms of the customer's follow-up pages: the feedback question and the unsubscribe button."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

# RFC 8058: a mail client's one-click unsubscribe POSTs exactly this one field.
ONE_CLICK = {"List-Unsubscribe": "One-Click"}

RATING_CHOICES = [SelectChoice(1, _l("1 – poor")), SelectChoice(2, _l("2 – fair")), SelectChoice(3, _l("3 – good")),
                  SelectChoice(4, _l("4 – very good")), SelectChoice(5, _l("5 – excellent"))]


def _clean(value: object) -> object:
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class FeedbackForm(FlaskForm):
    """One question, rated 1 to 5, and an optional comment; `tz` keeps the visitor's zone."""

    tz = HiddenField()
    rating = RadioField(_l("How was your visit?"), choices=RATING_CHOICES, coerce=int,
                        validators=[InputRequired(_l("Please choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Anything you would like to tell us? (optional)"), filters=[_clean],
                            validators=[Length(max=2000)])


class UnsubscribeForm(FlaskForm):
    """Only the CSRF token and the visitor's zone: the confirmation step is the page itself."""

    tz = HiddenField()


def is_one_click(form: dict[str, list[str]]) -> bool:
    """A body of exactly `List-Unsubscribe=One-Click` (no other field, no repeat)."""
    return form == {key: [value] for key, value in ONE_CLICK.items()}
