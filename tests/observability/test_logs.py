"""Log lines as the app writes them: JSON or text, the request id on each, one access line per
request, secrets and contact data redacted (message, extras and tracebacks)."""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest

from booking import create_app
from booking.extensions import db
from booking.observability.logs import personal_data_allowed
from tests.conftest import TEST_CONFIG
from tests.support.logs import captured_log, json_lines

TOKEN = "Zq3_hJ8-kL2mN9pQ4rS7tU1vW5xY0zA6bC8dE2fG4hI"
log = logging.getLogger("tests.observability")


@pytest.fixture(scope="module")
def json_app(app, pg_url):
    """The test database with LOG_FORMAT=json, and two views that log what they should not."""
    application = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=pg_url, LOG_FORMAT="json"))

    @application.get("/_test/log")
    def log_something():
        log.warning("customer %s (%s) opened /m/%s", "jana@example.com", "+49 170 555 0123", TOKEN,
                    extra={"customer_email": "jana@example.com", "visit": 3})
        return "ok"

    @application.get("/_test/crash")
    def crash():
        raise ValueError(f"no booking for jana@example.com behind {TOKEN}")

    yield application
    with application.app_context():
        db.engine.dispose()


def test_json_lines_carry_the_request_id_and_the_access_fields(json_app):
    with captured_log(json_app) as buffer:
        response = json_app.test_client().get("/_test/log?email=jana@example.com",
                                              headers={"X-Request-ID": "lb-7f3a.trace_1"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "lb-7f3a.trace_1"
    mine, access = json_lines(buffer)
    assert mine["logger"] == "tests.observability" and mine["level"] == "WARNING"
    assert mine["message"] == "customer [email] ([phone]) opened /m/[token]"
    assert mine["customer_email"] == "[email]" and mine["visit"] == 3
    assert access["logger"] == "booking.access" and access["level"] == "INFO"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/_test/log", 200)
    assert access["message"] == f"GET /_test/log 200 {access['duration_ms']:.1f}ms"
    assert mine["request_id"] == access["request_id"] == "lb-7f3a.trace_1"
    stamp = datetime.fromisoformat(access["ts"].replace("Z", "+00:00"))
    assert stamp.utcoffset() == timedelta(0) and access["ts"].endswith("Z")
    assert abs(stamp - datetime.now(timezone.utc)) < timedelta(minutes=5)


@pytest.mark.parametrize("offered", ["has spaces", "x" * 65, "<script>", "a/b", ""])
def test_an_unfit_request_id_is_replaced_by_a_new_one(json_app, offered):
    with captured_log(json_app) as buffer:
        response = json_app.test_client().get("/healthz", headers={"X-Request-ID": offered})
    given = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", given)
    assert json_lines(buffer)[-1]["request_id"] == given


def test_every_request_gets_its_own_id(json_app):
    client = json_app.test_client()
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_traceback_is_redacted_too(json_app):
    with captured_log(json_app) as buffer:
        response = json_app.test_client().get("/_test/crash", headers={"Accept": "application/json"})
    assert response.status_code == 500
    error = next(line for line in json_lines(buffer) if line["level"] == "ERROR")
    assert error["message"] == "unhandled error on GET /_test/crash"
    assert "ValueError: no booking for [email] behind [token]" in error["exception"]
    assert "jana@example.com" not in buffer.getvalue() and TOKEN not in buffer.getvalue()


def test_text_lines_name_the_request(app):
    with captured_log(app) as buffer:
        app.test_client().get("/healthz", headers={"X-Request-ID": "abc-42"})
    assert re.search(r" INFO booking\.access \[abc-42\]: GET /healthz 200 \d+\.\dms$", buffer.getvalue(), re.M)


@pytest.mark.parametrize("uri, setting, allowed", [
    ("sqlite:///instance/booking.sqlite3", None, True),        # the demo: mail links in the log
    ("postgresql+psycopg://db/booking", None, False),           # real customers
    ("sqlite:///instance/booking.sqlite3", False, False),
    ("postgresql+psycopg://db/booking", True, True),
])
def test_personal_data_in_logs_by_default_only_for_the_sqlite_demo(uri, setting, allowed):
    assert personal_data_allowed({"SQLALCHEMY_DATABASE_URI": uri, "LOG_PERSONAL_DATA": setting}) is allowed
