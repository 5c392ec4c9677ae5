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


def declare_write_intent(value: bool = True) -> contextvars.Token:
    """Mark the current request or job as one that writes (SQLite: BEGIN IMMEDIATE)."""
    return _write_intent.set(value)


def reset_write_intent(token: contextvars.Token) -> None:
    _write_intent.reset(token)


def _wants_write() -> bool:
    """Declared intent, or a request whose method may write. Flask runs url_value_preprocessors
    (e.g. the public blueprint loading the business by slug) before any before_request hook, so
    such a request's transaction can begin before its intent is declared; a deferred BEGIN there
    cannot upgrade to a write once another worker has written ("database is locked")."""
    return _write_intent.get() or (has_request_context() and request.method not in SAFE_METHODS)


@contextmanager
def writing() -> Iterator[None]:
    """Context manager form of declare_write_intent, for jobs and commands."""
    token = declare_write_intent(True)
    try:
        yield
    finally:
        reset_write_intent(token)


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
