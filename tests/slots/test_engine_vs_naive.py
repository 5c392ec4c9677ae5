"""Property test: the sweep-line engine agrees with the naive reference."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.slots.engine import ExistingBooking, ServiceRules, StaffInput, find_slots, is_bookable
from booking.slots.rules import working_windows

from .naive_reference import NaiveStaff, naive_find_slots

# Change days (and one ordinary day) per zone: the ranges drawn below sit
# within a couple of days of these, so most cases straddle a DST change.
ANCHOR_DAYS: list[tuple[str, date]] = [
    ("Europe/Berlin", date(2027, 3, 28)),
    ("Europe/Berlin", date(2027, 10, 31)),
    ("America/New_York", date(2027, 3, 14)),
    ("America/New_York", date(2027, 11, 7)),
    ("Europe/Berlin", date(2027, 6, 16)),
    ("UTC", date(2027, 3, 28)),
    ("Asia/Kolkata", date(2027, 10, 31)),
]
ZONES = sorted({zone for zone, _ in ANCHOR_DAYS})
MIN = 60

# Minute marks biased towards the 01:00-04:00 change window and usual hours.
minute_marks = st.one_of(
    st.sampled_from([0, 60, 90, 120, 150, 180, 210, 240, 540, 600, 720, 780, 1020, 1440]),
    st.integers(0, 96).map(lambda k: k * 15),
)
day_range = st.tuples(minute_marks, minute_marks).filter(lambda r: r[0] != r[1]).map(
    lambda r: (min(r), max(r)))
_open_day = st.lists(day_range, min_size=1, max_size=3)
day_ranges = st.one_of(st.just([]), _open_day, _open_day, _open_day)


@st.composite
def staff_members(draw: st.DrawFn, staff_id: int, zone: str, anchor_day: date, anchor: int,
                  service_id: int) -> NaiveStaff:
    """One staff member with hours, overrides, time off, bookings and busy blocks."""
    if draw(st.integers(0, 9)) == 0:
        zone = draw(st.sampled_from(ZONES))
    weekly = dict(enumerate(draw(st.lists(day_ranges, min_size=7, max_size=7))))
    override_days = st.integers(-2, 2).map(lambda k: anchor_day + timedelta(days=k))
    overrides = draw(st.dictionaries(override_days, st.lists(day_range, max_size=2), max_size=2))
    spans = st.tuples(st.integers(-288, 864), st.integers(1, 60)).map(
        lambda t: (anchor + t[0] * 5 * MIN, anchor + (t[0] + t[1]) * 5 * MIN))
    time_off = draw(st.lists(spans, max_size=3))
    busy = draw(st.lists(spans, max_size=3))
    bookings: list[ExistingBooking] = []
    # Mostly the queried service, so that open and full groups both occur.
    services_ids = st.sampled_from([service_id, service_id, service_id, 3 - service_id])
    group_spec = st.tuples(st.integers(-8, 288), services_ids, st.integers(1, 4),
                           st.sampled_from([0, 10]), st.sampled_from([15, 30, 60]), st.sampled_from([0, 5]))
    for k, service_id, count, before, length, after in draw(st.lists(group_spec, max_size=6)):
        start = anchor + k * 15 * MIN
        booking = ExistingBooking(start=start, block_start=start - before * MIN,
                                  block_end=start + (length + after) * MIN, service_id=service_id)
        bookings.extend([booking] * count)
    return NaiveStaff(staff_id, zone, weekly, overrides, time_off, bookings, busy)


services = st.builds(
    ServiceRules,
    service_id=st.sampled_from([1, 2]),
    duration_minutes=st.sampled_from([15, 20, 30, 45, 60, 90, 120]),
    buffer_before_minutes=st.sampled_from([0, 0, 5, 10, 15, 30]),
    buffer_after_minutes=st.sampled_from([0, 0, 5, 10, 15, 30]),
    interval_minutes=st.one_of(st.none(), st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
    capacity=st.sampled_from([1, 1, 2, 3]),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[ServiceRules, list[NaiveStaff], int, int, int, int]:
    """A service, 1-3 staff members and a query range near a DST change."""
    zone, anchor_day = draw(st.sampled_from(ANCHOR_DAYS))
    anchor = int(datetime.combine(anchor_day, time(0), tzinfo=ZoneInfo(zone)).timestamp())
    service = draw(services)
    n_staff = draw(st.integers(1, 3))
    staff = [draw(staff_members(10 + i, zone, anchor_day, anchor, service.service_id))
             for i in range(n_staff)]
    range_start = anchor + draw(st.integers(-36 * 60, 24 * 60)) * MIN
    # Mostly long ranges with notice/advance bounds outside them, sometimes
    # short ones and bounds cutting into (or emptying) the range.
    long_minutes = st.integers(24 * 60, 72 * 60)
    range_end = range_start + draw(st.one_of(st.integers(1, 240), long_minutes, long_minutes)) * MIN
    before = st.integers(-24 * 60, 0)
    earliest = range_start + draw(st.one_of(before, before, st.integers(0, 12 * 60))) * MIN
    far = st.integers(24 * 60, 5 * 24 * 60)
    latest = earliest + draw(st.one_of(st.integers(-60, 240), far, far)) * MIN
    return service, staff, range_start, range_end, earliest, latest


def engine_input(person: NaiveStaff, range_start: int, range_end: int) -> StaffInput:
    """What the application would hand the engine for this staff member."""
    windows = working_windows(person.weekly, person.overrides, person.time_off,
                              ZoneInfo(person.tz), range_start, range_end)
    return StaffInput(person.staff_id, windows, person.bookings, person.busy)


@settings(max_examples=1200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios())
def test_find_slots_matches_naive_reference(
        scenario: tuple[ServiceRules, list[NaiveStaff], int, int, int, int]) -> None:
    service, staff, range_start, range_end, earliest, latest = scenario
    expected = naive_find_slots(service, staff, range_start, range_end, earliest, latest)
    inputs = [engine_input(p, range_start, range_end) for p in staff]
    assert find_slots(service, inputs, range_start, range_end, earliest, latest) == expected

    # is_bookable must agree start by start, including at group starts and
    # at starts that are bookable for only some of the staff.
    # Only starts inside the range: the windows were computed for it.
    probes = {slot.start for slot in expected}
    probes.update(b.start for p in staff for b in p.bookings if range_start <= b.start < range_end)
    for member in inputs:
        offered = {slot.start for slot in expected if member.staff_id in slot.staff_ids}
        for start in probes:
            assert is_bookable(service, member, start, earliest, latest) == (start in offered), start
