"""The one place that reads the wall clock; everything else receives `now`.

Views and jobs ask `utcnow()` once and pass the instant down. Tests that drive the app
in-process pin it with `pinned(moment)` instead of sleeping or patching callers.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


_source: Callable[[], datetime] = _system_now


def utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return _source()


@contextmanager
def pinned(moment: datetime) -> Iterator[None]:
    """Make utcnow() return `moment` (aware) until the block ends."""
    global _source
    if moment.tzinfo is None:
        raise ValueError("pin an aware datetime")
    previous = _source
    _source = lambda: moment.astimezone(timezone.utc)  # noqa: E731
    try:
        yield
    finally:
        _source = previous
