"""Process-wide logging: one stderr handler on the root logger, text or JSON, redacted.

LOG_FORMAT=text (default, for people at a terminal) or json (one object per line for a log
collector: ts, level, logger, message, request_id and any `extra=` fields). Every line passes
RequestIdFilter (the id of the request being served, if any) and RedactingFilter (no emails,
phone numbers, tokens or credentials, see booking.observability.redact). A record logged with
`extra={"personal_data": True}` keeps its text only while LOG_PERSONAL_DATA is on: the
development mail log, whose links and addresses are the point of it.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any

from flask import Flask, g, has_request_context

from booking.observability.redact import redact

HANDLER_NAME = "booking"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
# Attributes every LogRecord has (plus what formatters and our filters add): the rest are extras.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id", "request_tag", "personal_data", "taskName"}
_EXCEPTIONS = logging.Formatter()


def personal_data_allowed(config: dict[str, Any]) -> bool:
    """LOG_PERSONAL_DATA when set; otherwise on for the SQLite demo and off on PostgreSQL,
    where real customers' data lives."""
    explicit = config.get("LOG_PERSONAL_DATA")
    if explicit is not None:
        return bool(explicit)
    return str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite")


class RequestIdFilter(logging.Filter):
    """Stamps `request_id` on every record: the current request's id, None outside requests."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class RedactingFilter(logging.Filter):
    """Redacts the message, the traceback and string extras in place (before any formatter)."""

    def __init__(self, allow_personal: bool) -> None:
        super().__init__()
        self.allow_personal = allow_personal

    def filter(self, record: logging.LogRecord) -> bool:
        if self.allow_personal and getattr(record, "personal_data", False):
            return True
        try:
            record.msg, record.args = redact(record.getMessage()), None
        except (TypeError, ValueError):  # a broken format: leave it to the handler's error report
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = _EXCEPTIONS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; newlines inside the message stay escaped inside it."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, timezone.utc)
        line: dict[str, Any] = {
            "ts": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None)}
        line.update((key, value) for key, value in vars(record).items() if key not in _RECORD_FIELDS)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is at each line (test runners swap it), unless setStream()
    pointed it elsewhere; setStream(None) goes back to stderr."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)
        self._target = None

    @property
    def stream(self):
        return self._target if self._target is not None else sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._target = value


def app_handler() -> StderrHandler | None:
    """The handler configure_logging put on the root logger, if any."""
    return next((h for h in logging.getLogger().handlers if h.name == HANDLER_NAME), None)


def configure_logging(app: Flask) -> None:
    """Install (or re-configure) the one root handler from the app's LOG_* settings.

    Logging is the process's, not the app's: with several apps in one process (tests) the
    last one configured decides. Also resolves LOG_PERSONAL_DATA in app.config to a bool."""
    app.config["LOG_PERSONAL_DATA"] = personal_data_allowed(app.config)
    handler = app_handler()
    if handler is None:
        handler = StderrHandler()
        handler.name = HANDLER_NAME
        logging.getLogger().addHandler(handler)
    json_lines = str(app.config.get("LOG_FORMAT") or "text").lower() == "json"
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    handler.filters = [RequestIdFilter(), RedactingFilter(app.config["LOG_PERSONAL_DATA"])]
    logging.getLogger().setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job run is noise
