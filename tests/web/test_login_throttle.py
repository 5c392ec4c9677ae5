"""Login throttling, with the rate limiter switched on as in production: 10 failed logins within 15
minutes pause one account's login (counted in the database, so every web process sees the same
attempts: here two app instances share them), while other accounts log in as usual; the lock
lifts when the window has passed. Per client address, 30 attempts a minute, whichever accounts
they aim at. Both answers are the login page with status 429, the email kept and a reason.
And passwords: Argon2id with RFC 9106's parameters, older hashes renewed at the next login."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from booking.clock import pinned
from booking.credentials import hash_password, verify_password
from booking.extensions import db, limiter
from booking.models import User
from tests.conftest import FROZEN_NOW, build_app
from tests.support.db_access import database
from tests.support.factories import Api, setup_practice, unique
from tests.support.workspace import PASSWORD, add_staff_user, form_token, log_in

WRONG = "not the password"
RFC_9106_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"


@pytest.fixture
def limited_app(pg_url, app):
    """A second app on the test database with Flask-Limiter on (the limiter is one object per
    process: it is switched off and emptied again afterwards, for the other tests)."""
    application = build_app(pg_url, RATELIMIT_ENABLED=True)
    limiter.reset()
    yield application
    limiter.enabled = False
    limiter.reset()
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def practice(limited_app, frozen_now):
    return setup_practice(Api(limited_app.test_client()))


def email_field(html: str) -> str:
    return re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(app, limited_app, practice, frozen_now):
    email = f"owner@{practice.slug}.test"
    # Two web processes (two app instances on one database) count the same failures.
    for client in [app.test_client(), limited_app.test_client()] * 5:
        response = log_in(client, email, WRONG)
        assert response.status_code == 200 and "Email or password is not right." in response.get_data(as_text=True)
    client = limited_app.test_client()
    response = log_in(client, email, PASSWORD)
    html = response.get_data(as_text=True)
    # Flask-Limiter rewrites Retry-After against the real clock (at least its own window's rest).
    assert response.status_code == 429 and 15 * 60 - 2 <= int(response.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed logins for this account" in html and "15 minutes" in html
    assert f'value="{email}"' in email_field(html) and 'href="/forgot-password"' in html
    assert client.get("/app/").status_code == 302  # not logged in
    assert log_in(app.test_client(), email, PASSWORD).status_code == 429  # nor through the other process
    # Another account of the same practice is unaffected.
    colleague = add_staff_user(limited_app, practice, FROZEN_NOW - timedelta(days=1))
    assert log_in(limited_app.test_client(), colleague).status_code == 302


def test_the_login_opens_again_when_the_window_has_passed(limited_app, practice, frozen_now):
    email = f"owner@{practice.slug}.test"
    for _ in range(10):
        log_in(limited_app.test_client(), email, WRONG)
    with pinned(FROZEN_NOW + timedelta(minutes=14, seconds=59)):
        locked = log_in(limited_app.test_client(), email, PASSWORD)
        assert locked.status_code == 429 and "try again in 1 minute," in locked.get_data(as_text=True)
    with pinned(FROZEN_NOW + timedelta(minutes=15)):
        assert log_in(limited_app.test_client(), email, PASSWORD).status_code == 302
        # The success forgot the failures: one more mistake is an ordinary mistake, not a lock.
        assert log_in(limited_app.test_client(), email, WRONG).status_code == 200


def test_an_address_without_account_is_locked_alike_in_the_pages_language(limited_app, frozen_now):
    nobody = f"{unique('nobody')}@example.test"
    client = limited_app.test_client()
    client.get("/login?lang=de")
    statuses = [log_in(client, nobody, WRONG).status_code for _ in range(10)]
    response = log_in(client, nobody, WRONG)
    html = response.get_data(as_text=True)
    assert statuses == [200] * 10 and response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in html and "15 Minuten" in html


def test_one_address_gets_30_attempts_a_minute_whatever_the_accounts(limited_app, frozen_now):
    client = limited_app.test_client()
    # Every POST counts, a form without a password too (those cost no password check here).
    statuses = [log_in(client, f"{unique('spray')}@example.test", "").status_code for _ in range(30)]
    assert statuses == [200] * 30
    email = f"{unique('spray')}@example.test"
    response = log_in(client, email, WRONG)
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert "Too many login attempts from your network" in html and f'value="{email}"' in email_field(html)
    # Another address is not held back by this one.
    other = limited_app.test_client()
    token = form_token(other.get("/login").get_data(as_text=True))
    answer = other.post("/login", data={"email": email, "password": WRONG, "csrf_token": token},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert answer.status_code == 200 and "Email or password is not right." in answer.get_data(as_text=True)


# --- how passwords are stored ------------------------------------------------------------------

def stored_hash(app, email: str) -> str:
    with database(app) as session:
        return session.scalar(select(User.password_hash).where(User.email == email))


def test_passwords_are_argon2id_with_64_mib(api, app, frozen_now):
    practice = setup_practice(api)
    stored = stored_hash(app, f"owner@{practice.slug}.test")
    assert stored.startswith(RFC_9106_PREFIX) and "m=65536" in stored
    assert hash_password("x" * 12).startswith(RFC_9106_PREFIX)
    assert verify_password(stored, PASSWORD) and not verify_password(stored, WRONG)


def test_a_hash_with_older_parameters_is_renewed_at_login(api, app, frozen_now):
    practice = setup_practice(api)
    email = f"owner@{practice.slug}.test"
    old = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1).hash(PASSWORD)
    with database(app) as session:
        session.scalar(select(User).where(User.email == email)).password_hash = old
        session.commit()
    assert log_in(app.test_client(), email, WRONG).status_code == 200
    assert stored_hash(app, email) == old  # a wrong password changes nothing
    assert log_in(app.test_client(), email, PASSWORD).status_code == 302
    renewed = stored_hash(app, email)
    assert renewed.startswith(RFC_9106_PREFIX) and renewed != old
    assert log_in(app.test_client(), email, PASSWORD).status_code == 302
    assert stored_hash(app, email) == renewed  # current parameters: stored as it is
