"""Engine set-up that the ORM cannot express: SQLite write serialization, and what a request
or job does when the database is gone (PostgreSQL restarting, a network cut).

SQLite has no row locks and no exclusion constraints, so every request or job that may
write opens its transaction with BEGIN IMMEDIATE: writers queue on busy_timeout and a
booking's re-check and insert can never interleave with another writer's. Reads keep a
deferred BEGIN, and WAL mode lets them run beside the single writer.
"""
from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from booking.extensions import db

log = logging.getLogger(__name__)
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wants_write() -> bool:
    """A job inside `writing()`, or a request whose method may write.

    Keyed on the method rather than declared in a before_request hook: Flask runs
    url_value_preprocessors (the slug and token lookups) before those hooks, and a deferred
    BEGIN cannot upgrade to a write once another process has written ("database is locked").
    """
    return _write_intent.get() or (has_request_context() and request.method not in SAFE_METHODS)


@contextmanager
def writing() -> Iterator[None]:
    """Mark a job or command as one that writes (SQLite: BEGIN IMMEDIATE) until the block ends."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure_sqlite(engine: Engine) -> None:
    """Take over SQLite's transaction handling so BEGIN IMMEDIATE is possible."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # pysqlite's own implicit BEGIN runs reads outside the transaction; disable it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")


def database_unavailable(exc: BaseException) -> bool:
    """True for errors that say "the database cannot answer now", not "this request is wrong".

    OperationalError covers a refused or dropped connection, a server shutting down or starting
    up, and the transient refusals (lock or statement timeouts, serialization failures, too many
    connections); InterfaceError a connection the driver already knows is closed; any other
    DBAPIError counts when SQLAlchemy recognised it as a disconnect; PoolTimeout is a pool with
    no free connection. Retrying later is the right answer to all of them.
    """
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def discard_session() -> None:
    """End the current session after a database error, throwing its connections away.

    A rollback on a connection the server has dropped raises again; invalidating closes the
    connections without talking to the server, and the pool opens fresh ones (pool_pre_ping
    checks the others) once the database is back."""
    try:
        db.session().invalidate()  # the scoped_session proxy does not forward invalidate()
    except DBAPIError as exc:  # closing a dead socket may complain too: it is gone either way
        log.warning("discarding the session's connection: %s", error_summary(exc))
    db.session.remove()


def release_session(_exc: BaseException | None = None) -> None:
    """teardown_appcontext, run before Flask-SQLAlchemy's own: close the session, and if the
    server dropped the connection after the last statement (a restart between a request's last
    query and its end), discard it instead of letting the failed rollback escape the teardown,
    which would turn an answered request into a 500 and a traceback."""
    try:
        db.session.close()
    except DBAPIError as exc:
        if not database_unavailable(exc):
            raise
        log.warning("database connection lost while closing the session: %s", error_summary(exc))
        discard_session()


def error_summary(exc: BaseException) -> str:
    """The driver's message without SQLAlchemy's SQL and background-link lines."""
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__}: {str(orig).strip().splitlines()[0] if str(orig).strip() else ''}"
