"""How the public and manage pages show dates, times, prices and the language switch.

Times are always shown in a zone the caller names (the visitor's), in the page's language,
so templates never do time-zone arithmetic themselves.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_day_names
from babel.numbers import format_decimal
from flask import g, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from booking.operations.availability import from_epoch
from booking.operations.privacy import ERASED_NAME
from booking.timezones import zone

# Each language is named in itself, so a visitor finds theirs whatever the page speaks now.
LANGUAGE_NAMES = (("de", "Deutsch"), ("en", "English"), ("es", "Español"))


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def first_weekday() -> int:
    return _locale().first_week_day


def local(moment: datetime | int, tz_name: str) -> datetime:
    if isinstance(moment, int):
        moment = from_epoch(moment)
    return moment.astimezone(zone(tz_name))


def time_text(moment: datetime | int, tz_name: str) -> str:
    return format_time(local(moment, tz_name), "short", tzinfo=zone(tz_name), locale=_locale())


def date_text(moment: date | datetime | int, tz_name: str | None = None, fmt: str = "full") -> str:
    if not isinstance(moment, date) or isinstance(moment, datetime):
        moment = local(moment, tz_name or "UTC").date()
    return format_date(moment, fmt, locale=_locale())


def datetime_text(moment: datetime | int, tz_name: str) -> str:
    """"Tuesday, February 2, 2027, 9:00 AM" in the page's language."""
    return _("%(date)s, %(time)s", date=date_text(moment, tz_name), time=time_text(moment, tz_name))


def short_datetime_text(moment: datetime | int, tz_name: str) -> str:
    """"Thu, Feb 4, 9:00 AM": weekday, day and month in the order the language uses."""
    day = format_skeleton("MMMEd", local(moment, tz_name), tzinfo=zone(tz_name), locale=_locale())
    return _("%(date)s, %(time)s", date=day, time=time_text(moment, tz_name))


def month_text(month: date) -> str:
    return format_date(month, "LLLL y", locale=_locale())


def weekday_headers() -> list[tuple[str, str]]:
    """(abbreviation, full name) per column, starting on the locale's first day of the week."""
    short, wide = get_day_names("abbreviated", locale=_locale()), get_day_names("wide", locale=_locale())
    start = first_weekday()
    return [(short[(start + i) % 7], wide[(start + i) % 7]) for i in range(7)]


def price_text(price: Decimal | None) -> str | None:
    return None if price is None else format_decimal(price, "#,##0.00", locale=_locale())


def minutes_text(minutes: int) -> str:
    return _("%(minutes)s min", minutes=minutes)


def zone_text(tz_name: str) -> str:
    return tz_name.replace("_", " ")


def person_text(name: str) -> str:
    """A customer's name as shown: an erased customer's stored placeholder in the page's language."""
    return _("Erased customer") if name == ERASED_NAME else name


def status_text(status: str) -> str:
    labels = {"confirmed": _("Confirmed"), "arrived": _("Arrived"), "completed": _("Completed"),
              "no_show": _("Missed"), "cancelled": _("Cancelled")}
    return labels.get(status, status)


def lang_url(code: str) -> str:
    """This page in another language. A page rendered for a POST links to its GET twin
    (views name it in g.lang_target), since a link cannot repeat a POST."""
    if request.method == "GET" and request.endpoint:
        args = {k: v for k, v in request.args.items() if k != "lang"}
        return url_for(request.endpoint, **(request.view_args or {}), **args, lang=code)
    endpoint, args = getattr(g, "lang_target", (None, {}))
    if endpoint:
        return url_for(endpoint, **args, lang=code)
    return f"{request.path}?{urlencode({'lang': code})}"


def field_attrs(field: Any, hint: object = None, **attrs: Any) -> dict[str, Any]:
    """Ties a field's hint and messages to it, so screen readers announce them (WCAG 3.3.1)."""
    ids = ([f"{field.id}-hint"] if hint else []) + ([f"{field.id}-error"] if field.errors else [])
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def error_anchor(field: Any) -> str:
    """Where an error summary entry jumps: the input, the first radio, or the chosen time."""
    if field.type == "RadioField":
        return f"{field.id}-0"
    return "when" if getattr(field.widget, "input_type", None) == "hidden" else field.id


def template_helpers() -> dict[str, Any]:
    """Context processor of the public and manage blueprints."""
    return {
        "time_text": time_text, "date_text": date_text, "datetime_text": datetime_text,
        "short_datetime_text": short_datetime_text, "month_text": month_text,
        "weekday_headers": weekday_headers, "price_text": price_text, "minutes_text": minutes_text,
        "zone_text": zone_text, "status_text": status_text, "lang_url": lang_url,
        "languages": LANGUAGE_NAMES, "field_attrs": field_attrs, "error_anchor": error_anchor,
        # The visitor's zone is detected in the browser only when the address does not name one.
        "auto_tz": request.method == "GET" and "tz" not in request.args,
    }
