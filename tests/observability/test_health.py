"""GET /healthz with the scheduler's heartbeat: ok, stale (200, degraded), none, and a database
that does not answer (503)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from booking import create_app
from booking.clock import pinned
from booking.extensions import db
from booking.jobs import make_scheduler, run_heartbeat
from booking.models import SchedulerHeartbeat
from booking.observability.heartbeat import HEARTBEAT_SECONDS, STALE_AFTER, process_name
from tests.conftest import TEST_CONFIG
from tests.support.db_access import database

pytestmark = pytest.mark.usefixtures("no_heartbeats")


def test_no_scheduler_ever_seen_is_none_and_still_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "scheduler": "none",
                                   "scheduler_last_beat": None}


def test_a_fresh_heartbeat_is_ok(app, client, frozen_now):
    run_heartbeat(app, "worker")
    with pinned(frozen_now + STALE_AFTER):
        body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "scheduler": "ok",
                    "scheduler_last_beat": "2027-02-01T07:00:00+00:00"}
    with database(app) as session:
        row = session.query(SchedulerHeartbeat).one()
        assert (row.process, row.role, row.started_at, row.beat_at) == (process_name(), "worker", frozen_now,
                                                                        frozen_now)


def test_a_stale_heartbeat_degrades_but_stays_200(app, client, frozen_now):
    run_heartbeat(app, "embedded")
    with pinned(frozen_now + STALE_AFTER + timedelta(seconds=1)):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded" and response.get_json()["scheduler"] == "stale"


def test_the_next_beat_updates_the_same_row(app, frozen_now):
    run_heartbeat(app, "worker")
    with pinned(frozen_now + timedelta(seconds=HEARTBEAT_SECONDS)):
        run_heartbeat(app, "worker")
    with database(app) as session:
        rows = session.query(SchedulerHeartbeat).all()
        assert [(r.started_at, r.beat_at) for r in rows] == [(frozen_now, frozen_now + timedelta(seconds=30))]


def test_every_scheduler_beats_every_half_minute(app):
    scheduler = make_scheduler(app, BackgroundScheduler, "embedded")
    job = scheduler.get_job("heartbeat")
    assert job.trigger.interval == timedelta(seconds=HEARTBEAT_SECONDS)
    assert job.args == (run_heartbeat, app, "embedded")  # run through run_guarded


def test_a_database_that_does_not_answer_is_503():
    down = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:9/nowhere"))
    try:
        response = down.test_client().get("/healthz")
    finally:
        with down.app_context():
            db.engine.dispose()
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert response.get_json() == {"status": "error", "database": "error", "scheduler": "unknown",
                                   "error": "service_unavailable",
                                   "message": "The service is briefly unavailable. Please try again in a moment."}
