"""Imported calendars' secret addresses are sealed at rest under SECRET_KEY (booking/sealing.py):
a database dump shows none of them, the app reads them back, a changed key gives a clear error
on the calendar (never a 500, the busy blocks kept), and migration 0010 seals older rows."""
from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import select, text

from booking import create_app
from booking.extensions import db
from booking.models import ExternalCalendar
from booking.sealing import PREFIX, seal, unseal
from tests.calendars.test_sync import FEED, FEED_BLOCKS, blocks, connect, server, state, sync  # noqa: F401
from tests.calendars.feed_server import Route
from tests.conftest import TEST_CONFIG, build_app
from tests.support.factories import Api, setup_practice
from tests.web.test_stored_secrets import database_dump

SECRET_PATH = "/private-3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e/basic.ics"


@pytest.fixture
def private_ok(app, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", True)


def test_seal_and_unseal():
    sealed = seal("https://calendar.example/secret.ics", "key one")
    assert sealed.startswith(PREFIX) and "secret" not in sealed
    assert sealed != seal("https://calendar.example/secret.ics", "key one")  # a fresh IV each time
    assert unseal(sealed, "key one") == "https://calendar.example/secret.ics"
    assert unseal(sealed, "key two") is None
    assert unseal(sealed[:-4] + "AAAA", "key one") is None  # altered: refused, not garbage
    assert unseal("https://plain.example/old.ics", "key one") == "https://plain.example/old.ics"


def test_the_address_is_sealed_in_the_database_and_works(app, api, server, private_ok):  # noqa: F811
    practice = setup_practice(api)
    server.routes[SECRET_PATH] = Route(body=FEED)
    url = server.url(SECRET_PATH)
    calendar = connect(api, practice, url)
    assert sync(api, calendar)["status"] == "ok" and blocks(app, calendar["id"]) == FEED_BLOCKS
    assert state(api, practice, calendar)["url"] == url
    dump = database_dump(app)
    assert "3f9a1c7e5b2d4a6f8e0c1b3d5f7a9c2e" not in dump
    with app.app_context():
        stored = db.session.scalar(text("SELECT url FROM external_calendars WHERE id = :id"), {"id": calendar["id"]})
        assert stored.startswith(PREFIX) and unseal(stored, app.config["SECRET_KEY"]) == url
        db.session.remove()
    refused = api.call("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars", {"url": url})
    assert refused.status_code == 409  # the duplicate is still recognised


def test_a_changed_secret_key_is_a_clear_calendar_error(app, api, server, private_ok, pg_url):  # noqa: F811
    practice = setup_practice(api)
    server.routes[SECRET_PATH] = Route(body=FEED)
    calendar = connect(api, practice, server.url(SECRET_PATH))
    assert sync(api, calendar)["status"] == "ok"
    other = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=pg_url, SECRET_KEY="another key",
                            ALLOW_PRIVATE_CALENDAR_URLS=True))
    client = other.test_client()
    headers = {"Authorization": f"Bearer {practice.key}"}
    listed = client.get(f"/api/v1/staff/{practice.staff_ids[0]}/calendars", headers=headers)
    assert listed.status_code == 200
    [shown] = [c for c in listed.get_json()["calendars"] if c["id"] == calendar["id"]]
    assert shown["url"] == ""
    answer = client.post(f"/api/v1/calendars/{calendar['id']}/sync", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["status"] == "error"
    assert "secret key has changed" in answer.get_json()["error"]
    assert blocks(app, calendar["id"]) == FEED_BLOCKS  # the last good blocks stay
    with other.app_context():
        db.engine.dispose()


def test_migration_0010_seals_older_rows_and_its_downgrade_opens_them(tmp_path, frozen_now):
    app = build_app(f"sqlite:///{tmp_path / 'seal.sqlite3'}")
    practice = setup_practice(Api(app.test_client()))
    with app.app_context():
        flask_migrate.downgrade(revision="0009")
        db.session.execute(text(
            "INSERT INTO external_calendars (id, business_id, staff_id, url, all_day_busy, failures, busy_count, "
            "next_sync_at, created_at) SELECT 7, business_id, id, 'https://old.example/plain-secret.ics', 1, 0, 0, "
            "'2027-01-01 00:00:00', '2027-01-01 00:00:00' FROM staff WHERE id = :staff"),
            {"staff": practice.staff_ids[0]})
        db.session.commit()
        flask_migrate.upgrade()
        stored = db.session.scalar(text("SELECT url FROM external_calendars WHERE id = 7"))
        assert stored.startswith(PREFIX) and "plain-secret" not in stored
        assert db.session.scalar(select(ExternalCalendar.url).where(ExternalCalendar.id == 7)) == \
            "https://old.example/plain-secret.ics"
        db.session.commit()
        flask_migrate.downgrade(revision="0009")
        assert db.session.scalar(text("SELECT url FROM external_calendars WHERE id = 7")) == \
            "https://old.example/plain-secret.ics"
        db.session.remove()
        db.engine.dispose()
