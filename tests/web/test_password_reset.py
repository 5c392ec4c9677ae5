"""Password reset ("Forgot your password?") end to end, with the mail on a real SMTP server: the
same answer for every address (no account enumeration), a link that works once and for an hour
and is stored only as its SHA-256, a new password that ends every other open link and every other logged-in browser, and a clear
page (never a 500) for an expired, used or unknown link."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.clock import pinned
from booking.credentials import digest
from booking.models import AuditEntry, PasswordReset, User
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import setup_practice, unique
from tests.support.servers import free_port
from tests.support.smtp import app_mailing_to_smtp
from tests.support.workspace import PASSWORD, form_token, log_in

NEW_PASSWORD = "a fresh start of a password"
BASE = "https://book.example.test"


@pytest.fixture
def smtp(app):
    with app_mailing_to_smtp(app, BASE_URL=BASE) as inbox:
        yield inbox


@pytest.fixture
def email(api, frozen_now):
    return f"owner@{setup_practice(api).slug}.test"


def ask_for_link(client, address: str):
    page = client.get("/forgot-password")
    assert page.status_code == 200
    return client.post("/forgot-password", data={"csrf_token": form_token(page.get_data(as_text=True)),
                                                  "email": address})


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(BASE)}(/reset-password/\S+)", body).group(1)


def choose(client, path: str, password: str = NEW_PASSWORD):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    return client.post(path, data={"csrf_token": form_token(page.get_data(as_text=True)), "password": password,
                                   "confirm": password})


def test_a_reset_link_arrives_and_sets_a_new_password_once(app, client, email, smtp):
    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in login_page and "Forgot your password?" in login_page
    answer = ask_for_link(client, email)
    assert answer.status_code == 200 and "we have sent a link" in answer.get_data(as_text=True)
    [message] = smtp.to(email)
    assert "Choose a new password" in message["Subject"] and "praxis@example.test" in message["From"]
    body = message.get_body(("plain",)).get_content()
    assert "works once and for 60 minutes" in body
    path = link_in(message)
    secret = path.rsplit("/", 1)[1]
    with database(app) as session:  # only the digest is stored
        [reset] = session.scalars(select(PasswordReset).join(User).where(User.email == email))
        assert reset.token_hash == digest(secret) and secret not in (reset.token_hash, str(reset.id))
        assert reset.expires_at == FROZEN_NOW + timedelta(hours=1) and reset.used_at is None

    page = client.get(path)
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert "Choose a new password" in page.get_data(as_text=True) and email in page.get_data(as_text=True)
    response = choose(client, path)
    assert response.status_code == 303 and response.headers["Location"] == "/app/"
    assert client.get("/app/").status_code == 200  # logged in
    assert log_in(app.test_client(), email, PASSWORD).status_code == 200  # the old password is gone
    assert log_in(app.test_client(), email, NEW_PASSWORD).status_code == 302
    again = app.test_client().get(path)
    assert again.status_code == 404 and "used already" in again.get_data(as_text=True)
    with database(app) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_reset")
                               .order_by(AuditEntry.id.desc()).limit(1))
        owner = session.scalar(select(User).where(User.email == email))
        assert (entry.actor_user_id, entry.target_id, entry.details) == (owner.id, owner.id, {})


def test_a_new_password_logs_out_every_other_browser(app, client, email, smtp):
    elsewhere = app.test_client()  # say, a laptop left logged in at the desk
    assert log_in(elsewhere, email, PASSWORD).status_code == 302
    assert elsewhere.get("/app/").status_code == 200
    ask_for_link(client, email)
    [message] = smtp.to(email)
    assert choose(client, link_in(message)).status_code == 303
    assert client.get("/app/").status_code == 200  # who chose it stays logged in
    gone = elsewhere.get("/app/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    assert log_in(elsewhere, email, NEW_PASSWORD).status_code == 302
    assert elsewhere.get("/app/").status_code == 200


def test_every_address_gets_the_same_answer_and_only_accounts_get_mail(app, email, smtp):
    nobody = f"{unique('nobody')}@example.test"
    known = ask_for_link(app.test_client(), email)
    unknown = ask_for_link(app.test_client(), nobody)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace(email, "X") == unknown.get_data(as_text=True).replace(nobody, "X")
    assert len(smtp.to(email)) == 1 and smtp.to(nobody) == []


def test_a_mail_server_that_is_down_changes_nothing_in_the_answer(app, email, monkeypatch, frozen_now):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    response = ask_for_link(app.test_client(), email)
    assert response.status_code == 200 and "we have sent a link" in response.get_data(as_text=True)


def test_a_link_expires_after_an_hour(app, email, smtp):
    ask_for_link(app.test_client(), email)
    path = link_in(smtp.to(email)[0])
    with pinned(FROZEN_NOW + timedelta(minutes=59, seconds=59)):
        assert app.test_client().get(path).status_code == 200
    with pinned(FROZEN_NOW + timedelta(hours=1)):
        client = app.test_client()
        page = client.get(path)
        assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)
        assert 'href="/forgot-password"' in page.get_data(as_text=True)
        posted = client.post(path, data={"csrf_token": form_token(client.get("/forgot-password").get_data(as_text=True)),
                                         "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert posted.status_code == 410
    assert log_in(app.test_client(), email, PASSWORD).status_code == 302  # nothing changed


def test_a_new_password_ends_every_other_open_link(app, email, smtp):
    for _ in range(3):
        assert ask_for_link(app.test_client(), email).status_code == 200
    first, second, third = (link_in(message) for message in smtp.to(email))
    # A fourth request within the hour answers the same but sends nothing: no flooding an inbox.
    assert ask_for_link(app.test_client(), email).status_code == 200 and len(smtp.to(email)) == 3
    assert choose(app.test_client(), second).status_code == 303
    for path in (first, third, second):
        page = app.test_client().get(path)
        assert page.status_code == 404 and "a newer password has been chosen" in page.get_data(as_text=True)
    with database(app) as session:
        assert all(reset.used_at == FROZEN_NOW for reset in session.scalars(
            select(PasswordReset).join(User).where(User.email == email)))


@pytest.mark.parametrize("token", ["no-such-token", "x" * 300, "%00", "a.b~c%20d"])
def test_an_unknown_link_gets_a_clear_page(client, frozen_now, token):
    page = client.get(f"/reset-password/{token}")
    assert page.status_code == 404 and "This link is not valid" in page.get_data(as_text=True)
    csrf = form_token(client.get("/forgot-password").get_data(as_text=True))
    posted = client.post(f"/reset-password/{token}", data={"csrf_token": csrf, "password": NEW_PASSWORD,
                                                            "confirm": NEW_PASSWORD})
    assert posted.status_code == 404


def test_the_new_password_follows_the_rules_and_bad_input_stays_on_the_page(app, email, smtp):
    ask_for_link(app.test_client(), email)
    path = link_in(smtp.to(email)[0])
    client = app.test_client()
    token = form_token(client.get(path).get_data(as_text=True))
    short = client.post(path, data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)
    assert choose(client, path).status_code == 303  # the refused try did not use the link up


def test_a_reset_opens_an_account_locked_by_failed_logins(app, email, smtp):
    for _ in range(10):
        log_in(app.test_client(), email, "wrong password!")
    assert log_in(app.test_client(), email, PASSWORD).status_code == 429
    ask_for_link(app.test_client(), email)
    assert choose(app.test_client(), link_in(smtp.to(email)[0])).status_code == 303
    assert log_in(app.test_client(), email, NEW_PASSWORD).status_code == 302


def test_an_invalid_address_is_explained_and_kept(client, frozen_now):
    page = client.get("/forgot-password").get_data(as_text=True)
    response = client.post("/forgot-password", data={"csrf_token": form_token(page), "email": "not-an-address"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="not-an-address"' in html and "valid email address" in html


def test_the_forgot_page_speaks_spanish(client, frozen_now):
    html = client.get("/forgot-password?lang=es").get_data(as_text=True)
    assert "¿Ha olvidado su contraseña?" in html
