"""Busy intervals from an external iCalendar feed (pure: bytes in, intervals out).

Pipeline: decode -> keep only the lines busy time needs and give custom VTIMEZONE TZIDs
per-feed names (``ics_tz.prepare_text``) -> parse with icalendar -> note broken lines, drop
unreadable events, fast-forward old series -> expand with recurring-ical-events (which applies
Google's X-WR-TIMEZONE) -> drop cancelled and free occurrences -> UTC -> merge.

- Intervals are half-open ``[start, end)`` in aware UTC. Whole occurrences that intersect
  the window are kept (nothing is clipped); touching and overlapping intervals are merged.
- Aware times keep their instant; floating times (and times whose TZID could not be
  resolved, noted as a problem) are wall-clock time in the staff member's zone, or in the
  calendar's X-WR-TIMEZONE when it has one (Google's meaning, applied by the library).
- All-day (DATE) events block ``[local midnight, next local midnight)`` of each of their days
  in the staff member's zone. With ``all_day_busy=True`` they block even when marked free
  (TRANSP:TRANSPARENT, X-MICROSOFT-CDO-BUSYSTATUS:FREE), since that is how holidays arrive
  from Google; with ``all_day_busy=False`` they are busy only when opaque, like timed events.
- Busy: not STATUS:CANCELLED (never busy), not TRANSP:TRANSPARENT, not BUSYSTATUS FREE
  (TENTATIVE and OOF are busy). A DATE-TIME event without DTEND or DURATION lasts no time
  and blocks nothing. An occurrence that comes out zero-length or negative (a DST gap) gets
  its series' exact duration (RFC 5545 3.8.5.3).
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.parser import Contentlines

from booking.calendars.ics_tz import (
    Interval,
    aware_utc,
    decode,
    iana_zone_name,
    is_calendar,
    master_exact_duration,
    merge_intervals,
    occurrence_interval,
    periods_before,
    prepare_text,
    rule_steps,
    to_utc,
    unresolved_tzids,
)

_PAD = timedelta(days=2)  # query margin: floating and all-day times are compared as local times
_MAX_PROBLEMS = 50
_MAX_PROBLEM_CHARS = 200
_STEP_BUDGET_PER_OCCURRENCE = 50  # RRULE iterations (also before the window) per allowed occurrence
_SINGLE = {"DTSTART": date, "DTEND": date, "DURATION": timedelta, "RECURRENCE-ID": date}
BUSYSTATUS = "X-MICROSOFT-CDO-BUSYSTATUS"

GLOBAL_TZID = re.compile(r"TZID[=:]/", re.IGNORECASE)


@dataclass(frozen=True)
class ImportResult:
    """What one feed says about the staff member's busy time inside the window."""

    busy: list[Interval]  # aware UTC, half-open, sorted, merged (overlapping and touching joined)
    events: int  # VEVENT components seen (including skipped ones)
    occurrences: int  # occurrences intersecting the window, before the cancelled/free filter
    problems: list[str]  # human-readable notes for the staff member; empty for a clean feed
    capped: bool = False  # expansion stopped at a limit: busy is incomplete but usable


class IcsImportError(Exception):
    """The whole feed is unusable: empty, not iCalendar, cut off (no complete VCALENDAR), not
    parseable at all, or none of its events readable. The sync keeps the last good busy
    blocks and shows this message."""


@dataclass
class _Run:
    """Settings and running totals of one import."""

    zone: tzinfo
    start: datetime
    end: datetime
    all_day_busy: bool
    max_occurrences: int
    notes: dict[str, None] = field(default_factory=dict)  # ordered, deduplicated problems
    busy: list[Interval] = field(default_factory=list)
    masters: dict[str, timedelta] = field(default_factory=dict)  # UID -> exact duration of the series
    events: int = 0
    occurrences: int = 0
    expanded: int = 0
    readable_series: int = 0
    capped: bool = False
    repaired: bool = False  # lines icalendar could not read were dropped before parsing
    dropped_notes: int = 0

    def __post_init__(self) -> None:
        # The query margin; an unrepresentable one is the caller's error (raised here, not hidden).
        self.query = (self.start - _PAD, self.end + _PAD)

    def note(self, problem: str) -> None:
        problem = problem if len(problem) <= _MAX_PROBLEM_CHARS else problem[: _MAX_PROBLEM_CHARS - 3] + "..."
        if problem not in self.notes and len(self.notes) >= _MAX_PROBLEMS:
            self.dropped_notes += 1
        else:
            self.notes[problem] = None

    def problems(self) -> list[str]:
        return list(self.notes) + [f"... and {self.dropped_notes} more problems"] * bool(self.dropped_notes)


def parse_busy(data: bytes, staff_tz: ZoneInfo, window_start: datetime, window_end: datetime, *,
               all_day_busy: bool = True, charset: str | None = None,
               max_occurrences: int = 100_000) -> ImportResult:
    """Busy intervals of an iCalendar feed that intersect ``[window_start, window_end)``.

    ``data`` is the body as fetched; ``charset`` the HTTP charset, if any (tried first, then
    UTF-8 with or without BOM, then Windows-1252, which is noted). ``staff_tz`` reads floating
    times and all-day dates. Occurrences are kept whole if they intersect the half-open
    window. ``max_occurrences`` caps the occurrences expanded (including a 2-day margin around
    the window) and, as 50 iterations per occurrence, the RRULE iterations over the whole
    feed: past the cap the result is marked ``capped`` and noted, and is still usable.
    Broken events and series are skipped and noted; warnings become problems.

    Raises ``IcsImportError`` when the feed as a whole is unusable, whatever the bytes are;
    raises ``ValueError`` for naive or empty windows or a negative cap (caller errors).
    """
    if max_occurrences < 0:
        raise ValueError("max_occurrences must not be negative")
    run = _Run(staff_tz, aware_utc(window_start), aware_utc(window_end), all_day_busy, max_occurrences)
    if run.end <= run.start:
        raise ValueError("window_end must be after window_start")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _import(data, charset, run)
        except IcsImportError:
            raise
        except Exception as exc:
            raise IcsImportError(f"unreadable calendar: {type(exc).__name__}: {exc}"[:300]) from exc
    for warning in caught:
        run.note(f"{warning.category.__name__}: {warning.message}")
    return ImportResult(merge_intervals(run.busy), run.events, run.occurrences, run.problems(), run.capped)


def _import(data: bytes, charset: str | None, run: _Run) -> None:
    text = decode(data, charset, run.note)
    if not text.strip():
        raise IcsImportError("the feed is empty")
    if not is_calendar(text):
        raise IcsImportError("not an iCalendar feed (no BEGIN:VCALENDAR)")
    if GLOBAL_TZID.search(text):
        # icalendar warns only the first time it resolves such a TZID (then it is cached): say it every time.
        run.note("GloballyUniqueTZIDGuessed: a vendor-prefixed TZID was read as the IANA zone it ends with")
    text, broken = prepare_text(text, run.start.year - 1)
    if broken:
        run.repaired = True
        run.note(f"{broken} broken lines ignored (no NAME:value; a lost fold?)")
    calendars = [c for c in _parse(text, run) if getattr(c, "name", None) == "VCALENDAR"]
    if not calendars:
        raise IcsImportError("no complete VCALENDAR in the feed (cut off?)")
    for calendar in calendars:
        _import_calendar(calendar, run)
    if run.events and not run.readable_series and not run.capped:
        raise IcsImportError(f"none of the {run.events} events could be read")
    if run.repaired and not run.events:
        raise IcsImportError("a broken feed without a readable event")


def _parse(text: str, run: _Run) -> list[icalendar.Component]:
    """icalendar tolerates broken lines only inside VEVENTs; elsewhere, retry without them."""
    try:
        return icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # noqa: BLE001 - retried below
        first = exc
    kept: list[str] = []
    for line in Contentlines.from_ical(text):
        try:
            if line:
                line.parts()
            kept.append(line)
        except ValueError:
            run.repaired = True
            run.note("broken lines ignored (icalendar could not read the feed with them)")
    try:
        return icalendar.Calendar.from_ical("\r\n".join(kept), multiple=True)
    except Exception as exc:
        raise IcsImportError(f"not a readable iCalendar feed: {first}"[:300]) from exc


def _import_calendar(calendar: icalendar.Calendar, run: _Run) -> None:
    _check_calendar(calendar, run.note)
    if not _prepare_events(calendar, run):
        return
    try:
        series_list = list(recurring_ical_events.of(calendar, skip_bad_series=True).series)
        skipped = len(_uid_groups(calendar)) - len(series_list)
        if skipped > 0:
            run.note(f"skipped {skipped} event series with invalid recurrence data")
    except Exception as exc:  # noqa: BLE001 - one bad series must not sink the rest
        run.note(f"expanding the feed failed ({type(exc).__name__}: {exc}); retried series by series")
        series_list = _series_one_by_one(calendar, run)
    for series in series_list:
        if not _expand_series(series, run):
            break


def _check_calendar(calendar: icalendar.Calendar, note: Callable[[str], None]) -> None:
    """Note icalendar's broken lines; drop an X-WR-TIMEZONE that names no zone."""
    stack = [calendar]
    while stack:
        component = stack.pop()
        stack.extend(component.subcomponents)
        for prop, _message in getattr(component, "errors", []):
            # Only name the property: a broken line's text may be a title or a private note.
            note(f"{f'invalid {prop}' if prop else 'broken line'} in {component.name} ignored")
    zone = calendar.get("X-WR-TIMEZONE")
    name = None if zone is None else iana_zone_name(str(zone))
    if zone is not None and name is None:
        calendar.pop("X-WR-TIMEZONE")
        note(f"unknown X-WR-TIMEZONE {str(zone)[:60]!r} ignored")
    elif name is not None and name != zone:
        calendar["X-WR-TIMEZONE"] = name


def _vevents(calendar: icalendar.Calendar) -> list[tuple[icalendar.Component, icalendar.Component]]:
    found, stack = [], [calendar]
    while stack:
        parent = stack.pop()
        for child in parent.subcomponents:
            stack.append(child)
            if child.name == "VEVENT":
                found.append((parent, child))
    return found


def _prepare_events(calendar: icalendar.Calendar, run: _Run) -> int:
    """Count the VEVENTs, drop the unusable ones (noted), remember series durations."""
    budget = [max(run.max_occurrences, 1) * _STEP_BUDGET_PER_OCCURRENCE]
    dropped: dict[int, icalendar.Component] = {}
    unknown: set[str] = set()
    for parent, event in _vevents(calendar):
        run.events += 1
        if isinstance(event.get("UID"), list):  # repeated UID line: the library needs one
            event["UID"] = event["UID"][0]
        reason = _defect(event)
        if reason is None:
            _fast_forward(event, run, google="X-WR-TIMEZONE" in calendar)
            reason = _too_expensive(event, run, budget)
        if reason:
            dropped[id(event)] = parent
            run.note(f"skipped event {str(event.get('UID', '(no UID)'))[:80]}: {reason}")
            continue
        unknown |= unresolved_tzids(event)
        exact = None if "RECURRENCE-ID" in event else master_exact_duration(event, run.zone)
        if exact and "UID" in event:
            run.masters[str(event["UID"])] = exact
    for parent in {id(p): p for p in dropped.values()}.values():
        parent.subcomponents = [c for c in parent.subcomponents if id(c) not in dropped]
    where = str(calendar.get("X-WR-TIMEZONE") or getattr(run.zone, "key", run.zone))
    for tzid in sorted(unknown):
        run.note(f"unknown time zone {tzid[:80]!r} (no VTIMEZONE): its times are read as {where} time")
    return run.events - len(dropped)


def _defect(event: icalendar.Component) -> str | None:
    """Why the event cannot be expanded, or None; broken EXDATEs and RDATEs are just dropped."""
    if "DTSTART" not in event:
        return "no DTSTART"
    for name, kind in _SINGLE.items():
        prop = event.get(name)
        if isinstance(prop, list):
            return f"{name} given more than once"
        if prop is not None and (isinstance(prop, icalendar.vBroken) or not isinstance(prop.dt, kind)):
            return f"invalid {name}"
    if any(isinstance(rule, icalendar.vBroken) for rule in _listed(event.get("RRULE"))):
        return "invalid RRULE"
    for name in ("EXDATE", "RDATE"):  # (icalendar noted them as errors already)
        good = [value for value in _listed(event.pop(name, [])) if not isinstance(value, icalendar.vBroken)]
        if good:
            event[name] = good if len(good) > 1 else good[0]
    return None


def _fast_forward(event: icalendar.Component, run: _Run, *, google: bool) -> None:
    """Move an old daily or weekly series' DTSTART (and DTEND) forward by whole periods to
    shortly before the window. dateutil walks every instance from DTSTART on (a daily series
    from 2010: 6,000 steps, each comparing time zones); those from the new start on are the
    same, and a DTSTART off the rule (still an instance, RFC 5545) now ends before the window.
    Not for COUNT or set-based rules, nor UTC/floating starts X-WR-TIMEZONE will move."""
    rule, start = event.get("RRULE"), event["DTSTART"].dt
    if not isinstance(rule, icalendar.vRecur) or "RECURRENCE-ID" in event or "EXRULE" in event:
        return
    days = {"DAILY": 1, "WEEKLY": 7}.get(str((rule.get("FREQ") or [""])[0]).upper())
    if days is None or {"COUNT", "BYSETPOS", "BYWEEKNO", "BYYEARDAY"} & set(rule):
        return
    if google and isinstance(start, datetime) and start.utcoffset() in (None, timedelta(0)):
        return
    try:
        step = timedelta(days=days * max(int((rule.get("INTERVAL") or [1])[0]), 1))
        periods = periods_before(event, step, run.query[0], run.zone)
        for name in ("DTSTART", "DTEND") if periods > 0 else ():
            if name in event:
                event[name].dt = event[name].dt + periods * step
    except (ArithmeticError, TypeError, ValueError):
        return


def _too_expensive(event: icalendar.Component, run: _Run, budget: list[float]) -> str | None:
    """Guard the CPU: dateutil iterates a rule from DTSTART, also before the window."""
    rules = event.get("RRULE")
    if rules is None:
        return None
    try:
        first = to_utc(event["DTSTART"].dt, run.zone)
        steps = sum(rule_steps(rule, first, run.query[1]) for rule in _listed(rules))
    except Exception:  # noqa: BLE001 - the library will judge a rule we cannot estimate
        return None
    if steps > budget[0]:
        run.capped = True
        return f"its RRULE needs about {steps:.0f} iterations, more than the expansion cap allows"
    budget[0] -= steps
    return None


def _uid_groups(calendar: icalendar.Calendar) -> dict[str, list[icalendar.Component]]:
    """VEVENTs by UID, as recurring-ical-events groups them into series."""
    groups: dict[str, list[icalendar.Component]] = {}
    for _parent, event in _vevents(calendar):
        groups.setdefault(str(event.get("UID", f"#no-uid-{id(event)}")), []).append(event)
    return groups


def _series_one_by_one(calendar: icalendar.Calendar, run: _Run) -> list[object]:
    """Expand each UID on its own so that one series the library chokes on is all we lose."""
    found: list[object] = []
    for uid, events in _uid_groups(calendar).items():
        single = icalendar.Calendar(calendar)  # the properties (X-WR-TIMEZONE), no components
        single.subcomponents = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"] + events
        try:
            found.extend(recurring_ical_events.of(single, skip_bad_series=True).series)
        except Exception as exc:  # noqa: BLE001
            run.note(f"skipped event series {uid[:80]}: {type(exc).__name__}: {exc}")
    return found


def _expand_series(series: object, run: _Run) -> bool:
    """Add one series' busy occurrences; False once the occurrence cap is reached.

    A series that fails half-way keeps what it gave so far (more busy time never double-books).
    """
    try:
        for occurrence in series.between(*run.query):  # type: ignore[attr-defined]
            run.expanded += 1
            if run.expanded > run.max_occurrences:
                run.capped = True
                run.note(f"more than {run.max_occurrences} occurrences: stopped, busy times are incomplete")
                return False
            run.occurrences += _take(occurrence, run)
    except Exception as exc:  # noqa: BLE001 - skip the rest of this series, keep the feed
        run.note(f"event series {str(getattr(series, 'uid', '?'))[:80]} unreadable: {type(exc).__name__}")
        return True
    run.readable_series += 1
    return True


def _take(occurrence: object, run: _Run) -> int:
    """Record the occurrence as busy if it blocks time; 1 if it intersects the window, else 0."""
    # The VEVENT it comes from (STATUS, TRANSP...); as_component() makes a full copy: 40% of the time.
    component = getattr(getattr(occurrence, "_adapter", None), "_component", None)
    if not isinstance(component, icalendar.Component):  # recurring-ical-events changed its insides
        component = occurrence.as_component(False)  # type: ignore[attr-defined]
    exact = run.masters.get(str(component["UID"])) if "UID" in component else None
    start, end = occurrence.start, occurrence.end  # type: ignore[attr-defined]
    begin, finish, all_day = occurrence_interval(start, end, run.zone, exact)
    if not (begin < run.end and (finish > run.start or begin >= run.start)):
        return 0
    if finish > begin and _is_busy(component, all_day, run.all_day_busy):
        run.busy.append((begin, finish))
    return 1


def _listed(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def _text(component: icalendar.Component, name: str) -> str:
    value = (_listed(component.get(name)) or [None])[0]
    return "" if value is None else str(value).strip().upper()


def _is_busy(component: icalendar.Component, all_day: bool, all_day_busy: bool) -> bool:
    if _text(component, "STATUS") == "CANCELLED":
        return False
    if all_day and all_day_busy:
        return True
    return _text(component, "TRANSP") != "TRANSPARENT" and _text(component, BUSYSTATUS) != "FREE"
