"""Sending due outbox rows: claim atomically, re-check against the booking, send, record.

Claims are short transactions of their own, committed before anything is sent: PostgreSQL
takes rows with FOR UPDATE SKIP LOCKED, SQLite with a compare-and-set UPDATE. A claim is a
lease; a process that dies mid-send leaves rows that another process takes again once the
lease has expired, with the same Message-ID. Every outcome is committed per message.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from booking.extensions import db
from booking.models import Notification
from booking.notify.channels import DeliveryError, MailTransport, SmsWebhook
from booking.notify.delivery import build_delivery
from booking.notify.timing import retry_delay

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)


def _claimable(now: datetime):
    return or_(and_(Notification.status == "pending", Notification.due_at <= now),
               and_(Notification.status == "sending", Notification.lease_expires_at < now))


def claim_due(now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Take up to `limit` due rows (or rows whose lease expired) for this process; commits."""
    values = {"status": "sending", "lease_expires_at": now + lease, "attempts": Notification.attempts + 1,
              "updated_at": now}
    if db.session.get_bind().dialect.name == "postgresql":
        picked = (select(Notification.id).where(_claimable(now)).order_by(Notification.due_at)
                  .limit(limit).with_for_update(skip_locked=True).scalar_subquery())
        ids = list(db.session.scalars(update(Notification).where(Notification.id.in_(picked))
                                      .values(**values).returning(Notification.id)))
    else:
        candidates = db.session.scalars(select(Notification.id).where(_claimable(now))
                                        .order_by(Notification.due_at).limit(limit)).all()
        ids = [i for i in candidates  # compare-and-set: only one process wins each row
               if db.session.execute(update(Notification).where(Notification.id == i, _claimable(now))
                                     .values(**values)).rowcount == 1]
    db.session.commit()
    return ids


def _record(row: Notification, now: datetime, error: str | None, report: DispatchReport) -> None:
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
        report.sent += 1
    elif row.attempts >= MAX_ATTEMPTS:
        row.status, row.last_error = "failed", error
        report.failed += 1
    else:
        row.status, row.last_error, row.due_at = "pending", error, now + retry_delay(row.attempts)
        report.retried += 1
    row.lease_expires_at, row.updated_at = None, now
    db.session.commit()


def _deliver_one(row: Notification, mail: MailTransport, sms: SmsWebhook, now: datetime,
                 report: DispatchReport) -> str | None:
    """Send one claimed row; returns an error text for a retry, None when sent or expired."""
    delivery = build_delivery(row, now)
    if delivery.stale_reason:
        row.status, row.last_error, row.lease_expires_at, row.updated_at = "expired", delivery.stale_reason, None, now
        db.session.commit()
        report.expired += 1
        return None
    db.session.commit()  # end the read transaction: nothing may hold locks while we talk to SMTP
    if delivery.email is not None:
        mail.send(delivery.email)
    else:
        sms.send(row.recipient, delivery.sms_text, row.booking_id, row.kind)
    return None


def dispatch_due(clock: Callable[[], datetime], limit: int = 100, rounds: int = 50) -> DispatchReport:
    """Send what is due, batch by batch, until nothing is due or `rounds` batches are done."""
    config = current_app.config
    lease = timedelta(seconds=int(config.get("NOTIFY_LEASE_SECONDS", 300)))
    report = DispatchReport()
    with MailTransport(config) as mail:
        sms = SmsWebhook(config.get("SMS_WEBHOOK_URL"))
        for _ in range(rounds):
            ids = claim_due(clock(), limit, lease)
            if not ids:
                break
            for row_id in ids:
                _send_claimed(row_id, mail, sms, clock, report)
    return report


def _send_claimed(row_id: int, mail: MailTransport, sms: SmsWebhook, clock: Callable[[], datetime],
                  report: DispatchReport) -> None:
    row = db.session.get(Notification, row_id)
    if row is None or row.status != "sending":
        return
    try:
        error = _deliver_one(row, mail, sms, clock(), report)
    except DeliveryError as exc:
        error = str(exc)[:1000]
    except Exception as exc:  # a bug in one message must not stop the others
        log.exception("notification %s could not be prepared", row_id)
        db.session.rollback()
        row = db.session.get(Notification, row_id)
        error = f"{type(exc).__name__}: {exc}"[:1000]
    if row.status == "sending":
        if error:
            report.errors.append(error)
        _record(row, clock(), error, report)
