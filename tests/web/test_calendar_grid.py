"""The calendar's layout maths (booking/web/staff/grid.py): pure, no app, no database."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from booking.web.staff.grid import (
    Placement,
    RealAxis,
    WallAxis,
    assign_lanes,
    breaks,
    clip,
    clock_change,
    day_axis,
    lay_out,
    place,
    real_hour_lines,
    steady_day,
    visible_minutes,
    wall_hour_lines,
    wall_minute,
)

BERLIN = ZoneInfo("Europe/Berlin")
SPRING, AUTUMN, PLAIN = date(2027, 3, 28), date(2027, 10, 31), date(2027, 2, 2)


def at(day: date, hour: int, minute: int = 0, fold: int = 0) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN, fold=fold).timestamp())


def test_a_real_axis_places_by_elapsed_minutes():
    axis = day_axis(PLAIN, BERLIN, 8 * 60, 18 * 60)
    assert axis.minutes == 600
    assert place(axis, (at(PLAIN, 9), at(PLAIN, 9, 30))) == Placement(top=10.0, height=5.0)
    # Clipped at both ends; outside or empty is nothing.
    assert place(axis, (at(PLAIN, 7), at(PLAIN, 9))) == Placement(top=0.0, height=10.0)
    assert place(axis, (at(PLAIN, 17), at(PLAIN, 20))) == Placement(top=90.0, height=10.0)
    assert place(axis, (at(PLAIN, 6), at(PLAIN, 8))) is None
    assert place(axis, (at(PLAIN, 18), at(PLAIN, 19))) is None
    assert place(axis, (at(PLAIN, 10), at(PLAIN, 10))) is None


def test_the_spring_forward_day_is_23_hours_on_a_real_axis():
    axis = day_axis(SPRING, BERLIN, 0, 1440)
    assert axis.minutes == 23 * 60
    assert clock_change(SPRING, BERLIN) == -60 and clock_change(AUTUMN, BERLIN) == 60
    assert clock_change(PLAIN, BERLIN) == 0
    # 01:00-04:00 lasts two real hours; 03:00 is two real hours after midnight.
    window = place(axis, (at(SPRING, 1), at(SPRING, 4)))
    assert window.height == pytest.approx(100 * 120 / 1380)
    assert window.top == pytest.approx(100 * 60 / 1380)
    hours = [datetime.fromtimestamp(t, BERLIN).hour for _, t in real_hour_lines(axis, BERLIN)]
    assert hours == [0, 1] + list(range(3, 24))


def test_the_fall_back_day_is_25_hours_with_two_2_oclocks():
    axis = day_axis(AUTUMN, BERLIN, 60, 300)  # 01:00-05:00 on the wall: five real hours
    assert axis.minutes == 300
    lines = real_hour_lines(axis, BERLIN)
    assert [datetime.fromtimestamp(t, BERLIN).strftime("%H:%M %Z") for _, t in lines] == [
        "01:00 CEST", "02:00 CEST", "02:00 CET", "03:00 CET", "04:00 CET"]
    assert [top for top, _ in lines] == [0.0, 20.0, 40.0, 60.0, 80.0]
    first = place(axis, (at(AUTUMN, 2, 30), at(AUTUMN, 3, 0, fold=0) - 1800))
    second = place(axis, (at(AUTUMN, 2, 30, fold=1), at(AUTUMN, 3)))
    assert first.top == pytest.approx(30.0) and second.top == pytest.approx(50.0)
    assert day_axis(AUTUMN, BERLIN, 0, 1440).minutes == 25 * 60


def test_a_wall_axis_lines_days_up_by_the_clock():
    axis = WallAxis(SPRING, BERLIN, 60, 300)  # 01:00-05:00 by the wall: four rows of an hour
    assert axis.minutes == 240
    # 03:00 CEST is drawn at 03:00 (50 %) although it is only one real hour after 01:00.
    assert place(axis, (at(SPRING, 3), at(SPRING, 4))) == Placement(top=50.0, height=25.0)
    assert place(axis, (at(SPRING, 1), at(SPRING, 4))) == Placement(top=0.0, height=75.0)
    autumn = WallAxis(AUTUMN, BERLIN, 60, 300)
    # Both 02:30s sit at 02:30: lanes keep them apart.
    assert place(autumn, (at(AUTUMN, 2, 30), at(AUTUMN, 2, 45))).top == 37.5
    assert place(autumn, (at(AUTUMN, 2, 30, fold=1), at(AUTUMN, 2, 45, fold=1))).top == 37.5
    assert wall_minute(at(date(2027, 2, 3), 1), PLAIN, BERLIN) == 1440 + 60
    assert wall_minute(at(date(2027, 2, 1), 23), PLAIN, BERLIN) == -60
    assert wall_hour_lines(60, 300) == [(0.0, 60), (25.0, 120), (50.0, 180), (75.0, 240)]
    assert wall_hour_lines(90, 210) == [(25.0, 120), (75.0, 180)]


def test_lanes_put_overlapping_items_side_by_side():
    # a and b overlap; c overlaps b only; d stands alone; e touches d without overlapping.
    extents = [(0, 10), (5, 20), (12, 30), (40, 50), (50, 60)]
    assert assign_lanes(extents) == [(0, 2), (1, 2), (0, 2), (0, 1), (0, 1)]
    # Three at once need three lanes; a later one reuses the first free lane of the cluster.
    assert assign_lanes([(0, 30), (0, 10), (5, 15), (10, 20)]) == [(0, 3), (1, 3), (2, 3), (1, 3)]
    assert assign_lanes([]) == []


def test_lay_out_gives_short_items_room_and_skips_what_is_off_the_axis():
    axis = RealAxis(0, 600 * 60)
    spans = [(0, 300), (300, 600), (3600, 7200), (-7200, -3600)]
    placed = lay_out(axis, spans, min_minutes=15)
    # Two five-minute items one after the other would overlap at their drawn minimum height.
    assert (placed[0].lane, placed[0].lanes, placed[1].lane, placed[1].lanes) == (0, 2, 1, 2)
    assert (placed[2].lane, placed[2].lanes) == (0, 1)
    assert placed[3] is None
    assert placed[1].style == "top:0.833%;height:0.833%;left:50.000%;width:50.000%"
    assert placed[2].style == "top:10.000%;height:10.000%"


def test_visible_minutes_widen_the_default_to_whole_hours_within_the_day():
    assert visible_minutes([], PLAIN, BERLIN) == (480, 1080)
    assert visible_minutes([(at(PLAIN, 7, 30), at(PLAIN, 8, 30)), (at(PLAIN, 18), at(PLAIN, 18, 10))],
                           PLAIN, BERLIN) == (420, 1140)
    overnight = (at(date(2027, 2, 1), 22), at(date(2027, 2, 3), 2))
    assert visible_minutes([overnight], PLAIN, BERLIN) == (0, 1440)
    assert visible_minutes([(at(date(2027, 2, 3), 9), at(date(2027, 2, 3), 10))], PLAIN, BERLIN) == (480, 1080)


def test_breaks_are_gaps_within_a_working_day():
    windows = [(at(PLAIN, 9), at(PLAIN, 12)), (at(PLAIN, 13), at(PLAIN, 17)),
               (at(date(2027, 2, 3), 9), at(date(2027, 2, 3), 17))]
    assert breaks(windows, BERLIN) == [(at(PLAIN, 12), at(PLAIN, 13))]
    # A shift ending at midnight and the next day's early start: no break in between.
    night = [(at(PLAIN, 20), at(date(2027, 2, 3), 0)), (at(date(2027, 2, 3), 0), at(date(2027, 2, 3), 2))]
    assert breaks(night, BERLIN) == []


def test_steady_day_and_clip():
    week = [date(2027, 3, 28 + n) if n < 4 else date(2027, 4, n - 3) for n in range(7)]
    assert steady_day([SPRING, *week[1:]], BERLIN) == week[1]
    assert steady_day([SPRING], BERLIN) == SPRING
    assert clip([(0, 10), (20, 30), (35, 40)], (5, 25)) == [(5, 10), (20, 25)]
