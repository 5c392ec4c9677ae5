"""The pure report modules (booking/reports/): periods, figures and the CSV, on hand-made rows.

No app and no database: rows and working windows are built here, every expected number is
computed by hand in the comments.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from booking.reports.export import COLUMNS, bookings_csv, csv_filename, safe_cell
from booking.reports.figures import HeatMap, PurgedCancellations, Rate, ReportBooking, StaffWindows, compute_figures
from booking.reports.periods import Period, last_full_weeks, month_of, period_problem, presets
from booking.slots.rules import working_windows
from tests.test_architecture import ALL, booking_imports, imports_of

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall time as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(timezone.utc)


def row(booking_id: int, staff_id: int, start: datetime, minutes: int = 30, status: str = "confirmed",
        source: str = "online", excused: bool = False, name: str = "Kim") -> ReportBooking:
    end = datetime.fromtimestamp(start.timestamp() + minutes * 60, timezone.utc)
    return ReportBooking(id=booking_id, staff_id=staff_id, start_utc=start, end_utc=end, status=status,
                         no_show_excused=excused, source=source, service_name="Cut", staff_name="Ana",
                         customer_name=name, customer_email="kim@example.test", price=Decimal("45"))


@pytest.mark.parametrize("name", sorted(n for n in ALL if n.startswith("booking.reports")))
def test_the_report_modules_are_pure(name):
    # Like booking.slots: plain rows in, figures out; the database and the request stay outside.
    assert not {i for i in booking_imports(ALL[name]) if not i.startswith(("booking.reports", "booking.slots"))}
    assert not {i for i in imports_of(ALL[name]) if i.split(".")[0] in {"flask", "sqlalchemy"}}


# --- periods --------------------------------------------------------------------------------

def test_a_period_spans_whole_local_days_with_their_real_length():
    # 2027-03-28 is the spring-forward day in Berlin: 00:00 CET (23:00Z on the 27th) to
    # 00:00 CEST on the 29th (22:00Z on the 28th) = 23 hours.
    start, end = Period(date(2027, 3, 28), date(2027, 3, 28)).bounds(BERLIN)
    assert start == int(datetime(2027, 3, 27, 23, tzinfo=timezone.utc).timestamp())
    assert end - start == 23 * HOUR
    assert Period(date(2027, 3, 15), date(2027, 3, 28)).days == 14


def test_period_problems():
    assert period_problem(date(2027, 3, 1), date(2027, 3, 1)) is None
    assert period_problem(date(2027, 3, 2), date(2027, 3, 1)) == "order"
    # 2028 is a leap year: 2028-01-01 .. 2028-12-31 is 366 days, one more is too many.
    assert period_problem(date(2028, 1, 1), date(2028, 12, 31)) is None
    assert period_problem(date(2028, 1, 1), date(2029, 1, 1)) == "length"
    assert period_problem(date(1970, 12, 31), date(1971, 1, 2)) == "year"
    assert period_problem(date(9999, 12, 30), date(9999, 12, 31)) == "year"


def test_default_and_preset_periods_from_a_wednesday():
    today = date(2027, 3, 17)  # a Wednesday
    assert last_full_weeks(today) == Period(date(2027, 2, 15), date(2027, 3, 14))
    found = presets(today)
    assert found["this_week"] == Period(date(2027, 3, 15), date(2027, 3, 21))
    assert found["last_week"] == Period(date(2027, 3, 8), date(2027, 3, 14))
    assert found["last_4_weeks"] == last_full_weeks(today)
    assert found["this_month"] == Period(date(2027, 3, 1), date(2027, 3, 31))
    assert found["last_month"] == Period(date(2027, 2, 1), date(2027, 2, 28))
    assert month_of(date(2028, 2, 10)) == Period(date(2028, 2, 1), date(2028, 2, 29))
    assert presets(date(2027, 1, 5))["last_month"] == Period(date(2026, 12, 1), date(2026, 12, 31))


# --- figures --------------------------------------------------------------------------------

def test_rates_are_undefined_without_a_whole():
    assert Rate(0, 0).value is None
    assert Rate(1, 4).value == Decimal("0.25")


def test_an_empty_period_has_zero_counts_and_no_rates():
    period = Period(date(2027, 3, 1), date(2027, 3, 7))
    figures = compute_figures(period, BERLIN, [], [StaffWindows(1, "Ana", [])])
    assert figures.total == 0 and set(figures.by_status.values()) == {0}
    assert figures.no_shows.value is None and figures.cancellations.value is None
    assert figures.utilisation[0].rate.value is None
    assert [(w.first_day, w.active) for w in figures.weeks] == [(date(2027, 3, 1), 0)]
    assert figures.heat_map.max_count == 0 and figures.heat_map.legend() == []
    assert list(figures.heat_map.hours) == list(range(8, 18))


def test_figures_of_a_small_hand_computed_week():
    # Period Wed 2027-03-03 .. Tue 2027-03-09 (two partial Monday weeks).
    period = Period(date(2027, 3, 3), date(2027, 3, 9))
    # Staff 1 works 09:00-12:00 on Wed 3 and Thu 4 (2 x 180 = 360 min) and 09:00-12:00 on
    # Mon 8 and Tue 9 (another 360): 720 min. Tue 2 (outside the period) must not count.
    weekly = {0: [(540, 720)], 1: [(540, 720)], 2: [(540, 720)], 3: [(540, 720)]}
    start, end = period.bounds(BERLIN)
    windows = working_windows(weekly, {}, [], BERLIN, start, end)
    rows = [
        row(1, 1, at(2027, 3, 3, 9), status="completed"),
        # Two group bookings over the same 09:30-10:30: booked time counts once (60 min).
        row(2, 1, at(2027, 3, 3, 9, 30), minutes=60, status="completed", source="staff"),
        row(3, 1, at(2027, 3, 3, 9, 30), minutes=60, status="no_show", excused=True),
        # 11:30-12:30: 30 min inside hours, 30 min outside.
        row(4, 1, at(2027, 3, 4, 11, 30), minutes=60, status="no_show"),
        row(5, 1, at(2027, 3, 8, 10), status="cancelled", source="staff"),
        row(6, 1, at(2027, 3, 9, 18), status="confirmed"),  # 30 min outside hours
        row(7, 1, at(2027, 3, 2, 10), status="completed"),  # before the period: ignored
        row(8, 1, at(2027, 3, 10, 0), status="completed"),  # after the period: ignored
    ]
    figures = compute_figures(period, BERLIN, rows, [StaffWindows(1, "Ana", windows)])
    assert figures.total == 6
    assert dict(figures.by_status) == {"confirmed": 1, "arrived": 0, "completed": 2, "no_show": 2, "cancelled": 1}
    assert (figures.online, figures.staff_entered) == (Rate(4, 6), Rate(2, 6))
    assert figures.cancellations == Rate(1, 6)
    # Due: completed 2 + arrived 0 + no-show 2 = 4; one no-show excused, one not.
    assert (figures.no_shows, figures.excused_no_shows) == (Rate(1, 4), Rate(1, 4))
    # Booked: 09:00-10:30 on Wed (90 min, the group counted once) + 11:30-12:00 on Thu (30) =
    # 120 min in hours; outside: Thu 12:00-12:30 and Tue 18:00-18:30 = 60 min.
    [ana] = figures.utilisation
    assert (ana.working_minutes, ana.booked_minutes, ana.outside_hours_minutes) == (720, 120, 60)
    assert ana.rate == Rate(120, 720)
    # Weeks: Mon 1 .. Sun 7 cut to Wed 3 .. Sun 7 (rows 1-4 active), Mon 8 .. Tue 9 (6 active, 5 cancelled).
    assert [(w.first_day, w.last_day, w.active, w.cancelled) for w in figures.weeks] == [
        (date(2027, 3, 3), date(2027, 3, 7), 4, 0), (date(2027, 3, 8), date(2027, 3, 9), 1, 1)]
    # Heat: Wed (2) 09h: 1; Wed 09h again for 09:30 twice -> 3; Thu (3) 11h: 1; Tue (1) 18h: 1.
    assert dict(figures.heat_map.counts) == {(2, 9): 3, (3, 11): 1, (1, 18): 1}
    assert list(figures.heat_map.hours) == list(range(8, 19))


def test_purged_cancellations_count_as_the_cancelled_bookings_they_replace():
    period = Period(date(2027, 3, 1), date(2027, 3, 14))
    start, end = period.bounds(BERLIN)
    staff = [StaffWindows(1, "Ana", working_windows({0: [(540, 720)], 2: [(540, 720)]}, {}, [], BERLIN, start, end))]
    kept = [row(1, 1, at(2027, 3, 1, 9), status="completed"), row(2, 1, at(2027, 3, 3, 10), status="no_show")]
    cancelled = [row(3, 1, at(2027, 3, 1, 9), status="cancelled", source="staff"),
                 row(4, 1, at(2027, 3, 1, 9), status="cancelled", source="staff"),
                 row(5, 1, at(2027, 3, 10, 11), status="cancelled"),
                 row(6, 1, at(2027, 3, 15, 0, 30), status="cancelled")]  # after the period: ignored
    purged = [PurgedCancellations(at(2027, 3, 1, 9), "staff", 1, 2),
              PurgedCancellations(at(2027, 3, 10, 11), "online", 1, 1),
              PurgedCancellations(at(2027, 3, 15, 0, 30), "online", 1, 1)]
    whole = compute_figures(period, BERLIN, kept + cancelled, staff)
    after = compute_figures(period, BERLIN, kept, staff, purged)
    assert after == whole and (whole.purged, after.purged) == (0, 3)
    assert whole.cancellations == Rate(3, 5) and [w.cancelled for w in after.weeks] == [2, 1]


def test_heat_map_levels_split_the_maximum_in_four():
    heat = HeatMap(counts={(0, 9): 8, (0, 10): 1, (0, 11): 2, (0, 12): 5}, first_hour=8, last_hour=17)
    # Level = ceil(4 * count / 8): 1, 2 -> 1; 3, 4 -> 2; 5, 6 -> 3; 7, 8 -> 4.
    assert [heat.level(c) for c in (0, 1, 2, 3, 4, 5, 6, 7, 8)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert heat.legend() == [(1, 1, 2), (2, 3, 4), (3, 5, 6), (4, 7, 8)]
    # With a maximum of 3 some levels stay empty: 1 -> 2, 2 -> 3, 3 -> 4.
    small = HeatMap(counts={(0, 9): 3, (1, 9): 1, (2, 9): 2}, first_hour=8, last_hour=17)
    assert small.legend() == [(2, 1, 1), (3, 2, 2), (4, 3, 3)]


# --- CSV ------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, safe", [
    ('=HYPERLINK("x")', '\'=HYPERLINK("x")'), ("+49 30 1234", "'+49 30 1234"), ("-5", "'-5"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("Müller", "Müller"), ("", ""), ("a=b", "a=b")])
def test_cells_that_look_like_formulas_are_quoted(raw, safe):
    assert safe_cell(raw) == safe


def test_the_csv_reads_back_with_the_csv_module():
    rows = [row(1, 1, at(2027, 3, 28, 3), name='Müller, "Max"\nJr.'),
            row(2, 1, at(2027, 3, 28, 1, 30), name='=HYPERLINK("x")', status="no_show", excused=True)]
    data = bookings_csv(rows, BERLIN)
    assert data.startswith("\ufeff".encode())  # the BOM, so Excel reads UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(table[0]) == COLUMNS
    # 03:00 CEST on the change day is 01:00Z; 01:30 CET is 00:30Z.
    assert table[1] == ["1", "2027-03-28", "03:00", "03:30", "2027-03-28T01:00:00Z", "confirmed", "false",
                        "online", "Cut", "Ana", 'Müller, "Max"\nJr.', "kim@example.test", "45.00"]
    assert table[2][:7] == ["2", "2027-03-28", "01:30", "03:00", "2027-03-28T00:30:00Z", "no_show", "true"]
    assert table[2][10] == "'=HYPERLINK(\"x\")"
    assert csv_filename(Period(date(2027, 3, 15), date(2027, 3, 28))) == "bookings-2027-03-15-to-2027-03-28.csv"
