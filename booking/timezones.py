"""IANA time zone names: validation and lookup (zoneinfo + tzdata)."""
from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_zone(name: object) -> bool:
    """True when `name` is an IANA zone this installation knows (no file paths, no guesses)."""
    return isinstance(name, str) and name in _known()


@cache
def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a known zone name (callers validate with is_known_zone first)."""
    return ZoneInfo(name)
