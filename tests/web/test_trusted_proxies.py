"""TRUSTED_PROXIES: X-Forwarded-For/-Proto/-Host count only when the app is told how many proxies
stand in front (nginx: 1); otherwise anyone could pick their rate-limit address or the links' host."""
from __future__ import annotations

import pytest

from booking.extensions import db, limiter
from tests.conftest import build_app
from tests.support.factories import Api, booking_body, setup_practice

SIGNUP = "/api/v1/signup"  # 3 per minute per address


def signup_statuses(app, addresses: list[str]) -> list[int]:
    """POST an (invalid) sign-up once from each X-Forwarded-For address in turn."""
    client = app.test_client()
    return [client.post(SIGNUP, json={}, headers={"X-Forwarded-For": address}).status_code
            for address in addresses]


@pytest.fixture
def apps(pg_url):
    """apps(**config): another app on the test database; its connections are closed afterwards."""
    built = []

    def build(**config):
        built.append(build_app(pg_url, **config))
        return built[-1]

    yield build
    for app in built:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def limited(apps):
    """An app with TRUSTED_PROXIES=n and the rate limits on; the limiter (one object per process)
    is switched off and emptied again afterwards."""
    def build(hops: int):
        app = apps(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=hops)
        limiter.reset()  # counts left by other tests' limited apps
        return app

    try:
        yield build
    finally:
        limiter.enabled = False
        limiter.reset()


def test_behind_one_proxy_each_forwarded_address_has_its_own_limit(limited):
    app = limited(1)
    first = signup_statuses(app, ["203.0.113.7"] * 4)
    assert first == [422, 422, 422, 429]
    # Another visitor behind the same nginx is not limited by the first one's requests.
    assert signup_statuses(app, ["198.51.100.2"]) == [422]
    # The proxy appends the real peer: only the last (trusted) hop counts, not what the client claims.
    assert signup_statuses(app, ["10.9.9.9, 203.0.113.7"]) == [429]


def test_without_trusted_proxies_the_header_is_ignored(limited):
    app = limited(0)
    assert signup_statuses(app, ["203.0.113.7", "203.0.113.8", "203.0.113.9"]) == [422, 422, 422]
    assert signup_statuses(app, ["198.51.100.2"]) == [429]  # one address: the socket's


def manage_url(app, forwarded: dict) -> str:
    api = Api(app.test_client())
    practice = setup_practice(api)
    body = booking_body(practice, "2027-02-02T10:00:00+01:00")
    response = api.call("POST", f"/api/v1/public/{practice.slug}/bookings", body, key="", headers=forwarded)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["manage_url"]


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "book.example.test"}


def test_links_follow_the_forwarded_scheme_and_host_only_when_trusted(apps, frozen_now):
    assert manage_url(apps(TRUSTED_PROXIES=1), FORWARDED).startswith("https://book.example.test/")
    assert manage_url(apps(), FORWARDED).startswith("http://localhost/")
