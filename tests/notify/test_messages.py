"""Customer message texts (booking.notify.messages): every kind x locale, escaping, links, SMS."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.notify.messages import (
    KINDS,
    LOCALES,
    MessageContext,
    RenderedMessage,
    format_when,
    render_message,
    resolve_locale,
)
from booking.notify.phrases import PHRASES

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2027, 2, 2, 9, 0, tzinfo=BERLIN)  # Tuesday, winter time
MANAGE = "https://book.example.com/m/manage-token"
KEEP = "https://book.example.com/m/manage-token/keep"
MOVE = "https://book.example.com/m/manage-token/reschedule"
CANCEL = "https://book.example.com/m/manage-token/cancel"
FEEDBACK = "https://book.example.com/f/feedback-token"
UNSUBSCRIBE = "https://book.example.com/u/unsubscribe-token"
XSS = "<script>alert(1)</script>"
WORD = {"de": "Termin", "en": "appointment", "es": "cita"}


def ctx(kind: str = "confirmation", locale: str = "en", **changes: object) -> MessageContext:
    base = MessageContext(
        kind=kind,
        locale=locale,
        business_name="Praxis Sonnenschein",
        customer_name="Anna Schmidt",
        service_name="Physiotherapie 30 min",
        staff_name="Maria Lopez",
        start=START,
        end=START + timedelta(minutes=30),
        timezone_name="Europe/Berlin",
        manage_url=MANAGE,
        previous_start=START - timedelta(days=1, hours=1),
        estimated_start=datetime(2027, 2, 2, 8, 40, tzinfo=UTC),  # 09:40 in Berlin
        keep_url=KEEP,
        reschedule_url=MOVE,
        cancel_url=CANCEL,
        feedback_url=FEEDBACK,
        unsubscribe_url=UNSUBSCRIBE,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


ALL_CASES = [(kind, locale, False) for kind in KINDS for locale in LOCALES] + [
    ("delay", locale, True) for locale in LOCALES
]


@pytest.mark.parametrize(("kind", "locale", "all_clear"), ALL_CASES)
def test_every_kind_and_locale_renders_every_part(kind, locale, all_clear):
    message = render_message(ctx(kind, locale, all_clear=all_clear))
    assert isinstance(message, RenderedMessage)
    for part in (message.subject, message.text, message.html, message.sms):
        assert part.strip()
    assert "\n" not in message.subject
    assert "Praxis Sonnenschein" in message.subject
    for value in ("Anna Schmidt", "Physiotherapie 30 min", "Maria Lopez", "(Europe/Berlin)", MANAGE):
        assert value in message.text
        assert value in message.html
    assert format_when(START, locale) in message.text
    assert WORD[locale] in message.text
    assert "{" not in message.text + message.sms + message.subject


def test_format_when_is_natural_in_each_language():
    assert format_when(START, "en") == "Tuesday, February 2, 2027, 9:00 AM"
    assert format_when(START, "de") == "Dienstag, 2. Februar 2027, 09:00"
    assert format_when(START, "es") == "martes, 2 de febrero de 2027, 9:00"


def test_format_when_uses_the_zone_the_datetime_carries():
    summer = datetime(2027, 7, 6, 7, 30, tzinfo=UTC).astimezone(BERLIN)
    assert format_when(summer, "de") == "Dienstag, 6. Juli 2027, 09:30"


@pytest.mark.parametrize(("locale", "estimate", "scheduled"),
                         [("de", "09:40", "09:00"), ("en", "9:40 AM", "9:00 AM"), ("es", "9:40", "9:00")])
def test_delay_notice_shows_the_estimate_in_local_format(locale, estimate, scheduled):
    message = render_message(ctx("delay", locale))
    for part in (message.subject, message.text, message.html, message.sms):
        assert estimate in part
    assert scheduled in message.text
    assert scheduled in message.sms


@pytest.mark.parametrize("locale", LOCALES)
def test_delay_notice_offers_keep_reschedule_and_cancel(locale):
    message = render_message(ctx("delay", locale))
    for url in (KEEP, MOVE, CANCEL, MANAGE):
        assert url in message.text
        assert f'href="{url}"' in message.html


def test_delay_links_fall_back_to_the_manage_link():
    message = render_message(ctx("delay", keep_url=None, reschedule_url=None, cancel_url=None))
    assert KEEP not in message.text
    assert message.text.count(MANAGE) == 4
    assert message.html.count(f'href="{MANAGE}"') == 4


@pytest.mark.parametrize("locale", LOCALES)
def test_all_clear_differs_from_a_delay_notice(locale):
    notice = render_message(ctx("delay", locale))
    clear = render_message(ctx("delay", locale, all_clear=True, estimated_start=None))
    assert clear.subject != notice.subject
    assert clear.text != notice.text
    assert clear.sms != notice.sms
    assert KEEP not in clear.text
    assert format_when(START, locale) in clear.text
    planned = {"de": "wie geplant", "en": "planned time", "es": "hora prevista"}[locale]
    assert planned in clear.text
    assert planned in clear.sms


def test_html_escapes_every_value_and_text_keeps_it_verbatim():
    message = render_message(ctx(
        "cancellation", customer_name=XSS, business_name="Zoë & Co", staff_name='"Jo"',
        reason="<b>ill</b>\nsorry", manage_url="https://book.example.com/m/t?a=1&b=2",
    ))
    assert "<script>" not in message.html
    assert "<b>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "Zoë &amp; Co" in message.html
    assert "&quot;Jo&quot;" in message.html
    assert "&lt;b&gt;ill&lt;/b&gt;<br>sorry" in message.html
    assert 'href="https://book.example.com/m/t?a=1&amp;b=2"' in message.html
    assert "Zoë & Co" not in message.html
    for raw in (XSS, "Zoë & Co", '"Jo"', "<b>ill</b>\nsorry", "?a=1&b=2"):
        assert raw in message.text
    assert "Zoë & Co" in message.subject
    assert "Zoë & Co" in message.sms


@pytest.mark.parametrize("kind", KINDS)
def test_html_is_a_small_self_contained_document(kind):
    page = render_message(ctx(kind, "es", customer_name=XSS)).html
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="es">' in page
    assert '<meta charset="utf-8">' in page
    assert page.rstrip().endswith("</html>")
    for forbidden in ("<script", "<link", "<img", "<style", "src=", "url("):
        assert forbidden not in page


def test_unknown_locale_falls_back_to_english():
    assert render_message(ctx("reminder", "fr")) == render_message(ctx("reminder", "en"))
    assert render_message(ctx("reminder", "")) == render_message(ctx("reminder", "en"))
    assert resolve_locale("de-AT") == "de"
    assert resolve_locale("ES_mx") == "es"
    assert resolve_locale("pt-BR") == "en"


@pytest.mark.parametrize("kind", KINDS)
def test_german_is_german_and_spanish_is_spanish(kind):
    german = render_message(ctx(kind, "de"))
    spanish = render_message(ctx(kind, "es"))
    assert "Termin" in german.text and "Hallo Anna Schmidt" in german.text
    assert "Februar" in german.text and "appointment" not in german.text
    assert "cita" in spanish.text and "Hola, Anna Schmidt" in spanish.text
    assert "febrero" in spanish.text and "appointment" not in spanish.text


@pytest.mark.parametrize("locale", LOCALES)
def test_confirmation_mentions_the_calendar_file_and_the_manage_link(locale):
    message = render_message(ctx("confirmation", locale))
    attachment = {"de": "Kalenderdatei", "en": "calendar file", "es": "archivo de calendario"}[locale]
    assert attachment in message.text
    assert f'href="{MANAGE}"' in message.html


@pytest.mark.parametrize("locale", LOCALES)
def test_reschedule_shows_the_old_and_the_new_time(locale):
    message = render_message(ctx("reschedule", locale))
    old = format_when(START - timedelta(days=1, hours=1), locale)
    assert old in message.text
    assert format_when(START, locale) in message.text
    assert old.split(", ")[0] not in message.subject  # the subject names the new date only


@pytest.mark.parametrize("locale", LOCALES)
def test_cancellation_includes_the_reason_only_when_given(locale):
    with_reason = render_message(ctx("cancellation", locale, reason="Leider krank."))
    without = render_message(ctx("cancellation", locale, reason=None))
    blank = render_message(ctx("cancellation", locale, reason="  "))
    assert "Leider krank." in with_reason.text and "Leider krank." in with_reason.html
    assert without.text == blank.text
    assert len(with_reason.text) > len(without.text)


@pytest.mark.parametrize("locale", LOCALES)
def test_stop_reminders_link_only_when_unsubscribe_url_is_set(locale):
    label = PHRASES[locale]["link.unsubscribe"]
    shown = render_message(ctx("reminder", locale))
    hidden = render_message(ctx("reminder", locale, unsubscribe_url=None))
    assert f"{label}: {UNSUBSCRIBE}" in shown.text
    assert f'href="{UNSUBSCRIBE}"' in shown.html
    assert label not in hidden.text and UNSUBSCRIBE not in hidden.html


@pytest.mark.parametrize("locale", LOCALES)
def test_feedback_asks_for_a_rating_from_1_to_5(locale):
    message = render_message(ctx("feedback", locale))
    assert "1" in message.text and "5" in message.text
    assert FEEDBACK in message.text and f'href="{FEEDBACK}"' in message.html
    assert FEEDBACK in message.sms


@pytest.mark.parametrize(("kind", "locale", "all_clear"), ALL_CASES)
def test_sms_is_short_and_carries_the_time_and_a_link(kind, locale, all_clear):
    long_url = "https://termine.physiopraxis-am-marktplatz.example.de/m/" + "x" * 43
    message = render_message(ctx(
        kind, locale, all_clear=all_clear,
        business_name="Physiotherapie & Osteopathie am Marktplatz Süd GmbH",
        service_name="Manuelle Lymphdrainage mit Kompressionsbandage (60 Minuten)",
        timezone_name="America/Argentina/Buenos_Aires",
        manage_url=long_url, feedback_url=long_url,
    ))
    assert len(message.sms) <= 320, message.sms
    assert long_url in message.sms
    assert {"de": "09:00", "en": "9:00 AM", "es": "9:00"}[locale] in message.sms
    assert "\n" not in message.sms


def test_whitespace_in_values_never_breaks_the_subject():
    message = render_message(ctx("reminder", business_name="Evil\r\nBcc: victim@example.com"))
    assert "\r" not in message.subject and "\n" not in message.subject


@pytest.mark.parametrize(("changes", "problem"), [
    ({"kind": "newsletter"}, "unknown message kind"),
    ({"start": datetime(2027, 2, 2, 9, 0)}, "aware"),
    ({"kind": "reschedule", "previous_start": None}, "previous_start"),
    ({"kind": "delay", "estimated_start": None}, "estimated_start"),
    ({"kind": "feedback", "feedback_url": None}, "feedback_url"),
])
def test_incomplete_contexts_are_refused(changes, problem):
    with pytest.raises(ValueError, match=problem):
        render_message(ctx(**changes))


def test_every_locale_has_the_same_phrases():
    keys = set(PHRASES["en"])
    assert all(set(PHRASES[locale]) == keys for locale in LOCALES)
