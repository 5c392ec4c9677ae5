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
# Hypothesis favours early alternatives, so the common case comes first.
day_ranges = st.one_of(_open_day, _open_day, _open_day, st.just([]))


week = st.lists(day_ranges, min_size=7, max_size=7)
# (day offset from the anchor day, ranges); an empty list closes the day.
override_specs = st.lists(st.tuples(st.integers(-2, 2), st.lists(day_range, max_size=2)), max_size=2)
# (offset, length) in 5-minute steps from the anchor midnight.
span_specs = st.lists(st.tuples(st.integers(-288, 864), st.integers(1, 60)), max_size=3)
# (offset in 15-minute steps, same service as queried?, seats, before, length, after).
# Offsets are mostly near a per-staff "busy hour" so that groups collide.
group_specs = st.lists(
    st.tuples(st.one_of(st.integers(-4, 8), st.integers(-8, 288)),
              st.sampled_from([True, True, True, False]), st.sampled_from([1, 1, 2, 3, 4]),
              st.sampled_from([0, 10]), st.sampled_from([15, 30, 60]), st.sampled_from([0, 5])),
    max_size=6)
other_zone = st.one_of(st.none(), st.none(), st.none(), st.none(), st.sampled_from(ZONES))


def _spans(anchor: int, specs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(anchor + k * 5 * MIN, anchor + (k + n) * 5 * MIN) for k, n in specs]


@st.composite
def staff_members(draw: st.DrawFn, staff_id: int, zone: str, anchor_day: date, anchor: int,
                  service_id: int) -> NaiveStaff:
    """One staff member with hours, overrides, time off, bookings and busy blocks."""
    zone = draw(other_zone) or zone
    weekly = dict(enumerate(draw(week)))
    overrides = {anchor_day + timedelta(days=k): ranges for k, ranges in draw(override_specs)}
    time_off = _spans(anchor, draw(span_specs))
    busy = _spans(anchor, draw(span_specs))
    bookings: list[ExistingBooking] = []
    busy_hour = anchor + draw(st.integers(0, 71)) * 60 * MIN
    for k, same, seats, before, length, after in draw(group_specs):
        start = busy_hour + k * 15 * MIN
        booking = ExistingBooking(start=start, block_start=start - before * MIN,
                                  block_end=start + (length + after) * MIN,
                                  service_id=service_id if same else 3 - service_id)
        bookings.extend([booking] * seats)
    return NaiveStaff(staff_id, zone, weekly, overrides, time_off, bookings, busy)


services = st.builds(
    ServiceRules,
    service_id=st.sampled_from([1, 2]),
    duration_minutes=st.sampled_from([15, 20, 30, 45, 60, 90, 120]),
    buffer_before_minutes=st.sampled_from([0, 0, 5, 10, 15, 30]),
    buffer_after_minutes=st.sampled_from([0, 0, 5, 10, 15, 30]),
    interval_minutes=st.one_of(st.none(), st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
    capacity=st.sampled_from([1, 3, 2, 1, 3]),
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
    jitter = st.integers(0, 59)
    length = draw(st.sampled_from([2880, 4320, 1440, 2880, 4320, 180, 1])) + draw(jitter)
    range_end = range_start + length * MIN
    earliest = range_start + draw(st.sampled_from([-1440, -600, -60, 0, -1440, -600, 37, 600])) * MIN
    advance = draw(st.sampled_from([7200, 2880, 1440, 7200, 2880, 240, 0, -60])) + draw(jitter)
    latest = earliest + advance * MIN
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
