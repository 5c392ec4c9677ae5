"""A SECRET_KEY rotation with the old key in SECRET_KEY_FALLBACKS breaks nothing that was handed
out under it: manage links (also in messages sent later), feed addresses, sealed calendar
addresses, logins and sent account links; what is made afterwards uses the new key."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from booking import create_app
from booking.credentials import derived_token, digest
from booking.extensions import db
from booking.models import Booking, CalendarFeed
from booking.operations.bookings import manage_token_for
from booking.sealing import unseal
from tests.calendars.feed_server import FeedServer, Route, ics
from tests.conftest import TEST_CONFIG
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.workspace import PASSWORD, log_in

OLD = TEST_CONFIG["SECRET_KEY"]
NEW = "a new and much longer secret key for the rotation test"


@pytest.fixture
def rotated(pg_url):
    """The same database served under the new key, the old one as a fallback."""
    app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=pg_url, SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD],
                          ALLOW_PRIVATE_CALENDAR_URLS=True))
    yield app
    with app.app_context():
        db.engine.dispose()


def book(api, practice, start: str) -> dict:
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start),
                    expect=201, key="")


def token_in_use(app, booking_id: int) -> str:
    with app.app_context():
        token = manage_token_for(db.session.get(Booking, booking_id))
        db.session.remove()
    return token


def test_what_was_handed_out_under_the_old_key_keeps_working(app, api, rotated, frozen_now, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", True)
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T10:00:00+01:00")
    feed = api.json("GET", "/api/v1/business/feed")["url"]
    with FeedServer() as server:
        server.routes["/private.ics"] = Route(body=ics("DTSTART:20270203T090000Z\nDTEND:20270203T100000Z"))
        calendar = api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars",
                            {"url": server.url("/private.ics")}, expect=201)
        after = Api(rotated.test_client())
        after.key = practice.key
        assert after.json("POST", f"/api/v1/calendars/{calendar['id']}/sync")["status"] == "ok"
        [listed] = after.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/calendars")["calendars"]
        assert listed["url"] == server.url("/private.ics")
        with rotated.app_context():  # the sync sealed it anew: the old key is no longer needed for it
            stored = db.session.scalar(text("SELECT url FROM external_calendars WHERE id = :id"),
                                       {"id": calendar["id"]})
            assert unseal(stored, NEW) == server.url("/private.ics") and unseal(stored, OLD) is None
            db.session.remove()
    client = rotated.test_client()
    assert client.get(f"/m/{booked['manage_token']}").status_code == 200
    assert token_in_use(rotated, booked["id"]) == booked["manage_token"]  # reminders carry the same link
    assert after.json("GET", "/api/v1/business/feed")["url"] == feed  # subscriptions keep their address
    assert client.get(urlsplit(feed).path).status_code == 200

    fresh = Api(rotated.test_client()).json("POST", f"/api/v1/public/{practice.slug}/bookings",
                                            booking_body(practice, "2027-02-03T11:00:00+01:00"), expect=201, key="")
    assert fresh["manage_token"] == derived_token([NEW], f"manage:{uid_of(rotated, fresh['id'])}", None)
    rotated_feed = after.json("POST", "/api/v1/business/feed/rotate")["url"]
    token = re.fullmatch(r"/feeds/([^/]+)\.ics", urlsplit(rotated_feed).path).group(1)
    assert client.get(urlsplit(rotated_feed).path).status_code == 200 and client.get(urlsplit(feed).path).status_code == 404
    with rotated.app_context():
        assert token == derived_token([NEW], f"feed:{feed_nonce(token)}", None)
        db.session.remove()


def uid_of(app, booking_id: int) -> str:
    with app.app_context():
        uid = db.session.get(Booking, booking_id).uid
        db.session.remove()
    return uid


def feed_nonce(token: str) -> str:
    return db.session.scalar(select(CalendarFeed.nonce).where(CalendarFeed.token_hash == digest(token)))


def test_a_login_made_under_the_old_key_survives_the_rotation(app, client, api, rotated, frozen_now):
    practice = setup_practice(api)
    email = f"owner@{practice.slug}.test"
    assert log_in(client, email, PASSWORD).status_code == 302
    cookie = client.get_cookie("session")
    after = rotated.test_client()
    after.set_cookie("session", cookie.value)
    assert after.get("/app/").status_code == 200
    without = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                              SECRET_KEY=NEW)).test_client()
    without.set_cookie("session", cookie.value)
    assert without.get("/app/").status_code == 302  # no fallback: logged out, as documented
