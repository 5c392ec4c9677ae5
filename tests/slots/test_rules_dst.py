"""Hand-computed working windows around DST changes and other rule edges."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from booking.slots.engine import ServiceRules, StaffInput, find_slots
from booking.slots.intervals import merge, overlaps, subtract
from booking.slots.rules import wall_to_epoch, working_windows

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
HOUR = 3600


def utc(*parts: int) -> int:
    """Epoch seconds of a UTC wall time."""
    return int(datetime(*parts, tzinfo=timezone.utc).timestamp())


def sunday_windows(tz: ZoneInfo, day: date, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Windows of one (Sunday) ``day`` when only Sundays have hours."""
    start = int(datetime(day.year, day.month, day.day, 12, tzinfo=tz).timestamp())
    windows = working_windows({6: ranges}, {}, [], tz, start, start + 1)
    return [w for w in windows if w[0] >= start - 12 * HOUR and w[0] < start + 12 * HOUR]


def test_night_shift_is_two_hours_on_spring_forward_night_berlin() -> None:
    # 01:00 CET = 00:00Z; 04:00 CEST = 02:00Z.
    windows = sunday_windows(BERLIN, date(2027, 3, 28), [(60, 240)])
    assert windows == [(utc(2027, 3, 28, 0), utc(2027, 3, 28, 2))]


def test_night_shift_is_four_hours_on_fall_back_night_berlin() -> None:
    # 01:00 CEST = 23:00Z the day before; 04:00 CET = 03:00Z.
    windows = sunday_windows(BERLIN, date(2027, 10, 31), [(60, 240)])
    assert windows == [(utc(2027, 10, 30, 23), utc(2027, 10, 31, 3))]


def test_night_shift_new_york() -> None:
    # 01:00 EST = 06:00Z .. 04:00 EDT = 08:00Z; 01:00 EDT = 05:00Z .. 04:00 EST = 09:00Z.
    spring = sunday_windows(NEW_YORK, date(2027, 3, 14), [(60, 240)])
    autumn = sunday_windows(NEW_YORK, date(2027, 11, 7), [(60, 240)])
    assert spring == [(utc(2027, 3, 14, 6), utc(2027, 3, 14, 8))]
    assert autumn == [(utc(2027, 11, 7, 5), utc(2027, 11, 7, 9))]


def test_nine_oclock_stays_nine_oclock_local_across_the_change() -> None:
    weekly = {day: [(540, 1020)] for day in range(7)}
    windows = working_windows(weekly, {}, [], BERLIN, utc(2027, 3, 27), utc(2027, 3, 30))
    starts = {datetime.fromtimestamp(w[0], BERLIN).strftime("%Y-%m-%d %H:%M %Z") for w in windows}
    assert {"2027-03-27 09:00 CET", "2027-03-28 09:00 CEST", "2027-03-29 09:00 CEST"} <= starts
    assert (utc(2027, 3, 27, 8), utc(2027, 3, 27, 16)) in windows
    assert (utc(2027, 3, 29, 7), utc(2027, 3, 29, 15)) in windows


def test_start_inside_the_gap_uses_the_offset_before_the_change() -> None:
    # 02:30 does not exist on 2027-03-28; fold=0 reads it as 02:30 CET = 01:30Z.
    # 05:00 CEST = 03:00Z, so the window is 1.5 real hours.
    assert wall_to_epoch(date(2027, 3, 28), 150, BERLIN) == utc(2027, 3, 28, 1, 30)
    windows = sunday_windows(BERLIN, date(2027, 3, 28), [(150, 300)])
    assert windows == [(utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 3))]


def test_thirty_minute_slots_from_a_start_inside_the_gap() -> None:
    windows = sunday_windows(BERLIN, date(2027, 3, 28), [(150, 300)])
    service = ServiceRules(service_id=1, duration_minutes=30)
    slots = find_slots(service, [StaffInput(1, windows, [])], utc(2027, 3, 28), utc(2027, 3, 29), 0, 2**40)
    # 03:30, 04:00 and 04:30 CEST.
    assert [s.start for s in slots] == [utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2), utc(2027, 3, 28, 2, 30)]


def test_range_that_ends_before_it_starts_in_real_time_is_dropped() -> None:
    # 02:30 (gap, 01:30Z) .. 03:00 CEST (01:00Z) has no real duration.
    assert sunday_windows(BERLIN, date(2027, 3, 28), [(150, 180)]) == []


def test_end_of_day_is_next_local_midnight() -> None:
    # Saturday 2027-10-30 22:00 CEST .. Sunday 00:00 CEST = 20:00Z .. 22:00Z.
    saturday = {5: [(1320, 1440)]}
    windows = working_windows(saturday, {}, [], BERLIN, utc(2027, 10, 30, 12), utc(2027, 10, 30, 13))
    assert windows == [(utc(2027, 10, 30, 20), utc(2027, 10, 30, 22))]


def test_touching_ranges_merge_into_one_window() -> None:
    windows = working_windows({0: [(720, 780), (540, 720)]}, {}, [], UTC, utc(2027, 1, 4), utc(2027, 1, 5))
    assert windows == [(utc(2027, 1, 4, 9), utc(2027, 1, 4, 13))]


def test_midnight_touching_windows_of_two_days_stay_separate() -> None:
    weekly = {0: [(1320, 1440)], 1: [(0, 120)]}
    windows = working_windows(weekly, {}, [], UTC, utc(2027, 1, 4), utc(2027, 1, 6))
    assert windows == [(utc(2027, 1, 4, 22), utc(2027, 1, 5)), (utc(2027, 1, 5), utc(2027, 1, 5, 2))]


def test_override_replaces_weekly_hours_and_empty_override_closes() -> None:
    weekly = {day: [(540, 1020)] for day in range(7)}
    overrides = {date(2027, 1, 5): [(600, 660)], date(2027, 1, 6): []}
    windows = working_windows(weekly, overrides, [], UTC, utc(2027, 1, 5), utc(2027, 1, 7))
    assert windows == [
        (utc(2027, 1, 4, 9), utc(2027, 1, 4, 17)),   # padding day
        (utc(2027, 1, 5, 10), utc(2027, 1, 5, 11)),  # override
        (utc(2027, 1, 7, 9), utc(2027, 1, 7, 17)),   # padding day; 2027-01-06 closed
    ]


def test_windows_are_padded_and_not_clipped() -> None:
    weekly = {day: [(540, 1020)] for day in range(7)}
    windows = working_windows(weekly, {}, [], UTC, utc(2027, 1, 5, 12), utc(2027, 1, 5, 13))
    assert windows == [(utc(2027, 1, d, 9), utc(2027, 1, d, 17)) for d in (4, 5, 6)]


def test_time_off_is_subtracted_in_any_order() -> None:
    weekly = {0: [(540, 1020)]}
    time_off = [(utc(2027, 1, 4, 15), utc(2027, 1, 4, 18)), (utc(2027, 1, 4, 10), utc(2027, 1, 4, 10, 10)),
                (utc(2027, 1, 4, 10, 5), utc(2027, 1, 4, 10, 10))]
    windows = working_windows(weekly, {}, time_off, UTC, utc(2027, 1, 4), utc(2027, 1, 5))
    assert windows == [(utc(2027, 1, 4, 9), utc(2027, 1, 4, 10)),
                       (utc(2027, 1, 4, 10, 10), utc(2027, 1, 4, 15))]


def test_empty_range_gives_no_windows() -> None:
    assert working_windows({0: [(0, 1440)]}, {}, [], BERLIN, utc(2027, 1, 4), utc(2027, 1, 4)) == []


@pytest.mark.parametrize("bad", [(-1, 60), (60, 60), (600, 540), (0, 1441)])
def test_invalid_ranges_are_rejected(bad: tuple[int, int]) -> None:
    with pytest.raises(ValueError):
        working_windows({0: [bad]}, {}, [], BERLIN, utc(2027, 1, 4), utc(2027, 1, 5))


def test_interval_helpers() -> None:
    assert merge([(5, 7), (1, 3), (3, 4), (6, 9), (10, 10)]) == [(1, 4), (5, 9)]
    assert merge([(1, 3), (3, 4)], join_touching=False) == [(1, 3), (3, 4)]
    assert subtract([(0, 10), (10, 20), (30, 40)], [(5, 12), (15, 35)]) == [(0, 5), (12, 15), (35, 40)]
    assert subtract([(0, 10)], [(10, 20)]) == [(0, 10)]
    assert subtract([(0, 10)], []) == [(0, 10)]
    assert overlaps((0, 10), (9, 11)) and not overlaps((0, 10), (10, 11)) and not overlaps((0, 10), (5, 5))

