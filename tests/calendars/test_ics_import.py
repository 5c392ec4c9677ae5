"""booking.calendars.ics_import: one focused test per import rule (fixtures are named after the trap)."""
from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.calendars import ics_import
from booking.calendars.ics_import import IcsImportError, ImportResult, merge_intervals, parse_busy
from booking.calendars.ics_tz import decode

FIXTURES = Path(__file__).parent / "fixtures"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


WINDOW = (utc(2026, 1, 1), utc(2028, 1, 1))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def feed(*events: str, header: str = "") -> bytes:
    """A VCALENDAR around VEVENT bodies written one property per line."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//booking tests//EN", *header.splitlines()]
    for number, body in enumerate(events):
        uid = [] if body.startswith("UID:") else [f"UID:event-{number}@test"]  # or the body's own
        lines += ["BEGIN:VEVENT", *uid, "DTSTAMP:20270101T000000Z", *body.strip().splitlines()]
        lines.append("END:VEVENT")
    return ("\r\n".join(line.strip() for line in [*lines, "END:VCALENDAR"]) + "\r\n").encode()


def busy(data: bytes, zone: ZoneInfo = BERLIN, window: tuple[datetime, datetime] = WINDOW, **options) -> ImportResult:
    return parse_busy(data, zone, *window, **options)


def hour(start: datetime, hours: float = 1) -> tuple[datetime, datetime]:
    return (start, start + timedelta(hours=hours))


# --- decoding -------------------------------------------------------------------------------
def test_cp1252_feed_falls_back_and_says_so():
    data = fixture("non_utf8_cp1252_cafe_mueller.ics")
    result = busy(data)
    assert result.busy == [hour(utc(2027, 1, 5, 9))]
    assert any("cp1252" in problem for problem in result.problems)
    notes: list[str] = []
    assert "SUMMARY:Café Müller – Besprechung" in decode(data, None, notes.append)
    assert notes == ["the feed is not UTF-8; read it as Windows-1252 (cp1252)"]


def test_http_charset_is_tried_first():
    data = fixture("non_utf8_cp1252_cafe_mueller.ics")
    assert busy(data, charset="windows-1252").problems == []
    assert busy(data, charset='"cp1252"').problems == []
    wrong = busy(data, charset="utf-8")
    assert wrong.busy == [hour(utc(2027, 1, 5, 9))]
    assert any("'utf-8'" in p for p in wrong.problems) and any("cp1252" in p for p in wrong.problems)
    assert busy(data, charset="no-such-charset").busy == [hour(utc(2027, 1, 5, 9))]


def test_bom_and_crlf_or_lf_read_the_same():
    data = fixture("utf8_bom_crlf.ics")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    expected = [hour(utc(2027, 1, 5, 8))]
    for variant in (data, data[3:], data.replace(b"\r\n", b"\n"), data[3:].replace(b"\r\n", b"\n")):
        result = busy(variant)
        assert (result.busy, result.problems) == (expected, [])


# --- time zones -----------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["plus-first", "minus-first"])
def test_customized_time_zone_does_not_leak_between_feeds(order):
    plus, minus = fixture("customized_time_zone_plus0100.ics"), fixture("customized_time_zone_minus0500.ics")
    expected = {plus: [hour(utc(2027, 1, 5, 8))], minus: [hour(utc(2027, 1, 5, 14))]}
    feeds = [plus, minus] if order == "plus-first" else [minus, plus]
    for data in feeds + feeds:  # again, after both definitions were seen in this process
        assert busy(data).busy == expected[data]


def test_plain_icalendar_has_the_collision_we_guard_against():
    """The trap itself: icalendar's process-wide cache gives the second feed the first one's rules."""
    name = f"Collision Demo {uuid.uuid4()}"  # a TZID no other test uses
    first, second = (
        icalendar.Calendar.from_ical(fixture(f).decode().replace("Customized Time Zone", name))
        for f in ("customized_time_zone_plus0100.ics", "customized_time_zone_minus0500.ics")
    )
    assert first.events[0].start.astimezone(UTC) == second.events[0].start.astimezone(UTC) == utc(2027, 1, 5, 8)


@pytest.mark.parametrize("own_definition_first", [True, False])
def test_windows_tzid_with_its_own_vtimezone_does_not_leak(own_definition_first):
    own, plain = fixture("windows_tzid_with_own_vtimezone.ics"), fixture("windows_tzid_without_vtimezone.ics")
    expected = {own: [hour(utc(2027, 1, 5, 4))], plain: [hour(utc(2027, 1, 5, 8))]}  # +05:00 / Europe/Berlin
    for data in [own, plain, own] if own_definition_first else [plain, own, plain]:
        assert busy(data, NEW_YORK).busy == expected[data]  # a plain Windows name is Europe/Berlin


@pytest.mark.parametrize(("zone", "start"), [(BERLIN, utc(2027, 1, 5, 8)), (NEW_YORK, utc(2027, 1, 5, 14))])
def test_unresolvable_tzid_is_the_staff_zone_and_a_problem(zone, start):
    result = busy(fixture("outlook_display_name_tzid_without_vtimezone.ics"), zone)
    assert result.busy == [hour(start)]
    assert len(result.problems) == 1 and "(UTC+01:00) Amsterdam, Berlin, Bern, Rome" in result.problems[0]
    assert zone.key in result.problems[0]


def test_vtimezone_after_the_events_that_use_it():
    assert busy(fixture("vtimezone_after_events.ics")).busy == [hour(utc(2027, 1, 5, 12))]


def test_globally_unique_tzid_warning_becomes_a_problem():
    data = feed("DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:20270105T090000\nDURATION:PT1H")
    result = busy(data, NEW_YORK)  # pytest.ini turns warnings into errors: none may escape
    assert result.busy == [hour(utc(2027, 1, 5, 8))]
    assert any("GloballyUniqueTZIDGuessed" in problem for problem in result.problems)


def test_unknown_x_wr_timezone_is_ignored_with_a_note():
    result = busy(feed("DTSTART:20270105T090000\nDTEND:20270105T100000", header="X-WR-TIMEZONE:Mars/Olympus"))
    assert result.busy == [hour(utc(2027, 1, 5, 8))]
    assert any("Mars/Olympus" in problem for problem in result.problems)


def test_floating_times_are_the_staff_wall_clock():
    data = feed("DTSTART:20270705T090000\nDTEND:20270705T100000")
    assert busy(data, BERLIN).busy == [hour(utc(2027, 7, 5, 7))]
    assert busy(data, NEW_YORK).busy == [hour(utc(2027, 7, 5, 13))]


def test_aware_times_do_not_depend_on_the_staff_zone():
    data = fixture("dst_europe_berlin_weekly.ics")
    assert busy(data, BERLIN).busy == busy(data, NEW_YORK).busy == busy(data, ZoneInfo("Asia/Tokyo")).busy


# --- DST ------------------------------------------------------------------------------------
def test_weekly_berlin_event_keeps_its_local_time_across_both_dst_changes():
    result = busy(fixture("dst_europe_berlin_weekly.ics"))
    starts = {start for start, _ in result.busy}
    assert {utc(2027, 3, 22, 8), utc(2027, 3, 29, 7), utc(2027, 10, 25, 7), utc(2027, 11, 1, 8)} <= starts
    assert all(end - start == timedelta(hours=1) for start, end in result.busy)
    assert result.occurrences == len(result.busy) == 34  # 22 March to 8 November (UNTIL is inclusive)


def test_new_york_gap_occurrence_gets_the_exact_duration():
    result = busy(fixture("dst_new_york_gap_and_overlap_daily.ics"), BERLIN)
    assert hour(utc(2027, 3, 14, 7, 30)) in result.busy  # 02:30 EST == 03:30 EDT: not zero-length
    assert hour(utc(2027, 3, 13, 7, 30)) in result.busy and hour(utc(2027, 3, 15, 6, 30)) in result.busy
    # 01:30 on the fall-back day is the first 01:30 (EDT); 02:30 is EST: the wall clock says two hours.
    assert hour(utc(2027, 11, 7, 5, 30), 2) in result.busy
    assert result.occurrences == 8


def test_all_day_events_block_their_local_days_dst_correct():
    result = busy(fixture("all_day_holiday_transparent.ics"), BERLIN)
    assert result.busy == [
        (utc(2027, 3, 27, 23), utc(2027, 3, 28, 22)),  # 23-hour day, and transparent
        (utc(2027, 10, 29, 22), utc(2027, 10, 31, 23)),  # 30 + 31 October: 49 hours
        (utc(2027, 11, 4, 23), utc(2027, 11, 5, 23)),  # DATE without DTEND: one day
    ]
    in_new_york = busy(fixture("all_day_holiday_transparent.ics"), NEW_YORK).busy
    assert in_new_york[0] == (utc(2027, 3, 28, 4), utc(2027, 3, 29, 4))


def test_all_day_busy_false_makes_all_day_events_follow_transparency():
    result = busy(fixture("all_day_holiday_transparent.ics"), BERLIN, all_day_busy=False)
    assert result.busy == [(utc(2027, 10, 29, 22), utc(2027, 10, 31, 23)), (utc(2027, 11, 4, 23), utc(2027, 11, 5, 23))]
    assert result.occurrences == 3
    assert busy(feed("DTSTART;VALUE=DATE:20270105\nSTATUS:CANCELLED")).busy == []  # cancelled: never busy


# --- busy or free ---------------------------------------------------------------------------
def test_cancelled_transparent_and_free_are_filtered_tentative_and_oof_stay_busy():
    events = {
        "opaque": "TRANSP:OPAQUE", "tentative": "STATUS:TENTATIVE", "oof": "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
        "ms-tentative": "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE", "transparent": "TRANSP:TRANSPARENT",
        "free": "X-MICROSOFT-CDO-BUSYSTATUS:FREE", "cancelled": "STATUS:CANCELLED",
    }
    bodies = [f"DTSTART:202701{10 + n:02d}T090000Z\nDURATION:PT1H\n{line}" for n, line in enumerate(events.values())]
    result = busy(feed(*bodies))
    assert result.busy == [hour(utc(2027, 1, 10 + day, 9)) for day in range(4)]
    assert (result.events, result.occurrences) == (7, 7)


# --- recurrence -----------------------------------------------------------------------------
def test_rrule_with_exdate_and_rdate():
    result = busy(fixture("rrule_exdate_rdate.ics"))  # also: Google's trailing ";" in the RRULE
    assert result.busy == [
        hour(utc(2027, 1, 4, 13)), hour(utc(2027, 1, 7, 15)), hour(utc(2027, 1, 18, 13)), hour(utc(2027, 1, 25, 13))
    ]


def test_moved_and_cancelled_instances():
    result = busy(fixture("moved_and_cancelled_instances.ics"))
    half = timedelta(minutes=30)
    assert result.busy == [
        (utc(2027, 1, 4, 8), utc(2027, 1, 4, 8) + half),
        hour(utc(2027, 1, 5, 14)),  # moved from 09:00 to 15:00 Berlin
        (utc(2027, 1, 6, 8), utc(2027, 1, 6, 8) + half),
        (utc(2027, 1, 8, 8), utc(2027, 1, 8, 8) + half),  # 7 January is cancelled
    ]
    assert (result.events, result.occurrences) == (3, 5)


def test_google_x_wr_timezone():
    result = busy(fixture("google_x_wr_timezone.ics"), BERLIN)
    assert hour(utc(2027, 1, 5, 14)) in result.busy  # floating 09:00 is New York time, not Berlin
    assert hour(utc(2027, 1, 4, 14)) in result.busy and hour(utc(2027, 3, 8, 14)) in result.busy
    assert hour(utc(2027, 3, 15, 13)) in result.busy  # repeats at 09:00 New York wall time after DST
    assert result.occurrences == 13


# --- durations and the window ---------------------------------------------------------------
def test_duration_property_and_events_without_end():
    result = busy(feed(
        "DTSTART:20270105T090000Z\nDURATION:PT90M",
        "DTSTART;VALUE=DATE:20270110\nDURATION:P2D",
        "DTSTART:20270115T090000Z",  # DATE-TIME without DTEND or DURATION: no time at all
    ))
    assert result.busy == [hour(utc(2027, 1, 5, 9), 1.5), (utc(2027, 1, 9, 23), utc(2027, 1, 11, 23))]
    assert (result.events, result.occurrences) == (3, 3)


def test_whole_occurrences_that_intersect_the_window_are_kept_unclipped():
    window = (utc(2027, 1, 5), utc(2027, 1, 6))
    result = busy(feed(
        "DTSTART:20270104T230000Z\nDTEND:20270105T010000Z",  # straddles the start: kept whole
        "DTSTART:20270105T233000Z\nDTEND:20270106T003000Z",  # straddles the end: kept whole
        "DTSTART:20270104T220000Z\nDTEND:20270105T000000Z",  # ends at the window start: out
        "DTSTART:20270106T000000Z\nDTEND:20270106T010000Z",  # starts at the window end: out
    ), window=window)
    assert result.busy == [hour(utc(2027, 1, 4, 23), 2), hour(utc(2027, 1, 5, 23, 30))]
    assert result.occurrences == 2


def test_overlapping_and_touching_intervals_are_merged_sorted_utc():
    result = busy(feed(
        "DTSTART:20270105T100000Z\nDTEND:20270105T110000Z",
        "DTSTART:20270105T090000Z\nDTEND:20270105T100000Z",  # touches
        "DTSTART:20270105T103000Z\nDTEND:20270105T120000Z",  # overlaps
        "DTSTART:20270105T130000Z\nDTEND:20270105T140000Z",  # separate
    ))
    assert result.busy == [hour(utc(2027, 1, 5, 9), 3), hour(utc(2027, 1, 5, 13))]
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in result.busy)
    assert merge_intervals([]) == []


# --- speed-ups that must not change the result ---------------------------------------------

def test_outlook_vtimezone_from_1601_reads_like_its_iana_zone_and_fast():
    """dateutil walks a VTIMEZONE rule from its DTSTART on every offset lookup: 1601 took seconds."""
    custom = fixture("outlook_customized_time_zone_since_1601_daily.ics")
    iana = custom[:custom.index(b"BEGIN:VTIMEZONE")] + custom[custom.index(b"BEGIN:VEVENT"):]
    iana = iana.replace(b'"Customized Time Zone"', b"Europe/Berlin")
    window = (utc(2027, 3, 1), utc(2027, 11, 30))  # both 2027 changes
    started = time.perf_counter()
    result = busy(custom, window=window)
    assert time.perf_counter() - started < 2
    assert result.busy == busy(iana, window=window).busy
    assert hour(utc(2027, 3, 26, 8)) in result.busy and hour(utc(2027, 3, 29, 7)) in result.busy
    assert hour(utc(2027, 3, 30, 7)) not in result.busy  # the EXDATE


ZONE_STAMPS = {"berlin": ";TZID=Europe/Berlin:{:%Y%m%dT%H%M%S}", "utc": ":{:%Y%m%dT%H%M%SZ}",
               "floating": ":{:%Y%m%dT%H%M%S}", "date": ";VALUE=DATE:{:%Y%m%d}"}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(ZONE_STAMPS)), st.datetimes(datetime(2008, 1, 1), datetime(2027, 6, 1)),
       st.sampled_from(["DAILY", "WEEKLY"]), st.integers(1, 3), st.sets(st.sampled_from(["MO", "TU", "SA"])),
       st.sampled_from(["", ";UNTIL=20270901T000000Z", ";UNTIL=20200101T000000Z"]), st.integers(30, 3000),
       st.booleans())
def test_fast_forwarding_old_series_gives_the_same_busy_times(zone, start, freq, interval, days, until, minutes,
                                                              google):
    stamp = ZONE_STAMPS[zone]
    start = start.replace(second=0, microsecond=0)
    rule = f"RRULE:FREQ={freq};INTERVAL={interval}" + (f";BYDAY={','.join(sorted(days))}" if days else "") + until
    length = timedelta(days=1 + minutes // 1000) if zone == "date" else timedelta(minutes=minutes)
    moved = datetime(2027, 7, 6, 9) if zone != "date" else datetime(2027, 7, 6)
    master = f"DTSTART{stamp.format(start)}\nDTEND{stamp.format(start + length)}\n{rule}"
    master += f"\nEXDATE{stamp.format(start + (datetime(2027, 7, 1) - start) // timedelta(days=1) * timedelta(days=1))}"
    week = timedelta(days=7)
    override = (f"UID:event-0@test\nRECURRENCE-ID{stamp.format(start + (moved - start) // week * week)}"
                f"\nDTSTART{stamp.format(moved)}\nDTEND{stamp.format(moved + length)}")
    data = feed(master, override, header="X-WR-TIMEZONE:America/New_York" if google else "")
    window = (utc(2027, 6, 1), utc(2027, 8, 1))
    fast = busy(data, window=window)
    with mock.patch.object(ics_import, "_fast_forward", lambda *args, **kwargs: None):
        slow = busy(data, window=window)
    assert (fast.busy, fast.occurrences) == (slow.busy, slow.occurrences)


# --- robustness -----------------------------------------------------------------------------
def test_broken_lines_and_broken_events_do_not_kill_the_feed():
    result = busy(fixture("broken_line_and_broken_event.ics"))
    assert result.busy == [hour(utc(2027, 1, 5, 9))]
    assert result.events == 3
    joined = "\n".join(result.problems)
    assert "2 broken lines ignored" in joined  # two lost folds (in X-WR-CALDESC and a DESCRIPTION)
    assert "skipped event bad-start@test: invalid DTSTART" in joined
    assert "no-freq@test" in joined  # the library choked on it: retried series by series
    assert "VALARM" not in joined  # its TRIGGER icalendar cannot read does not matter
    assert "leading space" not in joined  # a broken line's text may be private


def test_a_lost_fold_inside_an_event_is_a_problem_not_a_failure():
    data = feed("DTSTART:20270105T090000Z\nDESCRIPTION:a folded line\nthat lost its leading space\nDURATION:PT1H")
    result = busy(data)
    assert result.busy == [hour(utc(2027, 1, 5, 9))]
    assert result.problems == ["1 broken lines ignored (no NAME:value; a lost fold?)"]


def test_icalendar_component_errors_become_problems():
    """A line icalendar cannot split into parts (a bad quoted parameter) lands in component.errors."""
    result = busy(feed("DTSTART:20270105T090000Z\nTRANSP;X-A=\"a\"b:TRANSPARENT\nDURATION:PT1H"))
    assert result.busy == [hour(utc(2027, 1, 5, 9))]  # the unreadable TRANSP is gone: opaque
    assert result.problems == ["broken line in VEVENT ignored"]


def test_titles_and_other_properties_are_not_even_parsed():
    data = feed("DTSTART:20270105T090000Z\nDURATION:PT1H\nSUMMARY;X-B=\"a\"b:Secret\nATTENDEE;BAD=\"x\"y:mailto:a@b")
    result = busy(data)
    assert (result.busy, result.problems) == ([hour(utc(2027, 1, 5, 9))], [])


def test_a_broken_exdate_is_dropped_not_the_series():
    data = feed("DTSTART:20270104T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE:\nEXDATE:20270105T090000Z")
    result = busy(data)
    assert result.busy == [hour(utc(2027, 1, 4, 9)), hour(utc(2027, 1, 6, 9))]
    assert result.problems == ["invalid EXDATE in VEVENT ignored"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b" \r\n\r\n", "empty"),
    (b"<html><body>Sign in</body></html>", "no BEGIN:VCALENDAR"),
    (b"BEGIN:VEVENT\r\nDTSTART:20270105T090000Z\r\nEND:VEVENT\r\n", "no BEGIN:VCALENDAR"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20270105T090000Z\r\n", "cut off"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "none of the 1 events"),
    (b"BEGIN:VCALENDAR\r\nbroken line\r\nEND:VCALENDAR\r\n", "broken feed"),
    (b"BEGIN:VCALENDAR\r\nPROP:\r\nEND:VEVENT\r\nX:1\r\nEND:VCALENDAR\r\n", "not a readable"),
])
def test_unusable_feeds_raise_ics_import_error(data, message):
    with pytest.raises(IcsImportError, match=message):
        busy(data)


def test_an_empty_calendar_is_a_usable_result():
    result = busy(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    assert result == ImportResult([], 0, 0, [], False)


def test_several_vcalendars_in_one_feed_are_all_read():
    one, two = feed("DTSTART:20270105T090000Z\nDURATION:PT1H"), feed("DTSTART:20270106T090000Z\nDURATION:PT1H")
    assert busy(one + two).busy == [hour(utc(2027, 1, 5, 9)), hour(utc(2027, 1, 6, 9))]


def test_occurrence_cap_stops_with_a_usable_capped_result():
    result = busy(feed("DTSTART:20270101T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY"), max_occurrences=10)
    assert result.capped and 1 <= len(result.busy) <= 10
    assert any("more than 10 occurrences" in problem for problem in result.problems)
    assert not busy(feed("DTSTART:20270101T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=10")).capped


def test_rrule_that_would_iterate_for_minutes_is_skipped_quickly():
    started = time.perf_counter()
    result = busy(fixture("minutely_since_1990.ics"))
    assert time.perf_counter() - started < 2
    assert result.busy == [hour(utc(2027, 1, 5, 9))] and result.capped
    assert any("bomb@test" in problem and "expansion cap" in problem for problem in result.problems)


def test_problems_are_deduplicated_and_bounded():
    bad = [f"UID:bad-{n}\nDTSTART:nonsense-{n}" for n in range(80)]
    result = busy(feed("DTSTART:20270105T090000Z\nDURATION:PT1H", *bad))
    assert len(result.problems) == 51 and result.problems[-1] == "... and 31 more problems"
    assert "skipped event bad-7: invalid DTSTART" in result.problems
    assert result.problems.count("invalid DTSTART in VEVENT ignored") == 1


@pytest.mark.parametrize("window", [
    (datetime(2027, 1, 1), utc(2027, 2, 1)), (utc(2027, 2, 1), utc(2027, 1, 1)), (utc(2027, 1, 1), utc(2027, 1, 1)),
])
def test_window_must_be_aware_and_not_empty(window):
    with pytest.raises(ValueError):
        parse_busy(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", BERLIN, *window)
