"""Sign-up, the business settings and API keys: success paths and what they store."""
from __future__ import annotations

import hashlib

from sqlalchemy import JSON, String, Text, cast, func, select

from booking.extensions import db
from booking.models import ApiKey, Business
from tests.api.conftest import assert_error
from tests.support.factories import sign_up, unique

DEFAULTS = {"min_notice_minutes": 60, "max_advance_days": 90, "cancellation_cutoff_hours": 24,
            "reminder_offsets_minutes": [1440, 120], "delay_notice_threshold_minutes": 10, "retention_months": 24}


def _signup(api, **changes):
    body = {"business_name": "Zahnarztpraxis Müller", "timezone": "Europe/Berlin", "owner_name": "Dr. Müller",
            "owner_email": f"{unique('owner')}@example.test", "owner_password": "correct horse battery"}
    body.update(changes)
    return api.json("POST", "/api/v1/signup", body, expect=201, key="")


def _tables_containing(app, needle: str) -> list[str]:
    """Every text-like column of every table that holds `needle` anywhere."""
    hits = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, (String, Text, JSON)):
                    count = db.session.scalar(select(func.count()).select_from(table)
                                              .where(cast(column, Text).contains(needle)))
                    if count:
                        hits.append(f"{table.name}.{column.name}")
    return hits


def test_signup_returns_the_business_with_defaults_and_a_key_shown_once(app, api):
    body = _signup(api, slug=unique("praxis"), locale="de")
    business, secret = body["business"], body["api_key"]
    assert business["timezone"] == "Europe/Berlin" and business["locale"] == "de"
    assert business["name"] == "Zahnarztpraxis Müller"
    assert {k: business[k] for k in DEFAULTS} == DEFAULTS
    assert isinstance(secret, str) and len(secret) >= 32
    shown = api.json("GET", "/api/v1/business", key=secret)
    assert shown == business and secret not in str(shown)
    # Only the digest is stored: the secret is nowhere in the database as plain text.
    with app.app_context():
        stored = db.session.scalar(select(ApiKey).join(Business).where(Business.id == business["id"]))
        assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert len(stored.prefix) < 12
    assert _tables_containing(app, secret) == []
    assert _tables_containing(app, secret[-20:]) == []
    # ... nor the password.
    assert _tables_containing(app, "correct horse battery") == []


def test_signup_without_slug_derives_one_and_keeps_it_unique(api):
    name = f"Café Ünïcode {unique('x')}"
    first = _signup(api, business_name=name)["business"]["slug"]
    second = _signup(api, business_name=name)["business"]["slug"]
    assert first.startswith("cafe-unicode-x-") and first.isascii()
    assert second == f"{first}-2"
    assert _signup(api)["business"]["locale"] == "en"


def test_signup_conflicts(api):
    slug, email = unique("taken"), f"{unique('dup')}@example.test"
    _signup(api, slug=slug, owner_email=email)
    assert_error(api.call("POST", "/api/v1/signup", {"business_name": "B", "slug": slug, "timezone": "UTC",
                                                     "owner_name": "O", "owner_email": "x@example.test",
                                                     "owner_password": "long enough pw"}, key=""), 409, "conflict")
    assert_error(api.call("POST", "/api/v1/signup", {"business_name": "B", "timezone": "UTC", "owner_name": "O",
                                                     "owner_email": email.upper(),
                                                     "owner_password": "long enough pw"}, key=""), 409, "conflict")


def test_patch_business_changes_each_setting(api):
    sign_up(api)
    before = api.json("GET", "/api/v1/business")
    changes = {"name": "Renamed", "timezone": "America/New_York", "locale": "es", "min_notice_minutes": 0,
               "max_advance_days": 30, "cancellation_cutoff_hours": 2, "delay_notice_threshold_minutes": 15,
               "reminder_offsets_minutes": [60, 1440, 60], "retention_months": 6}
    after = api.json("PATCH", "/api/v1/business", changes)
    assert after == dict(before, **dict(changes, reminder_offsets_minutes=[1440, 60]))
    assert api.json("GET", "/api/v1/business") == after
    assert api.json("PATCH", "/api/v1/business", {}) == after
    assert api.json("GET", f"/api/v1/public/{after['slug']}", key="")["timezone"] == "America/New_York"
    # A refused PATCH changes nothing, not even the valid part of it.
    assert_error(api.call("PATCH", "/api/v1/business", {"name": "Half", "locale": "xx"}), 422, "invalid")
    assert api.json("GET", "/api/v1/business")["name"] == "Renamed"


def test_api_keys_are_created_and_revoked(api):
    practice = sign_up(api)
    created = api.json("POST", "/api/v1/api-keys", expect=201)
    assert set(created) >= {"id", "api_key"} and created["api_key"] != practice.key
    assert api.json("GET", "/api/v1/business", key=created["api_key"])["slug"] == practice.slug
    response = api.call("DELETE", f"/api/v1/api-keys/{created['id']}")
    assert response.status_code == 204
    assert_error(api.call("GET", "/api/v1/business", key=created["api_key"]), 401, "unauthorized")
    assert_error(api.call("GET", "/api/v1/staff", key=created["api_key"]), 401, "unauthorized")
    assert_error(api.call("DELETE", f"/api/v1/api-keys/{created['id']}"), 404, "not_found")
    assert api.json("GET", "/api/v1/business")["slug"] == practice.slug  # the first key still works


def test_a_key_revoking_itself_stops_working(app, api):
    practice = sign_up(api)
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hashlib.sha256(
            practice.key.encode()).hexdigest()))
    assert api.call("DELETE", f"/api/v1/api-keys/{key_id}").status_code == 204
    assert_error(api.call("GET", "/api/v1/business"), 401, "unauthorized")


def test_healthz(client):
    response = client.get("/healthz")
    body = response.get_json()
    # API.md's two keys; more (the scheduler's state, tests/observability/test_health.py) may follow.
    assert response.status_code == 200 and (body["status"], body["database"]) == ("ok", "ok")
