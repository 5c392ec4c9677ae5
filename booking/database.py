"""Engine set-up that the ORM cannot express: SQLite write serialization.

SQLite has no row locks and no exclusion constraints, so every request or job that may
write opens its transaction with BEGIN IMMEDIATE: writers queue on busy_timeout and a
booking's re-check and insert can never interleave with another writer's. Reads keep a
deferred BEGIN, and WAL mode lets them run beside the single writer.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

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
