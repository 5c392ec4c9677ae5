"""Claims in-process, on PostgreSQL and SQLite: a claim whose lease ran out is not sent by its
old holder, and a stopping worker hands back what it claimed and did not send."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from booking.clock import pinned
from booking.extensions import db
from booking.models import Notification
from booking.notify.dispatch import dispatch_due
from tests.conftest import build_app
from tests.support.databases import create_database, drop_database
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.smtp import SmtpServer

NOW = datetime(2027, 2, 1, 7, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=300)


@pytest.fixture(params=["postgresql", "sqlite"])
def outbox_app(request, tmp_path):
    """A fresh database (only this test's rows are due), mail to a real SMTP server."""
    url = create_database("booking_claims") if request.param == "postgresql" else \
        f"sqlite:///{tmp_path / 'claims.sqlite3'}"
    try:
        with SmtpServer() as smtp:
            app = build_app(url, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, NOTIFY_LEASE_SECONDS=300)
            app.inbox = smtp.inbox
            yield app
            with app.app_context():
                db.engine.dispose()
    finally:
        if request.param == "postgresql":
            drop_database(url)


def plan_confirmations(app, count: int) -> None:
    assert count <= 6  # 09:00 to 11:30, before the lunch break
    with pinned(NOW):
        api = Api(app.test_client())
        practice = setup_practice(api)
        for n in range(count):
            api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                     booking_body(practice, f"2027-02-02T{9 + n // 2:02d}:{30 * (n % 2):02d}:00+01:00",
                                  email=f"c{n}@claims.test"), expect=201, key="")


def confirmations(app) -> list[Notification]:
    with app.app_context():
        found = list(db.session.scalars(select(Notification).where(Notification.kind == "confirmation")
                                        .order_by(Notification.id)))
        db.session.remove()
    return found


def test_a_claim_whose_lease_ran_out_is_left_to_whoever_claims_it_next(outbox_app):
    plan_confirmations(outbox_app, 3)
    moments = iter([NOW])  # the claim at NOW; every later look at the clock is past the lease

    def clock() -> datetime:
        return next(moments, NOW + LEASE + timedelta(seconds=1))

    with outbox_app.app_context():
        report = dispatch_due(clock, rounds=1)
        db.session.remove()
    assert report.sent == 0 and outbox_app.inbox.count() == 0
    assert {(n.status, n.attempts) for n in confirmations(outbox_app)} == {("sending", 1)}

    with outbox_app.app_context():
        report = dispatch_due(lambda: NOW + LEASE + timedelta(seconds=2))
        db.session.remove()
    assert report.sent == 3
    assert sorted(outbox_app.inbox.message_id_counts().values()) == [1, 1, 1]
    assert {(n.status, n.attempts) for n in confirmations(outbox_app)} == {("sent", 2)}


class StopAfter:
    """Set (for the dispatcher) once it has been asked `checks` times: a SIGTERM mid-batch."""

    def __init__(self, checks: int) -> None:
        self.checks = checks

    def is_set(self) -> bool:
        self.checks -= 1
        return self.checks < 0


def test_a_stopping_dispatcher_hands_back_what_it_did_not_send(outbox_app):
    plan_confirmations(outbox_app, 5)
    with outbox_app.app_context():
        report = dispatch_due(lambda: NOW, stop=StopAfter(3))  # the round, then two messages
        db.session.remove()
    assert report.sent == 2 and outbox_app.inbox.count() == 2
    rows = confirmations(outbox_app)
    assert sorted((n.status, n.attempts) for n in rows) == [("pending", 0)] * 3 + [("sent", 1)] * 2
    assert all(n.lease_expires_at is None for n in rows)

    with outbox_app.app_context():
        assert dispatch_due(lambda: NOW, stop=threading.Event()).sent == 3
        db.session.remove()
    assert sorted(outbox_app.inbox.message_id_counts().values()) == [1] * 5
