"""Customer message texts: every notification kind in German, English and Spanish.

PURE: standard library and Babel only; nothing here decides whether a message is
sent, it only turns a :class:`MessageContext` into words. The wording lives in
:mod:`booking.notify.phrases`.

Boundary semantics:

* ``locale`` is matched on its language part (``"de-AT"`` and ``"de_DE"`` give German);
  anything that is not German, English or Spanish falls back to English.
* Times are shown in the zone their datetime already carries (``start``'s zone for
  ``previous_start`` and ``estimated_start``, which are converted to it), followed by
  ``timezone_name``. Naive datetimes are refused with :class:`ValueError`.
* ``text`` and ``sms`` carry every value verbatim; ``html`` escapes every interpolated
  value (names, reason, links). Subjects and SMS have runs of whitespace (including
  newlines) collapsed to one space, so a value can never break an email header.
* The delay estimate is shown as a time of day (delays do not cross midnight).
* ``reason`` (the practice's message to the customer) becomes its own paragraph of a
  cancellation or reschedule email when it is not blank; other kinds and SMS leave it out.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date, format_skeleton, format_time

from booking.notify.phrases import PHRASES

KINDS = ("confirmation", "reschedule", "cancellation", "reminder", "delay", "feedback")
LOCALES = ("de", "en", "es")
DEFAULT_LOCALE = "en"
SMS_NAME_LIMIT = 40
"""Names longer than this are shortened with an ellipsis in SMS (links never are)."""

# Babel puts narrow/no-break spaces into some patterns ("9:00\u202fAM"); plain spaces
# keep SMS in the GSM alphabet and make the text predictable.
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


@dataclass(frozen=True)
class MessageContext:
    """Everything a customer message may mention; see the module docstring for semantics."""

    kind: str
    locale: str
    business_name: str
    customer_name: str
    service_name: str
    staff_name: str
    start: datetime
    end: datetime
    timezone_name: str
    manage_url: str
    previous_start: datetime | None = None
    estimated_start: datetime | None = None
    all_clear: bool = False
    keep_url: str | None = None
    reschedule_url: str | None = None
    cancel_url: str | None = None
    feedback_url: str | None = None
    unsubscribe_url: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RenderedMessage:
    """One message in every form a channel needs: email subject, text and HTML bodies, SMS."""

    subject: str
    text: str
    html: str
    sms: str


@dataclass(frozen=True)
class _Parts:
    """The pieces of an email body, already filled in (and escaped, for HTML)."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    details: tuple[tuple[str, str], ...]
    links: tuple[tuple[str, str], ...]
    sign_off: str
    signature: str


def resolve_locale(locale: str) -> str:
    """The supported locale for ``locale`` ("de-AT" -> "de"); English when unsupported."""
    language = locale.replace("-", "_").split("_")[0].strip().lower()
    return language if language in LOCALES else DEFAULT_LOCALE


def format_when(moment: datetime, locale: str) -> str:
    """Full weekday, date and short time in ``moment``'s own zone, natural for ``locale``.

    en "Tuesday, February 2, 2027, 9:00 AM", de "Dienstag, 2. Februar 2027, 09:00",
    es "martes, 2 de febrero de 2027, 9:00". Unsupported locales format as English.
    """
    _require_aware(moment, "moment")
    loc = resolve_locale(locale)
    day = format_date(moment, "full", locale=loc)
    return f"{day}, {format_clock(moment, loc)}".translate(_SPACES)


def format_clock(moment: datetime, locale: str) -> str:
    """Short time of day in ``moment``'s own zone: en "9:40 AM", de "09:40", es "9:40"."""
    _require_aware(moment, "moment")
    clock = format_time(moment, "short", tzinfo=moment.tzinfo, locale=resolve_locale(locale))
    return clock.translate(_SPACES)


def format_when_short(moment: datetime, locale: str) -> str:
    """Abbreviated weekday and date plus short time, for subjects and SMS.

    en "Tue, Feb 2, 2027, 9:00 AM", de "Di., 2. Feb. 2027, 09:00", es "mar, 2 feb 2027, 9:00".
    """
    _require_aware(moment, "moment")
    loc = resolve_locale(locale)
    day = format_skeleton("yMMMEd", moment, tzinfo=moment.tzinfo, locale=loc)
    return f"{day}, {format_clock(moment, loc)}".translate(_SPACES)


def render_message(context: MessageContext) -> RenderedMessage:
    """Render ``context`` as subject, plain text, HTML and SMS in the context's locale.

    Raises ValueError for an unknown kind, naive datetimes, a reschedule without
    ``previous_start``, a delay notice (not all-clear) without ``estimated_start``, or
    a feedback request without ``feedback_url``.
    """
    _validate(context)
    locale = resolve_locale(context.locale)
    phrases = PHRASES[locale]
    values = _values(context, locale)
    text_parts = _parts(context, phrases, values, escape=False)
    html_parts = _parts(context, phrases, values, escape=True)
    return RenderedMessage(
        subject=text_parts.subject,
        text=_text_body(text_parts),
        html=_html_body(html_parts, locale),
        sms=_sms(context, phrases, values),
    )


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {moment!r}")


def _validate(context: MessageContext) -> None:
    if context.kind not in KINDS:
        raise ValueError(f"unknown message kind {context.kind!r}; expected one of {KINDS}")
    for name in ("start", "end", "previous_start", "estimated_start"):
        moment = getattr(context, name)
        if moment is not None:
            _require_aware(moment, name)
    if context.kind == "reschedule" and context.previous_start is None:
        raise ValueError("a reschedule message needs previous_start")
    if context.kind == "delay" and not context.all_clear and context.estimated_start is None:
        raise ValueError("a delay notice needs estimated_start (or all_clear=True)")
    if context.kind == "feedback" and not context.feedback_url:
        raise ValueError("a feedback request needs feedback_url")


def _phrase_kind(context: MessageContext) -> str:
    return "delay_clear" if context.kind == "delay" and context.all_clear else context.kind


def _values(context: MessageContext, locale: str) -> dict[str, str]:
    """Raw (unescaped) placeholder values shared by every form of the message."""
    zone = context.timezone_name
    local = context.start.tzinfo
    values = {
        "customer": context.customer_name,
        "business": context.business_name,
        "service": context.service_name,
        "staff": context.staff_name,
        "reason": context.reason or "",
        "when": f"{format_when(context.start, locale)} ({zone})",
        "date": format_when_short(context.start, locale),
        "when_sms": f"{format_when_short(context.start, locale)} ({zone})",
        "manage_url": context.manage_url,
        "feedback_url": context.feedback_url or "",
        "previous": "",
        "previous_sms": "",
        "estimate": "",
    }
    if context.previous_start is not None:
        previous = context.previous_start.astimezone(local)
        values["previous"] = f"{format_when(previous, locale)} ({zone})"
        values["previous_sms"] = format_when_short(previous, locale)  # zone follows the new time
    if context.estimated_start is not None:
        values["estimate"] = format_clock(context.estimated_start.astimezone(local), locale)
    return values


def _links(context: MessageContext) -> list[tuple[str, str]]:
    """(phrase key of the label, url) for every link the message offers, in order."""
    kind = _phrase_kind(context)
    manage = context.manage_url
    if kind == "delay":
        return [
            ("link.keep", context.keep_url or manage),
            ("link.reschedule", context.reschedule_url or manage),
            ("link.cancel", context.cancel_url or manage),
            ("link.view", manage),
        ]
    links = {
        "cancellation": [("link.view", manage)],
        "feedback": [("link.feedback", context.feedback_url or manage), ("link.view", manage)],
    }.get(kind, [("link.manage", manage)])
    if kind in ("reminder", "feedback") and context.unsubscribe_url:
        links.append(("link.unsubscribe", context.unsubscribe_url))
    return links


def _filler(values: Mapping[str, str], escape: bool) -> Callable[[str], str]:
    """A function filling a template; with ``escape`` both template and values are HTML-escaped."""
    if not escape:
        return lambda template: template.format_map(values)
    safe = {key: html.escape(value) for key, value in values.items()}
    return lambda template: html.escape(template).format_map(safe)


def _parts(context: MessageContext, phrases: Mapping[str, str], values: Mapping[str, str],
           escape: bool) -> _Parts:
    """Fill in the email pieces; ``escape`` gives the HTML-safe variant."""
    fill = _filler(values, escape)
    kind = _phrase_kind(context)
    paragraphs = [fill(p) for p in phrases[f"{kind}.body"].split("\n\n")]
    if context.kind in ("cancellation", "reschedule") and context.reason and context.reason.strip():
        paragraphs.append(fill(phrases["reason"]))
    details = (
        (fill(phrases["label.service"]), fill("{service}")),
        (fill(phrases["label.staff"]), fill("{staff}")),
        (fill(phrases["label.when"]), fill("{when}")),
    )
    links = tuple((fill(phrases[key]), html.escape(url) if escape else url) for key, url in _links(context))
    return _Parts(
        subject=_one_line(fill(phrases[f"{kind}.subject"])),
        greeting=fill(phrases["greeting"]),
        paragraphs=tuple(paragraphs),
        details=details,
        links=links,
        sign_off=fill(phrases["sign_off"]),
        signature=fill("{business}"),
    )


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _text_body(parts: _Parts) -> str:
    """The plain-text email body."""
    width = max(len(label) for label, _ in parts.details) + 1
    blocks = [
        parts.greeting,
        *parts.paragraphs,
        "\n".join(f"{label + ':':<{width}} {value}" for label, value in parts.details),
        "\n".join(f"{label}: {url}" for label, url in parts.links),
        f"{parts.sign_off}\n{parts.signature}",
    ]
    return "\n\n".join(blocks) + "\n"


_FONT = "font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#222222;"
_P = "margin:0 0 16px 0;"
_CELL = "padding:4px 16px 4px 0;vertical-align:top;text-align:left;"
_LINK = "color:#1a5fb4;text-decoration:underline;"


def _html_body(parts: _Parts, locale: str) -> str:
    """A complete small HTML document; ``parts`` must already be escaped."""
    paragraphs = "".join(f'<p style="{_P}">{p.replace(chr(10), "<br>")}</p>' for p in parts.paragraphs)
    rows = "".join(
        f'<tr><th scope="row" style="{_CELL}font-weight:bold;">{label}</th>'
        f'<td style="{_CELL}">{value}</td></tr>'
        for label, value in parts.details
    )
    links = "".join(
        f'<p style="margin:0 0 8px 0;"><a href="{url}" style="{_LINK}">{label}</a></p>'
        for label, url in parts.links
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{locale}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{parts.subject}</title>\n</head>\n"
        f'<body style="margin:0;padding:24px;background-color:#f4f4f4;{_FONT}">\n'
        f'<div style="max-width:560px;margin:0 auto;padding:24px;background-color:#ffffff;">\n'
        f'<p style="{_P}">{parts.greeting}</p>\n{paragraphs}\n'
        f'<table role="presentation" style="border-collapse:collapse;margin:0 0 16px 0;{_FONT}">'
        f"{rows}</table>\n"
        f'<div style="margin:0 0 16px 0;">{links}</div>\n'
        f'<p style="{_P}">{parts.sign_off}<br>{parts.signature}</p>\n'
        f"</div>\n</body>\n</html>\n"
    )


def _clip(value: str, limit: int = SMS_NAME_LIMIT) -> str:
    value = _one_line(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _sms(context: MessageContext, phrases: Mapping[str, str], values: Mapping[str, str]) -> str:
    """The short SMS text: names clipped, whitespace collapsed, links kept whole."""
    short = dict(values)
    for key in ("customer", "business", "service", "staff"):
        short[key] = _clip(values[key])
    return _one_line(phrases[f"{_phrase_kind(context)}.sms"].format_map(short))
