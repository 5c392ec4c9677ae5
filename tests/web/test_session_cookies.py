"""Cookie flags: with an https BASE_URL the session and remember-me cookies are Secure, and always
HttpOnly and SameSite=Lax (config.py reads BASE_URL from the environment, as in production)."""
from __future__ import annotations

import pytest
from flask import Response
from flask_login import login_user
from sqlalchemy import select

from booking.extensions import db
from booking.models import User
from tests.conftest import build_app
from tests.support.factories import Api, setup_practice
from tests.support.workspace import PASSWORD, form_token

HTTPS = "https://book.example"


@pytest.fixture(scope="module")
def https_app(pg_url):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BASE_URL", HTTPS)
        application = build_app(pg_url, BASE_URL=HTTPS)
    yield application
    with application.app_context():
        db.engine.dispose()


def cookie_flags(set_cookie: str) -> tuple[str, set[str]]:
    """The cookie's name and its attributes (lower-case, values kept: "samesite=lax")."""
    first, *attributes = [part.strip() for part in set_cookie.split(";")]
    return first.split("=", 1)[0], {attribute.lower() for attribute in attributes}


def test_the_session_cookie_is_secure_httponly_and_lax_after_login(https_app, frozen_now):
    practice = setup_practice(Api(https_app.test_client()))
    client = https_app.test_client()
    login_page = client.get("/login", base_url=HTTPS)
    answer = client.post("/login", base_url=HTTPS, data={
        "email": f"owner@{practice.slug}.test", "password": PASSWORD,
        "csrf_token": form_token(login_page.get_data(as_text=True))})
    assert answer.status_code == 302
    cookies = dict(cookie_flags(header) for header in answer.headers.getlist("Set-Cookie"))
    assert {"secure", "httponly", "samesite=lax"} <= cookies["session"]
    assert client.get("/app/", base_url=HTTPS).status_code == 200


def test_the_remember_me_cookie_has_the_same_flags(https_app, frozen_now):
    practice = setup_practice(Api(https_app.test_client()))
    with https_app.test_request_context("/login", base_url=HTTPS):
        user = db.session.scalar(select(User).where(User.email == f"owner@{practice.slug}.test"))
        login_user(user, remember=True)
        answer = https_app.process_response(Response())
        db.session.remove()
    cookies = dict(cookie_flags(header) for header in answer.headers.getlist("Set-Cookie"))
    assert {"secure", "httponly", "samesite=lax"} <= cookies["remember_token"]


def test_over_plain_http_the_cookies_are_not_secure(app, client):
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["REMEMBER_COOKIE_SECURE"] is False
    answer = client.get("/login")
    name, flags = cookie_flags(answer.headers["Set-Cookie"])
    assert name == "session" and "secure" not in flags and {"httponly", "samesite=lax"} <= flags
