"""The importer against the real-world corpus in shared/data/ics (see its README.md).

Every file must give an ImportResult or an IcsImportError (never another exception), and so
must random bytes and mutated copies of these files and of the fixtures; the x-wr-timezone
pairs must read the same; a few files with well-known content must give the expected busy times.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.calendars.ics_import import IcsImportError, ImportResult, parse_busy

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ics"
FILES = sorted(CORPUS.rglob("*.ics")) if CORPUS.is_dir() else []
ZONES = [ZoneInfo(name) for name in ("Europe/Berlin", "America/New_York", "Pacific/Auckland", "Asia/Kolkata", "UTC")]
BERLIN = ZoneInfo("Europe/Berlin")
WIDE = (datetime(1990, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(relative: str, zone: ZoneInfo = BERLIN, window: tuple[datetime, datetime] = WIDE) -> ImportResult:
    return parse_busy((CORPUS / relative).read_bytes(), zone, *window)


def test_the_corpus_is_there():
    assert CORPUS.is_dir(), f"the iCalendar corpus is missing: {CORPUS} (CI checks out shared/ beside the repo)"
    assert len(FILES) > 300


@pytest.mark.parametrize("number", range(max(len(FILES), 1)),
                         ids=[str(path.relative_to(CORPUS)) for path in FILES] or ["missing"])
def test_every_file_gives_a_result_or_an_import_error(number):
    assert FILES, f"no .ics files under {CORPUS}"
    path = FILES[number]
    zone = ZONES[number % len(ZONES)]
    try:
        result = parse_busy(path.read_bytes(), zone, *WIDE, max_occurrences=20_000)
    except IcsImportError as error:
        assert str(error)
        return
    assert len(result.busy) <= result.occurrences or result.capped
    assert all(start.tzinfo is UTC and end.tzinfo is UTC and start < end for start, end in result.busy)
    assert all(a[1] < b[0] for a, b in zip(result.busy, result.busy[1:], strict=False))  # sorted, merged
    assert all(isinstance(problem, str) and problem for problem in result.problems)


PAIRS = sorted((CORPUS / "x-wr-timezone").glob("*.in.ics")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("source", PAIRS, ids=lambda path: path.name.removesuffix(".in.ics"))
@pytest.mark.parametrize("zone", [BERLIN, ZoneInfo("America/New_York")], ids=str)
def test_x_wr_timezone_pairs_read_the_same(source, zone):
    expected = source.with_name(source.name.replace(".in.ics", ".out.ics"))
    for transform in (lambda data: data, lambda data: data.replace(b"TRANSP:TRANSPARENT", b"TRANSP:OPAQUE")):
        given = parse_busy(transform(source.read_bytes()), zone, *WIDE)
        wanted = parse_busy(transform(expected.read_bytes()), zone, *WIDE)
        assert (given.busy, given.occurrences, given.problems) == (wanted.busy, wanted.occurrences, [])


def test_x_wr_timezone_pairs_are_there():
    assert len(PAIRS) == 8


# --- files with well-known content -----------------------------------------------------------


def test_weekly_series_with_one_exdate_in_utc_across_dst():
    result = read("recurring-ical-events/each_week_but_one_deleted.ics")
    local_starts = [datetime(2019, 3, day, 0, 30, tzinfo=BERLIN) for day in (4, 18, 25)]
    local_starts += [datetime(2019, 4, day, 0, 30, tzinfo=BERLIN) for day in (1, 8, 15, 22)]
    assert result.busy == [(s.astimezone(UTC), s.astimezone(UTC) + timedelta(minutes=30)) for s in local_starts]
    assert result.busy[3][0] == utc(2019, 3, 31, 22, 30)  # CEST from 31 March


def test_cancelled_override_is_not_busy():
    result = read("recurring-ical-events/issue_18_cancel_status.ics")
    assert result.busy == [(utc(2020, 1, 28, 21), utc(2020, 1, 28, 22)), (utc(2020, 1, 30, 21), utc(2020, 1, 30, 22))]
    assert result.occurrences == 3


def test_duration_all_day_and_no_end():
    result = read("recurring-ical-events/duration.ics")
    assert result.busy == [(utc(2018, 1, 9, 23), utc(2018, 1, 12, 23)), (utc(2018, 1, 15, 9), utc(2018, 1, 15, 12))]
    assert result.occurrences == 3  # the third lasts no time


def test_google_utc_times_with_x_wr_timezone_keep_their_instants():
    result = read("recurring-ical-events/x_wr_timezone_simple_events_issue_59.ics", BERLIN)
    assert result.busy == [(utc(2021, 12, 22, 17), utc(2021, 12, 22, 18)), (utc(2021, 12, 23, 2), utc(2021, 12, 23, 3))]


def test_weekly_lisbon_event_follows_the_autumn_change():
    window = (utc(2020, 10, 18), utc(2020, 11, 1))
    result = read("recurring-ical-events/issue_48_daylight_aware_repeats.ics", window=window)
    assert result.busy == [
        (utc(2020, 10, 19, 10, 30), utc(2020, 10, 19, 12)), (utc(2020, 10, 26, 11, 30), utc(2020, 10, 26, 13))
    ]


def test_zero_size_and_swapped_events():
    zero = read("recurring-ical-events/zero_size_event.ics")
    assert (zero.busy, zero.occurrences) == ([], 1)
    swapped = read("recurring-ical-events/end_before_start_event.ics")
    assert swapped.busy == [(utc(2019, 3, 4, 7), utc(2019, 3, 4, 7, 30))]


def test_rdate_removed_again_by_exdate():
    assert read("recurring-ical-events/rdate.ics", window=(utc(2025, 7, 1), utc(2025, 7, 10))).occurrences == 0
    result = read("recurring-ical-events/rdate.ics", window=(utc(2024, 8, 1), utc(2024, 8, 10)))
    assert result.busy == [(utc(2024, 8, 3, 19), utc(2024, 8, 3, 21))]


def test_daily_all_day_series_merges_into_one_block():
    window = (utc(2019, 3, 10), utc(2019, 3, 20))
    result = read("recurring-ical-events/one_day_event_repeat_every_day.ics", window=window)
    assert result.busy == [(utc(2019, 3, 9, 23), utc(2019, 3, 20, 23))]
    assert result.occurrences == 11


def test_transparent_google_series_is_not_busy():
    result = read("recurring-ical-events/issue_62_moved_event.ics", window=(utc(2021, 11, 1), utc(2022, 3, 1)))
    assert result.busy == [] and result.occurrences > 0


def test_khal_windows_zone_name_with_its_own_vtimezone_and_cancelled_override():
    # The feed defines "New Zealand Standard Time" itself (as +01:00 on that day): its own
    # definition wins, in every process, rather than whatever icalendar cached first.
    assert read("khal/tz_windows_format.ics").busy == [(utc(2019, 11, 20, 12), utc(2019, 11, 20, 13, 30))]
    result = read("khal/event_rrule_recuid_cancelled.ics")
    assert result.busy == [
        (utc(2014, 6, 30, 5), utc(2014, 6, 30, 10)), (utc(2014, 7, 7, 7), utc(2014, 7, 7, 12)),  # moved
        (utc(2014, 7, 21, 5), utc(2014, 7, 21, 10)), (utc(2014, 7, 28, 5), utc(2014, 7, 28, 10)),
        (utc(2014, 8, 4, 5), utc(2014, 8, 4, 10)),
    ]
    assert result.occurrences == 6


def test_khal_unknown_tzid_and_override_without_master():
    unknown = read("khal/event_dt_local_missing_tz.ics", ZoneInfo("America/New_York"))
    assert unknown.busy == [(utc(2014, 4, 9, 13, 30), utc(2014, 4, 9, 14, 30))]
    assert any("'FOO'" in problem for problem in unknown.problems)
    orphan = read("khal/event_dt_recuid_no_master.ics")
    assert orphan.busy == [(utc(2017, 3, 29, 14), utc(2017, 3, 29, 14, 25))]


def test_outlook_custom_time_zones():
    result = read("ical-compat/office_365_invalid_timezone.ics")
    assert len(result.busy) == 1 and any("Customized Time Zone" in problem for problem in result.problems)


def test_broken_real_world_files_are_read_or_rejected_cleanly():
    assert read("icalendar-calendars/issue_104_broken_calendar.ics").busy == [(utc(2014, 4, 1), utc(2014, 4, 1, 1))]
    assert len(read("khal/non_dst_error.ics").busy) == 2  # a VALARM icalendar cannot read does not matter
    for name in ("ical-invalid/invalid_params_list.ics", "icalendar-calendars/big_bad_calendar.ics",
                 "icalendar-calendars/issue_1050_multiple_calendars.ics", "ical-testdata/empty.ics"):
        with pytest.raises(IcsImportError):
            read(name)


# --- no other exception, whatever the bytes (random, and mutated fixtures and corpus files) -------

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = [path.read_bytes() for path in [*sorted(FIXTURES.glob("*.ics")), *FILES] if path.stat().st_size < 20_000]
TOKENS = [b"\r\n", b"\n", b":", b";", b"=", b'"', b",", b" ", b"\x00", b"\xff", b"TZID=", b"BEGIN:VEVENT\r\n",
          b"END:VEVENT\r\n", b"BEGIN:VTIMEZONE\r\n", b"END:VCALENDAR\r\n", b"RRULE:FREQ=SECONDLY\r\n",
          b"DTSTART:", b"20270105T090000Z", b"VALUE=DATE:", b"RECURRENCE-ID:", b"EXDATE:", b"DURATION:P1D",
          b"RDATE;VALUE=PERIOD:", b"X-WR-TIMEZONE:", b"BEGIN:VALARM\r\n"]


def assert_survives(data: bytes) -> None:
    try:
        result = parse_busy(data, BERLIN, datetime(2000, 1, 1, tzinfo=UTC), WIDE[1], max_occurrences=5_000)
    except IcsImportError:
        return
    assert isinstance(result, ImportResult)
    assert all(start < end and start.tzinfo is UTC for start, end in result.busy)
    assert all(a[1] < b[0] for a, b in zip(result.busy, result.busy[1:], strict=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_only_give_a_result_or_ics_import_error(data):
    assert_survives(data)
    assert_survives(b"BEGIN:VCALENDAR\r\n" + data + b"\r\nEND:VCALENDAR\r\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(
    st.sampled_from(["delete", "insert", "copy", "flip"]), st.integers(0, 5000), st.integers(0, 80),
    st.sampled_from(TOKENS), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_feeds_only_give_a_result_or_ics_import_error(seed, mutations):
    data = bytearray(seed)
    for operation, position, length, token, byte in mutations:
        at = position % (len(data) + 1)
        if operation == "delete":
            del data[at:at + length]
        elif operation == "insert":
            data[at:at] = token
        elif operation == "copy":
            data[at:at] = data[position % (len(data) + 1):][:length]
        elif data:
            data[min(at, len(data) - 1)] = byte
    assert_survives(bytes(data))
