"""Heartbeat rows are shared by the whole test database: tests here start and end without any."""
from __future__ import annotations

import pytest
from sqlalchemy import delete

from booking.models import SchedulerHeartbeat
from tests.support.db_access import database


def clear_heartbeats(app) -> None:
    with database(app) as session:
        session.execute(delete(SchedulerHeartbeat))
        session.commit()


@pytest.fixture
def no_heartbeats(app):
    clear_heartbeats(app)
    yield
    clear_heartbeats(app)
