"""No customer contact data, tokens or credentials in the log of requests and jobs that handle
them, unless LOG_PERSONAL_DATA lets the development mail log show its mail."""
from __future__ import annotations

from urllib.parse import urlsplit

from booking import create_app
from booking.extensions import db
from booking.jobs import run_dispatch
from booking.observability.logs import configure_logging
from tests.conftest import TEST_CONFIG
from tests.support.factories import Api, booking_body, setup_practice, unique
from tests.support.logs import captured_log
from tests.support.workspace import PASSWORD, log_in

PHONE = "+49 170 555 0123"


def book(api, practice, start: str, email: str) -> dict:
    body = booking_body(practice, start, email=email)
    body["customer"]["phone"] = PHONE
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")


def test_requests_and_jobs_log_no_contact_data_tokens_or_credentials(app, api, client, frozen_now):
    email = f"{unique('jana')}@example.test"
    with captured_log(app) as buffer:
        practice = setup_practice(api)
        booked = book(api, practice, "2027-02-03T10:00:00+01:00", email)
        manage = urlsplit(booked["manage_url"]).path
        token = manage.rsplit("/", 1)[1]
        assert client.get(manage).status_code == 200
        assert client.get(f"/api/v1/manage/{token}").status_code == 200
        feed = urlsplit(api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/feed")["url"]).path
        assert client.get(feed).status_code == 200
        assert log_in(client, f"owner@{practice.slug}.test").status_code == 302
        assert client.get(f"/app/customers?q={email}").status_code == 200
        run_dispatch(app)  # the confirmation, to the log: no SMTP_HOST in the tests
    text = buffer.getvalue()
    assert f"POST /api/v1/public/{practice.slug}/bookings 201" in text
    assert "GET /m/[token] 200" in text and "GET /api/v1/manage/[token] 200" in text
    assert "GET /feeds/[token].ics 200" in text and "GET /app/customers 200" in text
    assert "mail (no SMTP_HOST set) not sent" in text
    secrets = [email, PHONE, PHONE.replace(" ", ""), token, feed.rsplit("/", 1)[1].removesuffix(".ics"),
               practice.key, f"owner@{practice.slug}.test", PASSWORD, "Kim Customer"]
    assert [secret for secret in secrets if secret in text] == []


def test_the_development_mail_log_shows_the_mail_when_allowed(app, pg_url, frozen_now):
    dev = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=pg_url, LOG_PERSONAL_DATA=True))
    email = f"{unique('jana')}@example.test"
    try:
        api = Api(dev.test_client())
        booked = book(api, setup_practice(api), "2027-02-04T10:00:00+01:00", email)
        with captured_log(dev) as buffer:
            run_dispatch(dev)
    finally:
        configure_logging(app)  # the handler is the process's: back to the session app's settings
        with dev.app_context():
            db.engine.dispose()
    text = buffer.getvalue()
    assert f"to=Kim Customer <{email}>" in text and urlsplit(booked["manage_url"]).path in text
