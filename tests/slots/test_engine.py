"""Hand-computed examples for find_slots, is_bookable and nearest_slots."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from booking.slots.engine import (
    ExistingBooking,
    ServiceRules,
    Slot,
    StaffInput,
    find_slots,
    is_bookable,
    nearest_slots,
)

DAY_START = int(datetime(2027, 1, 4, tzinfo=timezone.utc).timestamp())
DAY_END = DAY_START + 86400
NEVER, FOREVER = 0, 2**40


def at(hour: int, minute: int = 0) -> int:
    """Epoch seconds of hh:mm UTC on 2027-01-04."""
    return DAY_START + hour * 3600 + minute * 60


def hhmm(starts: list[int]) -> list[str]:
    """Starts as UTC 'HH:MM' strings, for readable assertions."""
    return [datetime.fromtimestamp(s, timezone.utc).strftime("%H:%M") for s in starts]


def booking(start: int, minutes: int, service_id: int = 9,
            before: int = 0, after: int = 0) -> ExistingBooking:
    """A booking whose blocked range includes its own ``before``/``after`` buffers."""
    return ExistingBooking(start=start, block_start=start - before * 60,
                           block_end=start + (minutes + after) * 60, service_id=service_id)


def starts_of(service: ServiceRules, staff: StaffInput,
              earliest: int = NEVER, latest: int = FOREVER) -> list[str]:
    """Bookable starts on 2027-01-04 for one staff member, as 'HH:MM'."""
    return hhmm([s.start for s in find_slots(service, [staff], DAY_START, DAY_END, earliest, latest)])


MORNING = [(at(9), at(12))]


def test_grid_starts_at_window_start_and_slots_must_fit() -> None:
    slots = find_slots(ServiceRules(1, 45, interval_minutes=30), [StaffInput(1, MORNING, [])],
                       DAY_START, DAY_END, NEVER, FOREVER)
    assert hhmm([s.start for s in slots]) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert all(s.end == s.start + 45 * 60 and s.staff_ids == (1,) for s in slots)


def test_interval_defaults_to_duration() -> None:
    assert starts_of(ServiceRules(1, 60), StaffInput(1, MORNING, [])) == ["09:00", "10:00", "11:00"]


def test_grid_is_anchored_after_time_off() -> None:
    # Time off 10:00-10:10 was subtracted upstream: the second window starts at 10:10.
    windows = [(at(9), at(10)), (at(10, 10), at(12))]
    assert starts_of(ServiceRules(1, 30), StaffInput(1, windows, [])) == [
        "09:00", "09:30", "10:10", "10:40", "11:10"]


def test_bookings_do_not_reanchor_the_grid() -> None:
    staff = StaffInput(1, MORNING, [booking(at(9, 10), 30)])
    assert starts_of(ServiceRules(1, 30, interval_minutes=15), staff) == [
        "09:45", "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30"]


def test_touching_a_booking_is_allowed() -> None:
    staff = StaffInput(1, MORNING, [booking(at(10), 60)])
    assert starts_of(ServiceRules(1, 60), staff) == ["09:00", "11:00"]


def test_buffers_of_candidate_and_booking() -> None:
    # Booking 10:15-11:00 with 15 min own buffers blocks 10:00-11:15.  Candidate
    # [s-15, s+30+15) must avoid it: forbidden starts are (09:15, 11:30).
    staff = StaffInput(1, MORNING, [booking(at(10, 15), 45, before=15, after=15)])
    service = ServiceRules(1, 30, buffer_before_minutes=15, buffer_after_minutes=15, interval_minutes=15)
    # Only [s, s + 30) must fit the window, so 11:30 is fine though its after-buffer is not.
    assert starts_of(service, staff) == ["09:00", "09:15", "11:30"]


def test_busy_blocks_block_like_bookings() -> None:
    staff = StaffInput(1, MORNING, [], busy=[(at(10, 30), at(11)), (at(9), at(9, 5))])
    assert starts_of(ServiceRules(1, 30), staff) == ["09:30", "10:00", "11:00", "11:30"]


def test_capacity_three_group_fills_up() -> None:
    service = ServiceRules(service_id=5, duration_minutes=60, interval_minutes=30, capacity=3)
    everything = ["09:00", "09:30", "10:00", "10:30", "11:00"]
    for seats, expected in [(0, everything), (1, ["09:00", "10:00", "11:00"]),
                            (2, ["09:00", "10:00", "11:00"]), (3, ["09:00", "11:00"])]:
        staff = StaffInput(1, MORNING, [booking(at(10), 60, service_id=5)] * seats)
        assert starts_of(service, staff) == expected, seats


def test_group_of_another_service_blocks() -> None:
    staff = StaffInput(1, MORNING, [booking(at(10), 60, service_id=7)])
    assert starts_of(ServiceRules(5, 60, capacity=3), staff) == ["09:00", "11:00"]


def test_group_start_still_needs_window_grid_and_other_bookings_clear() -> None:
    service = ServiceRules(service_id=5, duration_minutes=60, interval_minutes=60, capacity=3)
    off_grid = StaffInput(1, MORNING, [booking(at(10, 30), 60, service_id=5)])
    assert starts_of(service, off_grid) == ["09:00"]
    overlapped = StaffInput(1, MORNING, [booking(at(10), 60, service_id=5), booking(at(10, 30), 15)])
    assert starts_of(service, overlapped) == ["09:00", "11:00"]
    too_late = StaffInput(1, MORNING, [booking(at(11), 60, service_id=5)])
    assert starts_of(service, too_late, latest=at(10)) == ["09:00", "10:00"]


def test_open_groups_block_each_other() -> None:
    service = ServiceRules(service_id=5, duration_minutes=60, interval_minutes=30, capacity=3)
    staff = StaffInput(1, MORNING, [booking(at(10), 60, service_id=5), booking(at(10, 30), 60, service_id=5)])
    assert starts_of(service, staff) == ["09:00"]


def test_capacity_one_every_booking_blocks() -> None:
    staff = StaffInput(1, MORNING, [booking(at(10), 60, service_id=5)])
    assert starts_of(ServiceRules(5, 60), staff) == ["09:00", "11:00"]


def test_earliest_and_latest_are_inclusive_range_end_is_exclusive() -> None:
    staff = StaffInput(1, MORNING, [])
    service = ServiceRules(1, 30)
    assert starts_of(service, staff, earliest=at(9, 30), latest=at(11)) == [
        "09:30", "10:00", "10:30", "11:00"]
    assert starts_of(service, staff, earliest=at(9, 31), latest=at(10, 59)) == ["10:00", "10:30"]
    slots = find_slots(service, [staff], at(9), at(10), NEVER, FOREVER)
    assert hhmm([s.start for s in slots]) == ["09:00", "09:30"]
    assert find_slots(service, [staff], at(9), at(12), at(11), at(10)) == []


def test_any_staff_reports_each_start_once_with_sorted_ids() -> None:
    service = ServiceRules(1, 60)
    staff = [StaffInput(7, [(at(10), at(12))], []), StaffInput(3, MORNING, [booking(at(11), 60)])]
    slots = find_slots(service, staff, DAY_START, DAY_END, NEVER, FOREVER)
    assert slots == [Slot(at(9), at(10), (3,)), Slot(at(10), at(11), (3, 7)), Slot(at(11), at(12), (7,))]


def test_duplicate_staff_is_rejected() -> None:
    with pytest.raises(ValueError):
        find_slots(ServiceRules(1, 60), [StaffInput(1, MORNING, [])] * 2, DAY_START, DAY_END, NEVER, FOREVER)


def test_is_bookable_uses_the_same_rules() -> None:
    service = ServiceRules(5, 60, capacity=2)
    staff = StaffInput(1, MORNING, [booking(at(10), 60, service_id=5)])
    assert is_bookable(service, staff, at(10), NEVER, FOREVER)
    assert not is_bookable(service, staff, at(9, 30), NEVER, FOREVER)  # off grid
    assert not is_bookable(service, staff, at(11), at(11, 1), FOREVER)  # before earliest
    assert is_bookable(service, staff, at(11), NEVER, at(11))
    assert not is_bookable(service, StaffInput(1, MORNING, [booking(at(10), 60, service_id=5)] * 2),
                           at(10), NEVER, FOREVER)


@pytest.mark.parametrize("kwargs", [dict(duration_minutes=0), dict(buffer_before_minutes=-1),
                                    dict(interval_minutes=0), dict(capacity=0)])
def test_invalid_service_rules(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ServiceRules(**{"service_id": 1, "duration_minutes": 30, **kwargs})


def test_nearest_slots_ties_prefer_earlier_and_result_is_sorted() -> None:
    slots = [Slot(t, t + 1, (1,)) for t in (100, 200, 300, 400, 500)]
    assert [s.start for s in nearest_slots(slots, 250, limit=3)] == [100, 200, 300]
    assert [s.start for s in nearest_slots(slots, 260, limit=2)] == [200, 300]
    assert [s.start for s in nearest_slots(slots, 1000)] == [100, 200, 300, 400, 500]
    assert [s.start for s in nearest_slots(slots[::-1], 400, limit=2)] == [300, 400]
    assert nearest_slots(slots, 250, limit=0) == []
