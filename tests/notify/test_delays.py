"""Delay estimates and notices (booking.notify.delays): hand-computed days + properties."""
from __future__ import annotations

import calendar
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.notify.delays import (
    DayBooking,
    DelayNotice,
    cascade_estimates,
    overrun_delay_minutes,
    plan_delay_notices,
)

DAY = calendar.timegm((2025, 3, 10, 0, 0, 0))  # Monday 2025-03-10 00:00 UTC


def t(hhmm: str) -> int:
    """Epoch seconds of HH:MM on the fixed test day."""
    h, m = hhmm.split(":")
    return DAY + int(h) * 3600 + int(m) * 60


def bk(bid: int, start: str, end: str, status: str = "confirmed", told: str | None = None) -> DayBooking:
    return DayBooking(bid, t(start), t(end), status, None if told is None else t(told))


def hm(estimates: dict[int, int]) -> dict[int, str]:
    """Estimates as HH:MM strings, for readable assertions."""
    return {k: f"{(v - DAY) // 3600:02d}:{(v - DAY) % 3600 // 60:02d}" for k, v in estimates.items()}


BACK_TO_BACK = [bk(1, "09:00", "09:30"), bk(2, "09:30", "10:00"), bk(3, "10:00", "10:45")]


# --- cascade_estimates -----------------------------------------------------------

def test_delay_on_back_to_back_day_cascades_to_all():
    est = cascade_estimates(BACK_TO_BACK, 15, now=t("08:50"))
    assert hm(est) == {1: "09:15", 2: "09:45", 3: "10:15"}


def test_input_order_does_not_matter():
    est = cascade_estimates(list(reversed(BACK_TO_BACK)), 15, now=t("08:50"))
    assert hm(est) == {1: "09:15", 2: "09:45", 3: "10:15"}


def test_twenty_minute_gap_absorbs_twenty_of_a_25_minute_delay():
    day = [bk(1, "09:00", "09:30"), bk(2, "09:50", "10:20"), bk(3, "10:20", "11:00")]
    est = cascade_estimates(day, 25, now=t("08:00"))
    # 1 ends 09:55 instead of 09:30; 2 starts 09:55 (5 late), 3 starts 10:25.
    assert hm(est) == {1: "09:25", 2: "09:55", 3: "10:25"}


def test_fifteen_minute_gap_absorbs_fifteen_of_a_25_minute_delay():
    day = [bk(1, "09:00", "09:30"), bk(2, "09:45", "10:15"), bk(3, "10:15", "10:45")]
    est = cascade_estimates(day, 25, now=t("08:00"))
    assert hm(est) == {1: "09:25", 2: "09:55", 3: "10:25"}  # 10 minutes left after the gap


def test_gap_larger_than_delay_stops_cascade():
    day = [bk(1, "09:00", "09:30"), bk(2, "10:00", "10:30"), bk(3, "10:30", "11:00")]
    est = cascade_estimates(day, 15, now=t("08:00"))
    assert hm(est) == {1: "09:15", 2: "10:00", 3: "10:30"}


def test_gap_exactly_equal_to_delay_absorbs_it_fully():
    day = [bk(1, "09:00", "09:30"), bk(2, "09:45", "10:15")]
    assert hm(cascade_estimates(day, 15, now=t("08:00"))) == {1: "09:15", 2: "09:45"}


def test_only_confirmed_not_ended_bookings_are_estimated():
    day = [
        bk(1, "08:00", "08:30", "completed"),
        bk(2, "08:30", "09:00", "no_show"),
        bk(3, "09:00", "09:30", "arrived"),  # running, not yet overrunning at 09:20
        bk(4, "09:30", "10:00", "cancelled"),
        bk(5, "09:30", "10:00"),
        bk(6, "10:00", "10:30"),
    ]
    est = cascade_estimates(day, 10, now=t("09:20"))
    assert hm(est) == {5: "09:40", 6: "10:10"}


def test_confirmed_booking_whose_end_passed_is_not_begun_boundary():
    day = [bk(1, "09:00", "09:30"), bk(2, "09:30", "10:00")]
    # end == now: over (strict end > now), so booking 2 is the first not-begun one.
    assert hm(cascade_estimates(day, 10, now=t("09:30"))) == {2: "09:40"}
    # one second earlier booking 1 still counts.
    assert hm(cascade_estimates(day, 10, now=t("09:30") - 1)) == {1: "09:10", 2: "09:40"}


def test_delay_zero_returns_scheduled_starts():
    assert hm(cascade_estimates(BACK_TO_BACK, 0, now=t("08:00"))) == {1: "09:00", 2: "09:30", 3: "10:00"}


def test_overrun_pushes_next_booking_to_now_and_cascade_follows():
    day = [bk(1, "09:00", "09:30", "arrived"), bk(2, "09:30", "10:00"), bk(3, "10:00", "10:30"),
           bk(4, "11:00", "11:30")]
    est = cascade_estimates(day, 0, now=t("09:50"))
    assert hm(est) == {2: "09:50", 3: "10:20", 4: "11:00"}


def test_overrun_and_reported_delay_take_the_later():
    day = [bk(1, "09:00", "09:30", "arrived"), bk(2, "09:30", "10:00")]
    assert hm(cascade_estimates(day, 30, now=t("09:50"))) == {2: "10:00"}
    assert hm(cascade_estimates(day, 10, now=t("09:50"))) == {2: "09:50"}


def test_arrived_booking_within_its_time_has_no_effect():
    day = [bk(1, "09:00", "09:30", "arrived"), bk(2, "09:30", "10:00")]
    assert hm(cascade_estimates(day, 0, now=t("09:29"))) == {2: "09:30"}


def test_no_not_begun_bookings_gives_empty_result():
    assert cascade_estimates([], 15, now=t("09:00")) == {}
    assert cascade_estimates([bk(1, "09:00", "09:30", "completed")], 15, now=t("08:00")) == {}


@pytest.mark.parametrize("bad", [
    {"bookings": BACK_TO_BACK, "delay_minutes": -1},
    {"bookings": [bk(1, "09:00", "09:30", "pending")], "delay_minutes": 5},
    {"bookings": [bk(1, "09:30", "09:00")], "delay_minutes": 5},
    {"bookings": [bk(1, "09:00", "09:30"), bk(1, "10:00", "10:30")], "delay_minutes": 5},
])
def test_cascade_rejects_invalid_input(bad):
    with pytest.raises(ValueError):
        cascade_estimates(now=t("08:00"), **bad)


# --- plan_delay_notices ----------------------------------------------------------

def test_nine_minutes_with_threshold_ten_tells_nobody():
    est = cascade_estimates(BACK_TO_BACK, 9, now=t("08:00"))
    assert plan_delay_notices(BACK_TO_BACK, est, 10) == []


def test_exactly_threshold_is_notified():
    est = cascade_estimates(BACK_TO_BACK, 10, now=t("08:00"))
    assert plan_delay_notices(BACK_TO_BACK, est, 10) == [
        DelayNotice(1, t("09:10"), False), DelayNotice(2, t("09:40"), False),
        DelayNotice(3, t("10:10"), False)]


def test_only_bookings_late_by_threshold_are_notified_after_a_gap():
    day = [bk(1, "09:00", "09:30"), bk(2, "09:50", "10:20")]
    est = cascade_estimates(day, 25, now=t("08:00"))  # 1: +25, 2: +5
    assert plan_delay_notices(day, est, 10) == [DelayNotice(1, t("09:25"), False)]


def test_update_only_when_estimate_moves_by_threshold_from_what_was_told():
    told = [bk(1, "09:00", "09:30", told="09:15")]
    # delay +20: moved 5 from told -> nothing.
    assert plan_delay_notices(told, cascade_estimates(told, 20, t("08:00")), 10) == []
    # delay +25: moved exactly 10 -> update.
    assert plan_delay_notices(told, cascade_estimates(told, 25, t("08:00")), 10) == [
        DelayNotice(1, t("09:25"), False)]
    # delay +30: moved 15 -> update.
    assert plan_delay_notices(told, cascade_estimates(told, 30, t("08:00")), 10) == [
        DelayNotice(1, t("09:30"), False)]


def test_estimate_moving_earlier_but_still_late_sends_update():
    told = [bk(1, "09:00", "09:30", told="09:40")]
    est = cascade_estimates(told, 25, t("08:00"))
    assert plan_delay_notices(told, est, 10) == [DelayNotice(1, t("09:25"), False)]


def test_back_on_time_sends_all_clear_to_exactly_those_told():
    day = [bk(1, "09:00", "09:30", told="09:15"), bk(2, "09:30", "10:00", told="09:45"),
           bk(3, "10:00", "10:30"), bk(4, "10:30", "11:00")]
    est = cascade_estimates(day, 0, now=t("08:00"))
    assert plan_delay_notices(day, est, 10) == [
        DelayNotice(1, t("09:00"), True), DelayNotice(2, t("09:30"), True)]


def test_all_clear_when_estimate_drops_under_threshold_but_not_to_zero():
    day = [bk(1, "09:00", "09:30", told="09:20")]
    est = cascade_estimates(day, 5, now=t("08:00"))  # moved 15, now only 5 late
    assert plan_delay_notices(day, est, 10) == [DelayNotice(1, t("09:00"), True)]


def test_bookings_without_estimate_are_ignored():
    day = [bk(1, "09:00", "09:30", "arrived", told="09:15"), bk(2, "09:30", "10:00")]
    assert plan_delay_notices(day, {2: t("09:30")}, 10) == []


def test_plan_rejects_bad_threshold_and_unknown_ids():
    with pytest.raises(ValueError):
        plan_delay_notices(BACK_TO_BACK, {}, 0)
    with pytest.raises(ValueError):
        plan_delay_notices(BACK_TO_BACK, {99: t("09:00")}, 10)


# --- overrun_delay_minutes -------------------------------------------------------

def test_overrun_minutes_respects_grace_boundary():
    day = [bk(1, "09:00", "09:30", "arrived"), bk(2, "09:30", "10:00")]
    assert overrun_delay_minutes(day, t("09:35") - 1) == 0
    assert overrun_delay_minutes(day, t("09:35")) == 5
    assert overrun_delay_minutes(day, t("09:50")) == 20
    assert overrun_delay_minutes(day, t("09:50") + 1) == 21  # rounded up
    assert overrun_delay_minutes(day, t("09:30"), grace_minutes=0) == 0
    assert overrun_delay_minutes(day, t("09:31"), grace_minutes=0) == 1
    assert overrun_delay_minutes(day, t("09:40"), grace_minutes=15) == 0


def test_overrun_ignores_other_statuses_and_rejects_negative_grace():
    day = [bk(1, "09:00", "09:30", "completed"), bk(2, "09:00", "09:30", "confirmed")]
    assert overrun_delay_minutes(day, t("10:00")) == 0
    assert overrun_delay_minutes([], t("10:00")) == 0
    with pytest.raises(ValueError):
        overrun_delay_minutes(day, t("10:00"), grace_minutes=-1)


# --- properties ------------------------------------------------------------------

STATUS = st.sampled_from(["confirmed"] * 4 + ["arrived", "completed", "no_show", "cancelled"])


@st.composite
def days(draw):
    """A day of bookings (possibly overlapping, any order) and a 'now' within it."""
    n = draw(st.integers(0, 8))
    out = []
    for i in range(n):
        start = DAY + draw(st.integers(0, 24 * 60)) * 60 + draw(st.integers(0, 59))
        dur = draw(st.integers(0, 120)) * 60
        told = draw(st.none() | st.integers(start - 3600, start + 6 * 3600))
        out.append(DayBooking(i + 1, start, start + dur, draw(STATUS), told))
    now = DAY + draw(st.integers(0, 26 * 3600))
    return draw(st.permutations(out)), now


@given(days(), st.integers(0, 300), st.integers(0, 300))
def test_estimates_are_late_monotone_and_never_overlap(day, d1, d2):
    bookings, now = day
    low, high = sorted((d1, d2))
    est_low = cascade_estimates(bookings, low, now)
    est_high = cascade_estimates(bookings, high, now)
    assert est_low.keys() == est_high.keys()
    by_id = {b.booking_id: b for b in bookings}
    for bid, est in est_high.items():
        assert est >= by_id[bid].start
        assert est >= est_low[bid]
    ordered = sorted((by_id[bid] for bid in est_high), key=lambda b: (b.start, b.booking_id))
    for prev, cur in itertools.pairwise(ordered):
        assert est_high[cur.booking_id] >= est_high[prev.booking_id] + (prev.end - prev.start)


@given(days(), st.integers(0, 300), st.integers(1, 60))
def test_notices_respect_threshold(day, delay, threshold):
    bookings, now = day
    est = cascade_estimates(bookings, delay, now)
    by_id = {b.booking_id: b for b in bookings}
    notices = plan_delay_notices(bookings, est, threshold)
    sent = {n.booking_id for n in notices}
    assert len(sent) == len(notices) and sent <= est.keys()
    for bid, e in est.items():
        told = by_id[bid].told_estimate
        moved = e - by_id[bid].start if told is None else abs(e - told)
        assert (bid in sent) == (moved >= threshold * 60)
    for n in notices:
        b = by_id[n.booking_id]
        if n.all_clear:
            assert n.estimate == b.start and b.told_estimate is not None
        else:
            assert n.estimate - b.start >= threshold * 60
