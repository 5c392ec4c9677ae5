"""The workspace speaks the business's language, switches on ?lang= and remembers the choice
in the session; dates, times and error pages follow it (issue 3, item 7)."""
from __future__ import annotations

import re

import pytest

from tests.support.factories import booking_body, setup_practice
from tests.support.workspace import log_in


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def german_practice(api):
    """A practice whose locale is de, with a booking at 14:00 Berlin time today (2027-02-01)."""
    practice = setup_practice(api)
    api.json("PATCH", "/api/v1/business", {"locale": "de"})
    api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
             booking_body(practice, "2027-02-01T14:00:00+01:00", customer={"name": "Jana Jung",
                                                                        "email": "jana@example.test"}),
             expect=201, key="")
    return practice


def test_the_workspace_speaks_the_business_language_with_german_dates(client, german_practice):
    assert log_in(client, f"owner@{german_practice.slug}.test").status_code == 302
    page = text(client.get("/app/"))
    assert '<html lang="de">' in page
    assert "Buchungen am Montag, 1. Februar 2027" in page
    assert "14:00–14:30" in page and "Jana Jung" in page
    assert "Abmelden" in page and "Vorheriger Tag" in page and "Kunde" in page
    next_day = text(client.get("/app/?date=2027-02-02"))
    assert "Buchungen am Dienstag, 2. Februar 2027" in next_day


def test_the_language_switch_is_in_the_workspace_and_marks_the_current_language(client, german_practice):
    log_in(client, f"owner@{german_practice.slug}.test")
    page = text(client.get("/app/?date=2027-02-02"))
    switch = re.search(r'<nav class="langs" aria-label="Sprache">(.*?)</nav>', page, re.S).group(1)
    links = dict(re.findall(r'href="([^"]+)" lang="(\w\w)"', switch))
    assert sorted(links.values()) == ["de", "en", "es"]
    assert {href for href, code in links.items() if code == "es"} == {"/app/?date=2027-02-02&amp;lang=es"}
    assert re.search(r'lang="de"[^>]*aria-current="true"', switch)


def test_lang_switches_the_workspace_and_the_choice_is_remembered(client, german_practice):
    log_in(client, f"owner@{german_practice.slug}.test")
    spanish = text(client.get("/app/?lang=es"))
    assert '<html lang="es">' in spanish and "Reservas del lunes, 1 de febrero de 2027" in spanish
    assert "Cerrar sesión" in spanish
    again = text(client.get("/app/?date=2027-02-02"))
    assert '<html lang="es">' in again and "Reservas del martes, 2 de febrero de 2027" in again
    english = text(client.get("/app/?lang=en"))
    assert "Bookings on Monday, February 1, 2027" in english and "2:00\u202fPM" in english


def test_the_login_page_has_the_switch_and_speaks_the_chosen_language(client):
    german = text(client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert '<html lang="de">' in german and "<h1>Anmelden</h1>" in german
    assert 'for="password">Passwort</label>' in german and 'hreflang="es"' in german
    spanish = text(client.get("/login?lang=es"))
    assert "<h1>Iniciar sesión</h1>" in spanish and "Correo electrónico" in spanish
    assert "<h1>Iniciar sesión</h1>" in text(client.get("/login", headers={"Accept-Language": "de"}))


def test_the_login_prompt_is_shown_on_the_login_page_in_the_visitors_language(client):
    client.get("/login?lang=de")
    response = client.get("/app/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = text(client.get(response.headers["Location"]))
    assert "Bitte melden Sie sich an, um diese Seite zu sehen." in page


def test_a_wrong_login_is_refused_in_german(client, german_practice):
    client.get("/login?lang=de")
    page = text(log_in(client, f"owner@{german_practice.slug}.test", "wrong password!"))
    assert "E-Mail-Adresse oder Passwort stimmt nicht." in page


def test_error_pages_are_translated_but_the_json_api_keeps_its_english_messages(client, api, german_practice):
    log_in(client, f"owner@{german_practice.slug}.test")
    missing = client.get("/app/bookings/999999")
    assert missing.status_code == 404 and "Diese Buchung gibt es nicht." in text(missing)
    unknown = client.get("/app/no-such-page")
    assert unknown.status_code == 404 and "Diese Seite gibt es nicht (mehr)." in text(unknown)
    body = api.json("GET", "/api/v1/bookings/999999", expect=404)
    assert body == {"error": "not_found", "message": "No such booking."}
