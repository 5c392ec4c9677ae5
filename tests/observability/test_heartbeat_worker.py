"""A real `flask worker` beats: /healthz of a web process on the same database sees its
scheduler as ok while it runs (and JSON log lines on its stderr), stale once it is gone."""
from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.clock import pinned, utcnow
from booking.extensions import db
from booking.models import SchedulerHeartbeat
from booking.observability.heartbeat import STALE_AFTER
from tests.conftest import build_app
from tests.reliability.processes import Processes
from tests.support.databases import create_database, drop_database
from tests.support.db_access import database

pytestmark = pytest.mark.slow


@pytest.fixture
def fresh_app():
    """An app on a database of its own: the worker's jobs must not touch the session's rows."""
    url = create_database("booking_heartbeat")
    application = build_app(url)
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()
        drop_database(url)


def wait_for_beat(app, pid: int, process, timeout: float = 60) -> SchedulerHeartbeat:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with database(app) as session:
            row = session.scalar(select(SchedulerHeartbeat).where(SchedulerHeartbeat.process.endswith(f":{pid}")))
            if row is not None:
                return row
        time.sleep(0.2)
    raise AssertionError("the worker wrote no heartbeat")


def test_a_running_worker_keeps_the_scheduler_ok(fresh_app, tmp_path):
    env = dict(os.environ, DATABASE_URL=fresh_app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="test-secret",
               SCHEDULER="off", LOG_FORMAT="json", PYTHONUNBUFFERED="1")
    with Processes(tmp_path / "logs") as processes:
        worker = processes.worker("worker", env)
        row = wait_for_beat(fresh_app, worker.pid, worker)
        body = fresh_app.test_client().get("/healthz").get_json()
        processes.close()
        log = (tmp_path / "logs" / "worker.log").read_text()
    assert row.role == "worker" and abs(row.beat_at - utcnow()) < timedelta(minutes=1)
    assert (body["status"], body["scheduler"]) == ("ok", "ok")
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert {"logger": "booking.jobs", "message": f"scheduler (worker) starting in process {row.process}"}.items() \
        <= lines[0].items(), log
    with pinned(row.beat_at + STALE_AFTER + timedelta(seconds=1)):
        body = fresh_app.test_client().get("/healthz").get_json()
    assert (body["status"], body["scheduler"]) == ("degraded", "stale")
