"""Sending due outbox rows: claim atomically, re-check against the booking, send, record.

Claims are short transactions of their own, committed before anything is sent: PostgreSQL
takes rows with FOR UPDATE SKIP LOCKED, SQLite with a compare-and-set UPDATE. A claim is a
lease; a process that dies mid-send leaves rows that another process takes again once the
lease has expired, with the same Message-ID. Every outcome is committed before the next
message goes out (in the transaction that reads the next row), so a crash repeats at most the
one message in hand; a holder whose lease ran out before it got to a row leaves that row alone.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.exc import DBAPIError

from booking.database import database_unavailable
from booking.extensions import db
from booking.models import Booking, Business, Customer, Notification, Service, Staff
from booking.notify.channels import DeliveryError, MailTransport, SmsWebhook
from booking.notify.delivery import build_delivery
from booking.notify.timing import retry_delay

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
_KEPT = "booking.dispatch.kept_outcomes"  # app.extensions key: outcomes a database outage kept from the table


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


@dataclass(frozen=True)
class _Outcome:
    """What became of one claimed row, written in the transaction that reads the next one."""

    row_id: int
    lease_until: datetime  # the claim's lease: only its holder may put the row back or fail it
    attempts: int
    at: datetime
    error: str | None = None  # None: sent
    stale_reason: str | None = None  # set: expired, never sent


# Built once: constructing a statement costs more CPU than PostgreSQL needs to run it.
_table = Notification.__table__
# Sent is the truth even if the claim ran out meanwhile: whoever took the row over must then
# not send it again (it re-checks the row before sending).
_MARK_SENT = (update(_table).where(_table.c.id == bindparam("row_id"), _table.c.status != "sent")
              .values(status="sent", sent_at=bindparam("now"), last_error=None, lease_expires_at=None,
                      updated_at=bindparam("now")))
# Anything else only while this process still holds the claim.
_HELD = (_table.c.id == bindparam("row_id"), _table.c.status == "sending",
         _table.c.lease_expires_at == bindparam("lease_until"))
_MARK_UNSENT = (update(_table).where(*_HELD)
                .values(status=bindparam("new_status"), last_error=bindparam("error"), lease_expires_at=None,
                        updated_at=bindparam("now")))
_MARK_RETRY = (update(_table).where(*_HELD)
               .values(status="pending", last_error=bindparam("error"), due_at=bindparam("due"),
                       lease_expires_at=None, updated_at=bindparam("now")))
# A stopping process hands back what it claimed and did not send (it was not attempted).
_RELEASE = (update(_table).where(_table.c.id.in_(bindparam("row_ids", expanding=True)),
                                 _table.c.status == "sending", _table.c.lease_expires_at == bindparam("lease_until"))
            .values(status="pending", lease_expires_at=None, attempts=_table.c.attempts - 1,
                    updated_at=bindparam("now")))
# The row and everything its message needs, in one query.
_LOAD = (select(Notification, Booking, Customer, Business, Service, Staff)
         .join(Booking, Booking.id == Notification.booking_id).join(Customer, Customer.id == Booking.customer_id)
         .join(Business, Business.id == Booking.business_id).join(Service, Service.id == Booking.service_id)
         .join(Staff, Staff.id == Booking.staff_id).where(Notification.id == bindparam("row_id"))
         .execution_options(populate_existing=True))


def _record(outcome: _Outcome | None, report: DispatchReport) -> None:
    """Write an outcome (not committed: the caller commits it with its next statement)."""
    if outcome is None:
        return
    params = {"row_id": outcome.row_id, "now": outcome.at}
    if outcome.stale_reason is None and outcome.error is None:
        db.session.execute(_MARK_SENT, params)
        report.sent += 1
        return
    params.update(lease_until=outcome.lease_until, error=outcome.stale_reason or outcome.error)
    if outcome.stale_reason is not None:
        statement, counter = _MARK_UNSENT, "expired"
        params["new_status"] = "expired"
    elif outcome.attempts >= MAX_ATTEMPTS:
        statement, counter = _MARK_UNSENT, "failed"
        params["new_status"] = "failed"
    else:
        statement, counter = _MARK_RETRY, "retried"
        params["due"] = outcome.at + retry_delay(outcome.attempts)
    if outcome.error is not None:
        report.errors.append(outcome.error)
    if db.session.execute(statement, params).rowcount == 1:
        setattr(report, counter, getattr(report, counter) + 1)


def _load_claimed(row_id: int) -> tuple | None:
    """The row and everything its message needs, read fresh in one query: (notification,
    booking, customer, business, service, staff). Hold on to the tuple while using the row:
    its relationships then resolve from the session's identity map, without further queries."""
    return db.session.execute(_LOAD, {"row_id": row_id}).first()


def dispatch_due(clock: Callable[[], datetime], limit: int = 100, rounds: int = 50,
                 stop: threading.Event | None = None) -> DispatchReport:
    """Send what is due, batch by batch, until nothing is due or `rounds` batches are done.

    When `stop` is set (the worker got SIGTERM), it finishes the message in hand, hands the
    rest of its claim back at once (no waiting for the lease) and returns."""
    config = current_app.config
    lease = timedelta(seconds=int(config.get("NOTIFY_LEASE_SECONDS", 300)))
    report = DispatchReport()
    session = db.session()
    # Each row is read fresh (populate_existing) right before it is sent; what was read stays
    # usable after the commit that ends the read, instead of being reloaded attribute by attribute.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    outcome: _Outcome | None = None  # the last message's result, until a commit has written it
    try:
        _record_kept(report)
        with MailTransport(config) as mail:
            sms = SmsWebhook(config.get("SMS_WEBHOOK_URL"))
            for _ in range(rounds):
                if stop is not None and stop.is_set():
                    break
                _record(outcome, report)
                now = clock()
                ids = claim_due(now, limit, lease)  # commits the outcome too
                outcome = None
                if not ids:
                    break
                for position, row_id in enumerate(ids):
                    if stop is not None and stop.is_set():
                        db.session.execute(_RELEASE, {"row_ids": ids[position:], "lease_until": now + lease,
                                                      "now": clock()})
                        break
                    outcome = _send_claimed(row_id, outcome, report, now + lease, mail, sms, clock)
            _record(outcome, report)
            db.session.commit()
            outcome = None
    except DBAPIError as exc:
        if outcome is not None and database_unavailable(exc):
            _keep(outcome)
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    return report


def _keep(outcome: _Outcome) -> None:
    """The database went away after a message was handed to SMTP and before its outcome was
    committed: keep the outcome in this process, so the next run records it instead of the row
    being sent again once its lease runs out."""
    current_app.extensions.setdefault(_KEPT, []).append(outcome)


def _record_kept(report: DispatchReport) -> None:
    """Commit the outcomes an earlier run could not (still before their leases ran out, unless
    the outage outlasted them: then the row has been, or will be, sent again)."""
    kept = current_app.extensions.get(_KEPT)
    if kept:
        for outcome in kept:
            _record(outcome, report)
        db.session.commit()
        log.info("dispatch: recorded %s outcome(s) kept through a database outage", len(kept))
        kept.clear()


def _send_claimed(row_id: int, previous: _Outcome | None, report: DispatchReport, lease_until: datetime,
                  mail: MailTransport, sms: SmsWebhook, clock: Callable[[], datetime]) -> _Outcome | None:
    """Send one row of this process's claim, unless the claim is no longer ours; the outcome.

    The transaction that reads the row also commits the previous row's outcome; it ends
    before anything is sent: nothing may hold locks while we talk to SMTP."""
    _record(previous, report)
    loaded = _load_claimed(row_id)
    row = loaded[0] if loaded else None
    db.session.commit()
    now = clock()
    # Finished or taken over by another process, or our lease ran out before we got here
    # (another process may claim it any moment): leave it to whoever holds it next.
    if row is None or row.status != "sending" or row.lease_expires_at != lease_until or now >= lease_until:
        return None
    attempts = row.attempts
    try:
        delivery = build_delivery(row, now)
        if delivery.stale_reason:
            return _Outcome(row_id, lease_until, attempts, now, stale_reason=delivery.stale_reason)
        if delivery.email is not None:
            mail.send(delivery.email)
        else:
            sms.send(row.recipient, delivery.sms_text, row.booking_id, row.kind)
        error = None
    except DeliveryError as exc:
        error = str(exc)[:1000]
    except Exception as exc:  # a bug in one message must not stop the others
        log.exception("notification %s could not be prepared", row_id)
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"[:1000]
    return _Outcome(row_id, lease_until, attempts, clock(), error=error)
