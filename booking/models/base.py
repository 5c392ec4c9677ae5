"""Column types and mixins shared by the models."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator

from booking.credentials import server_keys
from booking.sealing import seal, unseal

UNREADABLE = ""  # what a sealed value reads as once SECRET_KEY changed (callers say so)


class UTCDateTime(TypeDecorator):
    """An aware-UTC datetime column: refuses naive values, always returns aware UTC.

    PostgreSQL stores timestamptz; SQLite stores the UTC wall time, so the value read
    back is tagged UTC here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused; pass an aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class SealedText(TypeDecorator):
    """Text sealed at rest under the app's SECRET_KEY (booking.sealing). Reading a value sealed
    under another key gives UNREADABLE, never an exception: a page must still render."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        return None if value is None else seal(value, current_app.config["SECRET_KEY"])

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        for key in reversed(server_keys(current_app.config)):  # the current key first, then fallbacks
            opened = unseal(value, key)
            if opened is not None:
                return opened
        return UNREADABLE
