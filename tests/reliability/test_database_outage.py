"""The database gone (a port nothing listens on, a connection the server dropped): requests answer
503 with Retry-After, never 500; JSON keeps the API.md error shape, pages are translated and show no
traceback; the next request after the database is back works; jobs log a line and retry next run;
a message sent just before the database went away is recorded later instead of sent twice.

The real thing (PostgreSQL restarted under gunicorn) is tests/reliability/test_faults.py."""
from __future__ import annotations

import logging
import time
import psycopg
import pytest
from sqlalchemy import text

from booking import create_app
from booking.extensions import db
from booking.jobs import run_dispatch, run_guarded
from booking.models import Booking
from tests.conftest import TEST_CONFIG
from tests.support.databases import ADMIN_URL
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.servers import free_port
from tests.support.smtp import Inbox, SmtpServer
from tests.support.workspace import log_in


@pytest.fixture
def dead_app():
    """The app pointed at a PostgreSQL port where nothing listens (connections are refused)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"
    return create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url))


def assert_unavailable_json(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"].isdigit()
    body = response.get_json()
    assert body["error"] == "service_unavailable"
    assert "unavailable" in body["message"]


def assert_no_tracebacks(caplog) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_json_api_and_healthz_answer_503_with_the_error_shape(dead_app, caplog):
    client = dead_app.test_client()
    health = client.get("/healthz")
    assert_unavailable_json(health)
    assert health.get_json()["database"] == "error"
    assert_unavailable_json(client.get("/api/v1/public/some-practice/availability?service=1&from=2027-02-02"
                                       "&to=2027-02-03"))
    assert_unavailable_json(client.post("/api/v1/public/some-practice/bookings", json={"service_id": 1}))
    assert_unavailable_json(client.get("/api/v1/bookings", headers={"Authorization": "Bearer bk_some-key"}))
    assert_no_tracebacks(caplog)
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_pages_answer_a_translated_503_page_without_a_traceback(dead_app, caplog):
    client = dead_app.test_client()
    page = client.get("/b/some-practice?lang=de")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert page.mimetype == "text/html" and '<html lang="de">' in html
    assert "vorübergehend nicht erreichbar" in html
    assert "Traceback" not in html and "OperationalError" not in html
    english = client.get("/b/some-practice?lang=en").get_data(as_text=True)
    assert "The service is briefly unavailable" in english
    assert_no_tracebacks(caplog)


def test_a_logged_in_user_gets_the_503_page_too(app, client, api, dead_app, caplog):
    """The page's language would come from the user's business: loading the user needs the
    database, so the 503 page must not try."""
    practice = setup_practice(api)
    assert log_in(client, f"owner@{practice.slug}.test").status_code == 302
    dead = dead_app.test_client()
    dead.set_cookie("session", client.get_cookie("session").value)
    for path in ("/app/", "/app/customers", "/login"):
        page = dead.get(path)
        assert page.status_code == 503, (path, page.status_code)
        assert "Traceback" not in page.get_data(as_text=True)
    assert_no_tracebacks(caplog)


def terminate_connections_to(database_url: str, spare: int = 0) -> int:
    """Drop every server connection to the app's database but the backend `spare` (what a
    restart does to them)."""
    name = database_url.rsplit("/", 1)[1]
    others = "datname = %s AND pid <> pg_backend_pid() AND pid <> %s"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        ended = conn.execute(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {others}",
                             (name, spare)).fetchone()[0]
        for _ in range(100):  # the backends exit asynchronously: until they are gone
            if not conn.execute(f"SELECT count(*) FROM pg_stat_activity WHERE {others}", (name, spare)).fetchone()[0]:
                break
            time.sleep(0.02)
    return ended


def test_a_connection_dropped_after_the_last_statement_is_discarded_not_raised(app, pg_url, caplog):
    """The teardown's rollback on a connection the server dropped raises; release_session
    throws the connection away instead, and the pool serves the next request a fresh one."""
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        assert terminate_connections_to(pg_url) >= 1
    # (leaving the context ran the teardown without raising)
    assert any("connection lost while closing" in r.getMessage() for r in caplog.records)
    with app.app_context():
        assert db.session.execute(text("SELECT 2")).scalar() == 2


def test_requests_recover_by_themselves_after_the_connections_were_dropped(app, api, pg_url, caplog):
    practice = setup_practice(api)
    path = f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}&from=2027-02-02&to=2027-02-02"
    assert api.call("GET", path, key="").status_code == 200
    terminate_connections_to(pg_url)
    assert api.call("GET", path, key="").status_code == 200  # pool_pre_ping replaced the dead connection
    assert_no_tracebacks(caplog)


def test_a_job_run_during_an_outage_logs_one_line_and_does_not_raise(dead_app, caplog):
    run_guarded(run_dispatch, dead_app)
    lines = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING and "run_dispatch" in lines[0].getMessage()
    assert_no_tracebacks(caplog)


def test_a_job_failing_for_another_reason_still_raises(app):
    def broken(_app):
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        run_guarded(broken, app)


def allow_connections(database_url: str, allowed: bool) -> None:
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')


class ClosingInbox(Inbox):
    """Accepts a message, then closes the database to new connections and drops the open ones
    (but `spare`): the database goes away after SMTP said 250 and before the dispatcher could
    record it. (Dropping connections alone is not an outage: pool_pre_ping reconnects.)"""

    def __init__(self, database_url: str, spare: int) -> None:
        super().__init__()
        self.database_url, self.spare, self.armed = database_url, spare, True

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.armed:
            allow_connections(self.database_url, False)
            terminate_connections_to(self.database_url, self.spare)
        return answer


def test_a_message_sent_just_before_the_database_went_away_is_recorded_not_sent_again(database, frozen_now,
                                                                                      caplog):
    caplog.set_level(logging.INFO)
    url, outbox = database  # a database of its own: no other test's notifications are due in it
    app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url, NOTIFY_LEASE_SECONDS=600))
    api = Api(app.test_client())
    practice = setup_practice(api)
    made = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                    booking_body(practice, "2027-02-03T10:00:00+01:00"), expect=201, key="")
    inbox = ClosingInbox(url, spare=outbox.connection.info.backend_pid)
    confirmation = f"kind = 'confirmation' AND booking_id = {int(made['id'])}"
    try:
        with SmtpServer(inbox=inbox) as server:
            app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
            run_guarded(run_dispatch, app)  # sends the confirmation, then cannot record it
            assert inbox.count() == 1
            [row] = outbox.rows(confirmation)
            assert row["status"] == "sending"  # the claim is still out
            inbox.armed = False
            allow_connections(url, True)
            run_guarded(run_dispatch, app)  # records the kept outcome first
    finally:
        allow_connections(url, True)
    [row] = outbox.rows(confirmation)
    assert row["status"] == "sent" and row["attempts"] == 1 and row["lease_expires_at"] is None
    assert inbox.message_ids() == [row["message_id"]]
    messages = [r.getMessage() for r in caplog.records]
    assert any("run_dispatch: database unavailable" in m for m in messages), messages
    assert any("kept through a database outage" in m for m in messages), messages
    assert_no_tracebacks(caplog)
    with app.app_context():
        assert db.session.get(Booking, made["id"]) is not None
        db.session.remove()  # the connection back into the pool before the pool is closed
        db.engine.dispose()
