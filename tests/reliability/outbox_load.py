"""A migrated PostgreSQL database full of due notifications, and ways to watch it drain.

Shared by tests/reliability and benchmarks/dispatch_throughput.py. The rows are what the
app itself would have written (a business, staff, a service, confirmed bookings, and one
pending outbox row per booking: a confirmation with its invitation, or a reminder), but
inserted in bulk with SQLAlchemy Core, so 5,000 of them take a second or two.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import flask_migrate
import psycopg
from sqlalchemy import insert, text

from booking import create_app
from booking.extensions import db
from booking.models import Booking, Business, Customer, Notification, Service, Staff
from booking.models.catalog import service_staff

LOCALES = ("en", "de", "es")
# The rate limiter is one object per process: an app built here with the default (on) would
# switch it on for every app of a test run that comes after.
QUIET = {"RATELIMIT_ENABLED": False}
STAFF = 10


def migrate(url: str) -> None:
    """Run the migrations on an empty database (SQLAlchemy URL)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": "off", "TESTING": True, **QUIET})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg wants it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass(frozen=True)
class Seeded:
    business_id: int
    count: int
    message_ids: frozenset[str]


def seed_due_notifications(url: str, count: int, domain: str = "load.test") -> Seeded:
    """`count` confirmed bookings a day or more ahead, each with one due, pending email."""
    now = datetime.now(timezone.utc)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SCHEDULER": "off", "TESTING": True, **QUIET})
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        session = db.session
        business_id = session.scalar(insert(Business).returning(Business.id), {
            "slug": f"load-{tag}", "name": "Praxis Last & Co", "timezone": "Europe/Berlin", "locale": "en",
            "created_at": now, "updated_at": now})
        staff_ids = list(session.scalars(insert(Staff).returning(Staff.id, sort_by_parameter_order=True), [
            {"business_id": business_id, "name": f"Dr. Staff {n}", "created_at": now} for n in range(STAFF)]))
        service_id = session.scalar(insert(Service).returning(Service.id), {
            "business_id": business_id, "name": "Consultation", "duration_minutes": 30, "created_at": now})
        session.execute(insert(service_staff), [{"service_id": service_id, "staff_id": s} for s in staff_ids])
        customer_ids = list(session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), [
            {"business_id": business_id, "name": f"Kundin Nummer {n}", "email": f"c{n}@{domain}",
             "preferred_channel": "email", "locale": LOCALES[n % 3], "created_at": now} for n in range(count)]))
        first = (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        bookings = []
        for n in range(count):
            start = first + timedelta(minutes=30 * (n // STAFF))  # each staff member back to back
            bookings.append({
                "business_id": business_id, "service_id": service_id, "staff_id": staff_ids[n % STAFF],
                "customer_id": customer_ids[n], "status": "confirmed", "source": "online", "start_utc": start,
                "end_utc": start + timedelta(minutes=30), "block_start_utc": start,
                "block_end_utc": start + timedelta(minutes=30), "is_group": False,
                "manage_token_hash": uuid.uuid4().hex + uuid.uuid4().hex, "uid": f"{uuid.uuid4().hex}@{domain}",
                "sequence": 0, "created_at": now, "updated_at": now})
        booking_ids = list(session.scalars(
            insert(Booking).returning(Booking.id, sort_by_parameter_order=True), bookings))
        rows, message_ids = [], set()
        for n, booking_id in enumerate(booking_ids):
            kind = "confirmation" if n % 2 == 0 else "reminder"
            message_id = f"<{uuid.uuid4().hex}.{n}@{domain}>"
            message_ids.add(message_id)
            payload = {"sequence": 0} if kind == "confirmation" else {"sequence": 0, "offset_minutes": 1440}
            rows.append({
                "business_id": business_id, "booking_id": booking_id, "kind": kind, "channel": "email",
                "recipient": f"c{n}@{domain}", "locale": LOCALES[n % 3],
                "idempotency_key": f"b{booking_id}:{kind}", "message_id": message_id, "payload": payload,
                "due_at": now - timedelta(seconds=n % 60), "status": "pending", "attempts": 0,
                "created_at": now, "updated_at": now})
        session.execute(insert(Notification), rows)
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
        session.remove()
        db.engine.dispose()
    return Seeded(business_id=business_id, count=count, message_ids=frozenset(message_ids))


class Outbox:
    """Read-only looks at the notifications table over a plain psycopg connection (autocommit)."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(libpq_url(url), autocommit=True)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def statuses(self) -> Counter:
        return Counter(dict(self.connection.execute(
            "SELECT status, count(*) FROM notifications GROUP BY status").fetchall()))

    def sent_message_ids(self) -> set[str]:
        return {r[0] for r in self.connection.execute(
            "SELECT message_id FROM notifications WHERE status = 'sent'")}

    def rows(self, where: str = "TRUE", params: tuple = ()) -> list[dict]:
        cursor = self.connection.execute(
            "SELECT id, message_id, status, attempts, due_at, lease_expires_at, sent_at, last_error, updated_at "
            f"FROM notifications WHERE {where} ORDER BY id", params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    def errors(self) -> set[str]:
        """The distinct last errors of rows waiting for a retry."""
        return {r[0] for r in self.connection.execute(
            "SELECT DISTINCT last_error FROM notifications WHERE status = 'pending' AND last_error IS NOT NULL")}

    def in_flight(self) -> list[dict]:
        """Rows claimed and not finished whose lease still runs (database clock)."""
        return self.rows("status = 'sending' AND lease_expires_at > now()")

    def now(self) -> datetime:
        return self.connection.execute("SELECT now()").fetchone()[0]
