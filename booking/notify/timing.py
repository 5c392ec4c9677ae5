"""When messages are due (pure): reminder offsets, quiet hours, retry backoff."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_BACKOFF = timedelta(hours=6)


def reminder_due_times(start: datetime, offsets_minutes: list[int], now: datetime) -> list[tuple[int, datetime]]:
    """(offset, due), earliest first, for each offset whose due time is still ahead of `now`.

    A booking made after an offset's moment skips that reminder: a "24 hours before" note
    for an appointment in three hours would be noise.
    """
    planned = [(offset, start - timedelta(minutes=offset)) for offset in sorted(set(offsets_minutes), reverse=True)]
    return [(offset, due) for offset, due in planned if due > now]


def in_quiet_hours(moment: datetime, tz: ZoneInfo, start_minute: int, end_minute: int) -> bool:
    """True when the local wall-clock time of `moment` lies in [start, end), wrapping midnight."""
    if start_minute == end_minute:
        return False
    local = moment.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if start_minute < end_minute:
        return start_minute <= minute < end_minute
    return minute >= start_minute or minute < end_minute


def hold_for_quiet_hours(due: datetime, tz: ZoneInfo, start_minute: int, end_minute: int) -> datetime:
    """`due`, or the end of the quiet hours it falls in (local wall clock, DST-aware)."""
    if not in_quiet_hours(due, tz, start_minute, end_minute):
        return due
    local = due.astimezone(tz)
    end_day = local.date()
    if local.hour * 60 + local.minute >= end_minute:
        end_day += timedelta(days=1)
    wake = datetime.combine(end_day, time(end_minute // 60, end_minute % 60), tz)
    return wake.astimezone(due.tzinfo)


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: about 30 s, 1 min, 2 min ... capped at six hours."""
    base = min(timedelta(seconds=30 * 2 ** max(0, attempts - 1)), MAX_BACKOFF)
    jitter = (rng or random).uniform(0.8, 1.2)
    return min(base * jitter, MAX_BACKOFF)
