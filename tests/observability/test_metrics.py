"""GET /metrics in one process: hidden without METRICS_TOKEN, 401 without the right bearer
token, and Prometheus text with the request histogram and the database gauges."""
from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from booking import create_app
from booking.extensions import db
from booking.models import Business, ExternalCalendar
from booking.observability.heartbeat import record_beat
from tests.conftest import TEST_CONFIG
from tests.support.db_access import database
from tests.support.factories import booking_body, setup_practice

TOKEN = "metrics-test-token-7f3a"


@pytest.fixture
def with_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)


def scrape(client) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def test_without_a_configured_token_there_is_no_endpoint(client):
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


@pytest.mark.usefixtures("with_token")
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN])
def test_anything_but_the_right_bearer_token_is_401(client, header):
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"] == "unauthorized"


@pytest.mark.usefixtures("with_token", "no_heartbeats")
def test_a_booking_shows_in_the_gauges_and_its_request_in_the_histogram(app, api, client, frozen_now):
    practice = setup_practice(api)
    before = scrape(client)
    api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
             booking_body(practice, "2027-02-03T10:00:00+01:00"), expect=201, key="")
    after = scrape(client)
    assert after[("booking_bookings", (("status", "confirmed"),))] == \
        before[("booking_bookings", (("status", "confirmed"),))] + 1
    assert after[("booking_notifications", (("status", "pending"),))] > \
        before[("booking_notifications", (("status", "pending"),))]
    labels = (("endpoint", "/api/v1/public/<slug>/bookings"), ("method", "POST"), ("status", "2xx"))
    count = ("booking_http_request_duration_seconds_count", labels)
    assert after[count] == before.get(count, 0) + 1
    assert after[("booking_database_up", ())] == 1
    assert ("booking_scheduler_heartbeat_age_seconds", ()) not in after  # no scheduler ever beat


@pytest.mark.usefixtures("with_token")
def test_unknown_paths_and_methods_share_one_series(client):
    labels = (("endpoint", "unmatched"), ("method", "other"), ("status", "4xx"))
    before = scrape(client).get(("booking_http_request_duration_seconds_count", labels), 0)
    for path in ("/no/such/page", "/m/Zq3hJ8kL2mN9pQ4rS7tU1vW5xY0zA6bC8dE2fG4h/nothing"):
        assert client.open(path, method="BREW").status_code in (404, 405)
    assert scrape(client)[("booking_http_request_duration_seconds_count", labels)] == before + 2


@pytest.mark.usefixtures("with_token", "no_heartbeats")
def test_calendar_errors_and_the_heartbeat_age(app, api, client, frozen_now):
    practice = setup_practice(api)
    before = scrape(client)
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == practice.slug))
        session.add(ExternalCalendar(business_id=business.id, staff_id=practice.staff_ids[0],
                                     url="https://cal.example.com/a.ics", last_error="HTTP 500", failures=3,
                                     created_at=frozen_now))
        record_beat("other-host:4242", "worker", frozen_now - timedelta(seconds=40))
        session.commit()
    after = scrape(client)
    assert after[("booking_external_calendars_in_error", ())] == before[("booking_external_calendars_in_error", ())] + 1
    assert after[("booking_calendar_sync_failures", ())] == before[("booking_calendar_sync_failures", ())] + 3
    assert after[("booking_scheduler_heartbeat_age_seconds", ())] == 40
    assert after[("booking_scheduler_processes", (("role", "worker"),))] == 1


def test_a_database_that_does_not_answer_still_gives_metrics():
    down = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/nowhere",
                           METRICS_TOKEN=TOKEN))
    try:
        samples = scrape(down.test_client())
    finally:
        with down.app_context():
            db.engine.dispose()
    assert samples[("booking_database_up", ())] == 0
    assert not [name for name, _ in samples if name == "booking_bookings"]
