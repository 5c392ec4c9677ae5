"""Embed mode: the public booking pages in an iframe on the sites named by EMBED_ORIGINS, with a
booking form that works without cookies (a third-party iframe gets none of ours)."""
from __future__ import annotations

import re

import pytest

from config import Config
from tests.support.factories import booking_body, setup_practice
from tests.web.test_public_pages import FormReader, details_url, page

PARTNERS = ("https://partner.example", "https://www.partner.example:8443")


@pytest.fixture
def embed(app, monkeypatch):
    monkeypatch.setitem(app.config, "EMBED_ORIGINS", PARTNERS)


def framing(response) -> tuple[str, str | None]:
    ancestors = re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"]).group(1)
    return ancestors, response.headers.get("X-Frame-Options")


def book_without_cookies(app, practice, **typed):
    """The booking form sent by a browser that keeps no cookie of ours: (details page, answer)."""
    client = app.test_client(use_cookies=False)
    details = client.get(details_url(practice.slug, practice.service_id, "2027-02-10T09:00:00+01:00"))
    assert details.status_code == 200 and "Set-Cookie" not in details.headers
    form = dict(FormReader(details.get_data(as_text=True)).values, name="Kim Customer", email="kim@example.test")
    form.update(typed)
    return details, client.post(f"/b/{practice.slug}/book", data=form)


def test_the_public_pages_and_the_confirmation_may_be_framed_by_the_partners(app, client, practice, embed):
    details, booked = book_without_cookies(app, practice)
    assert booked.status_code == 303
    slug, service = practice.slug, practice.service_id
    answers = [client.get(f"/b/{slug}"), client.get(f"/b/{slug}/calendar?service={service}"), details, booked,
               client.get(booked.headers["Location"]), client.post(f"/b/{slug}/book", data={"csrf_token": "x"})]
    for response in answers:
        assert framing(response) == (" ".join(PARTNERS), None), response.request.path


def test_every_other_page_stays_unframable(app, client, api, owner, practice, embed):
    token = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                     booking_body(practice, "2027-02-10T09:00:00+01:00"), expect=201, key="")["manage_token"]
    for path in (f"/m/{token}", f"/m/{token}/reschedule", f"/m/{token}/cancel", "/login", "/app/",
                 "/app/calendar/week", f"/api/v1/manage/{token}", "/no-such-page"):
        assert framing(owner.get(path)) == ("'none'", "DENY"), path


def test_without_partners_the_public_pages_are_not_framable(client, practice):
    assert framing(client.get(f"/b/{practice.slug}")) == ("'none'", "DENY")


def test_the_booking_form_needs_no_cookie(app, api, practice):
    _, booked = book_without_cookies(app, practice)
    assert booked.status_code == 303
    token = re.match(r"/m/([^/]+)/booked", booked.headers["Location"]).group(1)
    assert api.json("GET", f"/api/v1/manage/{token}")["customer"]["email"] == "kim@example.test"
    _, invalid = book_without_cookies(app, practice, email="not an address")
    assert invalid.status_code == 422 and "valid email address" in invalid.get_data(as_text=True)


def test_the_booking_form_token_is_checked(app, api, client, practice):
    other = setup_practice(api)
    other_token = FormReader(page(client, details_url(other.slug, other.service_id))).values["csrf_token"]
    session_token = FormReader(page(client, "/login")).values["csrf_token"]
    for token in (other_token, session_token, "", "garbage"):
        _, answer = book_without_cookies(app, practice, csrf_token=token)
        assert answer.status_code == 400, token
        assert "The form expired or was sent twice" in answer.get_data(as_text=True)


def test_the_confirmation_opens_the_manage_pages_in_the_whole_window(app, practice):
    client = app.test_client()
    _, booked = book_without_cookies(app, practice)
    confirmation = page(client, booked.headers["Location"])
    manage = page(client, booked.headers["Location"].replace("/booked", ""))
    for action in ("reschedule", "cancel"):
        assert re.search(rf'data-action="{action}" target="_top"', confirmation), action
        assert f'data-action="{action}">' in manage
    assert 'data-link="manage" target="_top"' in confirmation and "_top" not in manage


def test_embed_origins_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("EMBED_ORIGINS", raising=False)
    assert Config().EMBED_ORIGINS == ()
    monkeypatch.setenv("EMBED_ORIGINS", " https://a.example, https://b.example:8443/\thttp://*.c.example ")
    assert Config().EMBED_ORIGINS == ("https://a.example", "https://b.example:8443", "http://*.c.example")
    for bad in ("a.example", "https://a.example/path", "https://a.example; script-src *", "'self'", "*"):
        monkeypatch.setenv("EMBED_ORIGINS", bad)
        with pytest.raises(ValueError, match="EMBED_ORIGINS"):
            Config()
