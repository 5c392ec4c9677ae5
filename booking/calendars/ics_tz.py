"""Text and time-zone helpers for the iCalendar import (pure; see ``ics_import``).

Before icalendar parses a feed, :func:`prepare_text` unfolds it, drops what never makes time
busy (VALARM, VTODO, VJOURNAL, VFREEBUSY, and every property but the few the busy times need:
titles and notes are never even parsed) and renames custom time zones.

icalendar keeps one process-wide cache of the VTIMEZONE definitions it has seen, keyed by
TZID, and prefers the cache over a feed's own definition. Every VTIMEZONE whose TZID is not
an IANA name goes into that cache: Outlook's ``Customized Time Zone``, vendor names, and
Windows names such as ``W. Europe Standard Time`` (once one feed defines it, every later
feed that uses the name gets that feed's rules). :func:`uniquify_custom_tzids` renames
those TZIDs per definition before parsing, so each feed reads its own rules.
"""
from __future__ import annotations

import functools
import hashlib
import math
import re
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

Interval = tuple[datetime, datetime]

_FOLD = re.compile(r"\r?\n(?:\r?\n)*[ \t]")  # as icalendar reads folds: empty lines may sit between
_VTIMEZONE = re.compile(  # linear: a block never spans another BEGIN:VTIMEZONE
    r"(?ims)^BEGIN:VTIMEZONE[ \t]*\r?$(?:(?!^BEGIN:VTIMEZONE).)*?^END:VTIMEZONE[ \t]*\r?$"
)
_TZID_LINE = re.compile(r"^(TZID(?:;[^:\r\n]*)?:)([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
_TZID_PARAM = re.compile(r';TZID=(?:"([^"\r\n]*)"|([^;:\r\n]*))', re.IGNORECASE)
_TIME_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
# Never busy, and icalendar reads them strictly (one bad line kills the feed). Linear: no nesting.
_IRRELEVANT = re.compile(
    r"(?ims)^BEGIN:(VALARM|VTODO|VJOURNAL|VFREEBUSY)[ \t]*\r?\n(?:(?!^(?:BEGIN|END):).)*^END:\1[ \t]*\r?$\n?"
)
_NEEDED = frozenset((
    "BEGIN", "END", "UID", "SEQUENCE", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "EXRULE",
    "RECURRENCE-ID", "STATUS", "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS", "X-WR-TIMEZONE", "CALSCALE",
    "TZID", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME",
))
_FREQ_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 604800,
                 "MONTHLY": 2629746, "YEARLY": 31556952}
_CALENDAR_START = re.compile(r"BEGIN:VCALENDAR", re.IGNORECASE)
_OBSERVANCE = re.compile(
    r"(?ims)^BEGIN:(STANDARD|DAYLIGHT)[ \t]*\r?$(?:(?!^(?:BEGIN|END):).)*^END:\1[ \t]*\r?$"
)
_YEARLY_FOREVER = re.compile(r"(?im)^RRULE:(?!.*(?:COUNT|UNTIL|INTERVAL))(?=.*FREQ=YEARLY)")
_OBSERVANCE_START = re.compile(r"(?im)^(DTSTART(?:;[^:\r\n]*)?:)(\d{4})(?!0229)(\d{4}T)")


@functools.cache
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_iana_tzid(tzid: str) -> bool:
    """Whether icalendar resolves ``tzid`` from the IANA database (and so never caches it).

    A leading or trailing ``/`` is ignored, as icalendar does.
    """
    names = _iana_names()
    return tzid in names or tzid.strip("/") in names


def decode(data: bytes | str, charset: str | None, note: Callable[[str], None]) -> str:
    """The feed as text: the HTTP ``charset`` if it decodes to a calendar, else UTF-8 (a BOM is
    dropped), else Windows-1252 (never fails; noted, as a wrong charset is)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    data = bytes(data)
    if charset:
        try:
            text = data.decode(charset.strip().strip('"')).lstrip("\ufeff")
            if _CALENDAR_START.search(text):
                return text
        except (LookupError, UnicodeError, ValueError):
            pass
        note(f"the feed is not {charset!r} as its server says; read it as UTF-8 or Windows-1252")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        note("the feed is not UTF-8; read it as Windows-1252 (cp1252)")
        return data.decode("cp1252", errors="replace")


def is_calendar(text: str) -> bool:
    """Whether the text has a ``BEGIN:VCALENDAR`` at all."""
    return _CALENDAR_START.search(text) is not None


def prepare_text(text: str, since_year: int) -> tuple[str, int]:
    """The text icalendar should parse, and how many broken lines (without a colon) it had.

    Unfolds, drops never-busy components and every property busy time does not need, then
    renames custom time zones (:func:`uniquify_custom_tzids`, yearly rules from ``since_year``).
    """
    kept, broken = [], 0
    for line in _IRRELEVANT.sub("", _FOLD.sub("", text)).split("\n"):
        line = line.removesuffix("\r")
        if ":" not in line:  # every content line has one
            broken += bool(line.strip())
        elif "".join(line.split(":", 1)[0].split(";", 1)[0].split()).upper() in _NEEDED:
            kept.append(line)
    return uniquify_custom_tzids("\r\n".join(kept) + "\r\n", since_year)[0], broken


def uniquify_custom_tzids(text: str, since_year: int | None = None) -> tuple[str, dict[str, str]]:
    """Rename every non-IANA VTIMEZONE TZID (and its ``TZID=`` parameters) per definition.

    The new name is ``"<old name> ~<sha1 of the VTIMEZONE block>"``: two feeds with the same
    TZID but different rules get different names; identical definitions share one name.
    Lines are unfolded first (RFC 5545 3.1) so that parameters split by a fold are found.
    With ``since_year``, the renamed zones' plain yearly rules start that year (see
    :func:`_start_rules_in`). Returns the new text and the mapping old name -> new name.
    A TZID used twice for different VTIMEZONEs in one feed keeps the first definition.
    """
    if "VTIMEZONE" not in text.upper():
        return text, {}
    unfolded = _FOLD.sub("", text)
    renames: dict[str, str] = {}
    blocks: dict[str, str] = {}
    for block in _VTIMEZONE.finditer(unfolded):
        line = _TZID_LINE.search(block.group(0))
        name = "" if line is None else line.group(2).strip()
        if name and name not in renames and not is_iana_tzid(name):
            new = block.group(0) if since_year is None else _start_rules_in(block.group(0), since_year)
            digest = hashlib.sha1(new.replace("\r", "").encode("utf-8", "replace")).hexdigest()
            renames[name], blocks[block.group(0)] = f"{name.strip('/')} ~{digest[:16]}", new
    if not renames:
        return text, {}

    def tzid_param(match: re.Match[str]) -> str:
        new = renames.get((match.group(1) if match.group(1) is not None else match.group(2)).strip())
        return match.group(0) if new is None else f';TZID="{new}"'

    unfolded = _VTIMEZONE.sub(lambda block: blocks.get(block.group(0), block.group(0)), unfolded)
    unfolded = _TZID_LINE.sub(lambda m: m.group(1) + renames.get(m.group(2).strip(), m.group(2)), unfolded)
    return _TZID_PARAM.sub(tzid_param, unfolded), renames


def _start_rules_in(vtimezone: str, year: int) -> str:
    """Move the DTSTART of plain yearly observances (no COUNT, UNTIL or INTERVAL) from before
    ``year`` to ``year``: their onsets from then on stay the same. dateutil walks a rule from
    its DTSTART on every offset lookup, and Outlook starts them in 1601 (~400 steps each)."""
    def observance(match: re.Match[str]) -> str:
        if not _YEARLY_FOREVER.search(match.group(0)):
            return match.group(0)
        return _OBSERVANCE_START.sub(
            lambda m: m.group(1) + str(max(int(m.group(2)), year)).zfill(4) + m.group(3), match.group(0))

    return _OBSERVANCE.sub(observance, vtimezone)


def unresolved_tzids(component: object) -> set[str]:
    """TZIDs of a VEVENT's time properties that icalendar could not resolve.

    icalendar turns a TZID it cannot find (no VTIMEZONE, not IANA, not Windows, e.g. Outlook's
    ``"(UTC+01:00) Amsterdam, Berlin, ..."``) into a naive value without a warning; such a
    value reads as floating time.
    """
    found: set[str] = set()
    for name in _TIME_PROPERTIES:
        values = component.get(name)  # type: ignore[attr-defined]
        for prop in values if isinstance(values, list) else [values]:
            tzid = getattr(prop, "params", {}).get("TZID") if prop is not None else None
            if tzid and any(_is_naive(value) for value in _values_of(prop)):
                found.add(str(tzid))
    return found


def _values_of(prop: object) -> list[object]:
    try:
        if hasattr(prop, "dts"):
            return [item.dt for item in prop.dts]  # type: ignore[attr-defined]
        return [prop.dt]  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a broken value is reported elsewhere
        return []


def _is_naive(value: object) -> bool:
    if isinstance(value, tuple):  # an RDATE period
        value = value[0]
    return isinstance(value, datetime) and value.tzinfo is None


def local_midnight_utc(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (DST-correct; a midnight that falls
    into a gap is read with the offset before the gap, as RFC 5545 3.3.5 says)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def to_utc(value: date | datetime, zone: tzinfo) -> datetime:
    """An aware UTC datetime for an iCalendar time value.

    Aware datetimes keep their instant; naive (floating) datetimes are wall-clock time in
    ``zone``; a date is its local midnight in ``zone``.
    """
    if not isinstance(value, datetime):
        return local_midnight_utc(value, zone)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def iana_zone_name(name: str) -> str | None:
    """The IANA name for an IANA or Windows zone name (``W. Europe Standard Time`` ->
    ``Europe/Berlin``), or None if there is none (used for X-WR-TIMEZONE)."""
    name = WINDOWS_TO_OLSON.get(name.strip(), name.strip())
    return name if name in _iana_names() else None


def master_exact_duration(event: object, zone: tzinfo) -> timedelta | None:
    """The exact (elapsed, UTC) duration of a timed VEVENT with DTEND or DURATION; None if
    it has none, is all-day, lasts no time or cannot be computed. A reversed DTSTART/DTEND
    pair counts forwards, as recurring-ical-events reads it."""
    try:
        start = event["DTSTART"].dt  # type: ignore[index]
        if not isinstance(start, datetime):
            return None
        if "DTEND" in event:  # type: ignore[operator]
            end = event["DTEND"].dt  # type: ignore[index]
        elif "DURATION" in event:  # type: ignore[operator]
            end = start + event["DURATION"].dt  # type: ignore[index]
        else:
            return None
        return abs(to_utc(end, zone) - to_utc(start, zone)) or None
    except (OverflowError, ValueError, TypeError, KeyError, AttributeError):
        return None


def periods_before(event: object, step: timedelta, before: datetime, zone: tzinfo) -> int:
    """How many whole ``step``s a series can start later and still have its first instance end
    at least two steps before ``before`` (UTC). Zero if none."""
    start = event["DTSTART"].dt  # type: ignore[index]
    if "DTEND" in event:  # type: ignore[operator]
        length = abs(to_utc(event["DTEND"].dt, zone) - to_utc(start, zone))  # type: ignore[index]
    elif "DURATION" in event:  # type: ignore[operator]
        length = abs(event["DURATION"].dt)  # type: ignore[index]
    else:
        length = timedelta(days=1)
    return max((before - to_utc(start, zone) - length - 2 * step) // step, 0)


def rule_steps(rule: dict[str, list[object]], first: datetime, last: datetime) -> float:
    """About how many instances dateutil walks for an RRULE (a ``vRecur``) from ``first`` to
    ``last``: periods (bounded by COUNT) times the BYHOUR/BYMINUTE/BYSECOND expansions."""
    def one(key: str) -> object:
        value = rule.get(key)
        return (value if isinstance(value, list) else [value])[0] if value else None

    seconds = _FREQ_SECONDS.get(str(one("FREQ")).upper())
    if seconds is None:
        return 0.0
    interval = max(int(one("INTERVAL") or 1), 1)  # type: ignore[call-overload]
    periods = max((last - first).total_seconds(), 0.0) / (seconds * interval) + 1
    if one("COUNT") is not None:
        periods = min(periods, max(int(one("COUNT")), 0))  # type: ignore[call-overload]
    return periods * math.prod(max(len(rule.get(key) or ()), 1) for key in ("BYSECOND", "BYMINUTE", "BYHOUR"))


def aware_utc(value: datetime) -> datetime:
    """``value`` in UTC; ValueError if it is not an aware datetime."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError("window bounds must be timezone-aware datetimes")
    return value.astimezone(UTC)


def occurrence_interval(start: date | datetime, end: date | datetime | None, zone: tzinfo,
                        exact: timedelta | None = None) -> tuple[datetime, datetime, bool]:
    """``(begin, end, all_day)`` in UTC for one expanded occurrence.

    A DATE start is all-day: from its local midnight in ``zone`` to the end date's local
    midnight, at least one day. A timed occurrence that comes out zero-length or negative
    (recurring-ical-events' wall-clock arithmetic on a DST-gap day) lasts ``exact``, the
    series' exact duration (RFC 5545 3.8.5.3); without one it stays zero-length.
    """
    all_day = not isinstance(start, datetime)
    begin = to_utc(start, zone)
    finish = to_utc(end, zone) if isinstance(end, date) else begin
    if all_day and finish <= begin:
        finish = local_midnight_utc(start + timedelta(days=1), zone)
    if finish <= begin:
        finish = begin + (exact or timedelta(0))
    return begin, finish, all_day


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort half-open intervals and join those that overlap or touch (``a.end == b.start``)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
