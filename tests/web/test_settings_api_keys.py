"""API keys in the owner's settings: a new key's secret is shown once (in the answer to the POST,
never cached, never again), it works against the management API, and a revoked key is refused."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.models import ApiKey, Business
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import setup_practice
from tests.support.workspace import form_token, log_in_new_staff

KEYS = "/app/settings/api-keys"


def create_key(client):
    token = form_token(client.get(KEYS).get_data(as_text=True))
    return client.post(KEYS, data={"csrf_token": token})


def shown_secret(html: str) -> str:
    return re.search(r'<input[^>]*data-secret[^>]*>', html).group(0).split('value="')[1].split('"')[0]


def key_ids(app, slug: str) -> list[int]:
    with database(app) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == slug))
        return list(session.scalars(select(ApiKey.id).where(ApiKey.business_id == business_id).order_by(ApiKey.id)))


def test_a_new_key_is_shown_once_and_works_against_the_api(app, owner, practice, api):
    response = create_key(owner)
    html = response.get_data(as_text=True)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    secret = shown_secret(html)
    assert secret.startswith("bk_") and len(secret) > 40 and "shown only this once" in html
    business = api.json("GET", "/api/v1/business", key=secret)
    assert business["slug"] == practice.slug
    assert api.call("GET", "/api/v1/business", key=secret[:-1] + "x").status_code == 401
    listing = owner.get(KEYS)
    again = listing.get_data(as_text=True)
    assert secret not in again and secret[:8] in again and "data-secret" not in again
    assert listing.headers["Cache-Control"] == "no-store"
    # Not kept anywhere the browser keeps things: not in the session cookie either.
    cookie = owner.get_cookie("session")
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert session["_user_id"] and secret not in repr(session)
    assert again.count("<tr data-key=") == 2  # the sign-up key and this one


def test_a_revoked_key_is_refused_with_401(app, owner, practice, api):
    secret = shown_secret(create_key(owner).get_data(as_text=True))
    new_id = key_ids(app, practice.slug)[-1]
    token = form_token(owner.get(KEYS).get_data(as_text=True))
    response = owner.post(f"{KEYS}/{new_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(KEYS)
    assert api.call("GET", "/api/v1/business", key=secret).status_code == 401
    html = owner.get(KEYS).get_data(as_text=True)
    assert "The key is revoked." in html and "Revoked on" in html
    row = re.search(rf'<tr data-key="{new_id}".*?</tr>', html, re.S).group(0)
    assert "/revoke" not in row  # nothing left to revoke
    assert api.call("GET", "/api/v1/business", key=practice.key).status_code == 200  # the other key lives on
    assert owner.post(f"{KEYS}/{new_id}/revoke", data={"csrf_token": token}).status_code == 404


def test_another_businesss_key_cannot_be_revoked(app, owner, api):
    other = setup_practice(api)
    [their_key] = key_ids(app, other.slug)
    token = form_token(owner.get(KEYS).get_data(as_text=True))
    assert owner.post(f"{KEYS}/{their_key}/revoke", data={"csrf_token": token}).status_code == 404
    assert api.call("GET", "/api/v1/business", key=other.key).status_code == 200
    assert other.key[:8] not in owner.get(KEYS).get_data(as_text=True)


@pytest.mark.parametrize("method, path", [("GET", KEYS), ("POST", KEYS), ("POST", KEYS + "/{key}/revoke")])
def test_staff_accounts_get_403(app, client, practice, api, method, path):
    log_in_new_staff(client, app, practice, FROZEN_NOW)
    token = form_token(client.get("/app/calendars").get_data(as_text=True))
    [key] = key_ids(app, practice.slug)
    response = client.open(path.format(key=key), method=method, data={"csrf_token": token} if method == "POST" else None)
    assert response.status_code == 403 and "bk_" not in response.get_data(as_text=True)
    assert key_ids(app, practice.slug) == [key]
    assert api.call("GET", "/api/v1/business", key=practice.key).status_code == 200
