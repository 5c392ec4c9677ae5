"""Validation of JSON bodies and query strings: collects every field problem into one 422."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import request
from werkzeug.exceptions import BadRequest

from booking.errors import InvalidInput
from booking.timezones import is_known_zone

CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
MISSING = object()
# Dates outside these years are typos or probes; they would overflow date arithmetic further on.
MIN_YEAR, MAX_YEAR = 1900, 2999
# Ids and counts are PostgreSQL `integer` columns; a larger number would fail in the database.
MAX_ID = 2**31 - 1


def read_json_body() -> dict[str, Any]:
    """The request body as a JSON object: malformed JSON is 400, a non-object is 422."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: absurd nesting
        raise BadRequest("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidInput({"body": "must be a JSON object"})
    return data


def is_id(raw: str | None) -> bool:
    """A query-string id: ASCII digits (str.isdigit also takes "²") within the integer range."""
    return bool(raw) and raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID


def whole_number(value: Any) -> int | None:
    """An int, or a float that is one (JSON has one number type: 15 and 15.0 are the same number,
    and JSON Schema's "integer" says so too); None for anything else, booleans included."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def parse_aware_datetime(value: Any) -> datetime:
    """An ISO 8601 datetime that carries an offset; ValueError (with the reason) otherwise."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 datetime string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 datetime such as 2026-12-01T09:00:00+01:00") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("must include a UTC offset, e.g. +01:00 or Z")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"must lie between the years {MIN_YEAR} and {MAX_YEAR}")
    return parsed


def parse_clock(value: Any) -> int:
    """"HH:MM" (24:00 allowed as an end) to minutes since midnight."""
    if not isinstance(value, str) or not CLOCK.match(value):
        raise ValueError("times must look like 09:00")
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def parse_ranges(value: Any) -> list[tuple[int, int]]:
    """[["09:00","12:00"], ...] to minute pairs, each start before its end."""
    if not isinstance(value, list):
        raise ValueError('must be a list of ["HH:MM", "HH:MM"] pairs')
    ranges = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError('must be a list of ["HH:MM", "HH:MM"] pairs')
        start, end = parse_clock(pair[0]), parse_clock(pair[1])
        if start >= end or start == 1440:
            raise ValueError("each range must start before it ends")
        ranges.append((start, end))
    return ranges


class Fields:
    """Typed access to a JSON object (or query args); problems are collected, then raised once."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name, MISSING)
        if value is MISSING or (value is None and required):
            if required:
                self.errors[name] = "is required"
            return MISSING
        return value

    def _convert(self, name: str, required: bool, convert) -> Any:
        value = self._get(name, required)
        if value is MISSING or value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            self.errors[name] = str(exc)
            return None

    def text(self, name: str, required: bool = False, max_length: int = 200) -> str | None:
        def convert(value: Any) -> str | None:
            if not isinstance(value, str):
                raise ValueError("must be a string")
            value = value.strip()
            if "\x00" in value:
                raise ValueError("must not contain NUL characters")
            if len(value) > max_length:
                raise ValueError(f"must be at most {max_length} characters")
            if required and not value:
                raise ValueError("must not be empty")
            return value or None
        return self._convert(name, required, convert)

    def integer(self, name: str, required: bool = False, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        def convert(value: Any) -> int:
            value = whole_number(value)
            if value is None:
                raise ValueError("must be a whole number")
            low = -MAX_ID if minimum is None else minimum
            high = MAX_ID if maximum is None else maximum
            if value < low:
                raise ValueError(f"must be at least {low}")
            if value > high:
                raise ValueError(f"must be at most {high}")
            return value
        return self._convert(name, required, convert)

    def flag(self, name: str, required: bool = False) -> bool | None:
        def convert(value: Any) -> bool:
            if not isinstance(value, bool):
                raise ValueError("must be true or false")
            return value
        return self._convert(name, required, convert)

    def clock_minutes(self, name: str, required: bool = False) -> int | None:
        def convert(value: Any) -> int:
            minutes = parse_clock(value)
            if minutes >= 1440:
                raise ValueError("times must lie between 00:00 and 23:59")
            return minutes
        return self._convert(name, required, convert)

    def moment(self, name: str, required: bool = False) -> datetime | None:
        return self._convert(name, required, parse_aware_datetime)

    def day(self, name: str, required: bool = False) -> date | None:
        def convert(value: Any) -> date:
            if not isinstance(value, str):
                raise ValueError("must be a date YYYY-MM-DD")
            try:
                day = date.fromisoformat(value)
            except ValueError as exc:
                raise ValueError("must be a date YYYY-MM-DD") from exc
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValueError(f"must lie between the years {MIN_YEAR} and {MAX_YEAR}")
            return day
        return self._convert(name, required, convert)

    def zone(self, name: str, required: bool = False) -> str | None:
        def convert(value: Any) -> str:
            if not is_known_zone(value):
                raise ValueError("must be an IANA time zone such as Europe/Berlin")
            return value
        return self._convert(name, required, convert)

    def email(self, name: str, required: bool = False) -> str | None:
        def convert(value: Any) -> str:
            if not isinstance(value, str) or len(value) > 254:
                raise ValueError("must be an email address")
            try:
                result = validate_email(value.strip(), check_deliverability=False, test_environment=True)
            except EmailNotValidError as exc:
                raise ValueError("must be a valid email address") from exc
            return result.normalized.lower()
        return self._convert(name, required, convert)

    def choice(self, name: str, options: tuple[str, ...], required: bool = False) -> str | None:
        def convert(value: Any) -> str:
            if value not in options:
                raise ValueError("must be one of " + ", ".join(options))
            return value
        return self._convert(name, required, convert)

    def id_list(self, name: str, required: bool = False) -> list[int] | None:
        def convert(value: Any) -> list[int]:
            ids = [whole_number(v) for v in value] if isinstance(value, list) else [None]
            if any(v is None or abs(v) > MAX_ID for v in ids):
                raise ValueError("must be a list of ids")
            return ids
        return self._convert(name, required, convert)

    def nested(self, name: str, required: bool = False) -> Fields:
        value = self._get(name, required)
        if value is MISSING or value is None:
            return Fields({})
        if not isinstance(value, dict):
            self.errors[name] = "must be an object"
            return Fields({})
        return Fields(value)

    def absorb(self, prefix: str, other: Fields) -> None:
        for key, problem in other.errors.items():
            self.errors[f"{prefix}.{key}"] = problem

    def check(self) -> None:
        if self.errors:
            raise InvalidInput(dict(self.errors))
