"""Slot engine: which start times can be booked, for one service, per staff.

All instants are integer epoch seconds (UTC) and all intervals half-open
``[start, end)``.  A start ``s`` for service S with staff member P is
bookable when all of these hold:

1. ``[s, s + duration)`` lies inside one of P's working windows.
2. ``[s - buffer_before, s + duration + buffer_after)`` overlaps no
   booking's blocked range and no busy block (touching is fine).
3. With ``capacity > 1``, the bookings of the same service that start
   exactly at ``s`` are ignored for rule 2 while there are fewer than
   ``capacity`` of them (an open group can be joined); a full group blocks
   like any booking.  With ``capacity == 1`` every booking blocks.
4. ``earliest <= s <= latest``.
5. ``s`` is its window's start plus a whole number of slot intervals, in
   real elapsed seconds.  Bookings do not re-anchor the grid.

The work per staff member is one sweep over sorted windows and sorted
forbidden-start intervals with forward-only pointers, so the cost is
O(windows + blocks log blocks + slots), never O(slots x blocks).
"""
from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from booking.slots.intervals import Interval, merge

_MINUTE = 60


@dataclass(frozen=True, slots=True)
class ServiceRules:
    """Booking rules of one service, in minutes.

    ``interval_minutes`` is the slot-grid step (None means the duration).
    ``capacity`` is the number of seats per start (group size); 1 means an
    ordinary one-to-one appointment.  Raises ValueError for a non-positive
    duration, interval or capacity, or a negative buffer.
    """

    service_id: int
    duration_minutes: int
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    interval_minutes: int | None = None
    capacity: int = 1

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.buffer_before_minutes < 0 or self.buffer_after_minutes < 0:
            raise ValueError("buffers must not be negative")
        if self.interval_minutes is not None and self.interval_minutes <= 0:
            raise ValueError("interval_minutes must be positive")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")


@dataclass(frozen=True, slots=True)
class ExistingBooking:
    """An active (not cancelled) booking of a staff member.

    ``block_start``/``block_end`` already include the booking's own buffers:
    ``[block_start, block_end)`` is the range it keeps the staff member busy.
    ``start`` is the appointment start, used to recognise group members.
    """

    start: int
    block_start: int
    block_end: int
    service_id: int


@dataclass(frozen=True, slots=True)
class StaffInput:
    """Everything the engine needs about one staff member.

    ``windows`` come from :func:`booking.slots.rules.working_windows`
    (sorted, disjoint, time off already removed).  ``bookings`` and ``busy``
    may be in any order and may overlap.
    """

    staff_id: int
    windows: Sequence[Interval]
    bookings: Sequence[ExistingBooking]
    busy: Sequence[Interval] = ()


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start: ``end`` is ``start + duration`` (buffers excluded);
    ``staff_ids`` lists, ascending, every staff member bookable at ``start``."""

    start: int
    end: int
    staff_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Geometry:
    """A service's lengths in seconds, computed once per query."""

    duration: int
    before: int
    after: int
    step: int
    service_id: int
    capacity: int

    @classmethod
    def of(cls, service: ServiceRules) -> _Geometry:
        """Seconds for ``service``; the grid step defaults to the duration."""
        step = service.interval_minutes or service.duration_minutes
        return cls(
            duration=service.duration_minutes * _MINUTE,
            before=service.buffer_before_minutes * _MINUTE,
            after=service.buffer_after_minutes * _MINUTE,
            step=step * _MINUTE,
            service_id=service.service_id,
            capacity=service.capacity,
        )

    def forbidden(self, block: Interval) -> Interval:
        """Starts whose buffered appointment overlaps ``block``.

        ``[s - before, s + duration + after)`` overlaps ``[bs, be)`` iff
        ``bs - duration - after < s < be + before``; on integers the open
        lower bound becomes the closed ``bs - duration - after + 1``.
        """
        return (block[0] - self.duration - self.after + 1, block[1] + self.before)


def _forbidden_starts(geo: _Geometry, blocks: Iterable[Interval], lo: int, hi: int) -> list[Interval]:
    """Merged forbidden-start intervals of ``blocks`` that can affect ``[lo, hi]``."""
    relevant: list[Interval] = []
    for block in blocks:
        if block[1] > block[0]:
            f_start, f_end = geo.forbidden(block)
            if f_end > lo and f_start <= hi:
                relevant.append((f_start, f_end))
    return merge(relevant)


def _ceil_grid(anchor: int, at_least: int, step: int) -> int:
    """The first grid point ``anchor + k * step`` (k >= 0) that is ``>= at_least``."""
    if at_least <= anchor:
        return anchor
    return anchor + -(-(at_least - anchor) // step) * step


def _grid_starts(geo: _Geometry, windows: Sequence[Interval], forbidden: Sequence[Interval],
                 lo: int, hi: int) -> list[int]:
    """Grid starts in ``[lo, hi]`` that fit a window and avoid ``forbidden``.

    ``forbidden`` must be sorted and disjoint.  Runs of allowed starts are
    emitted with ``range`` so the loop body runs per forbidden interval,
    not per slot.
    """
    out: list[int] = []
    step, duration = geo.step, geo.duration
    j, n_forbidden = 0, len(forbidden)
    first = bisect_left(windows, lo + duration, key=lambda w: w[1])
    for w_start, w_end in windows[first:]:
        if w_start > hi:
            break
        last = min(w_end - duration, hi)
        s = _ceil_grid(w_start, lo, step)
        while s <= last:
            while j < n_forbidden and forbidden[j][1] <= s:
                j += 1
            if j < n_forbidden and forbidden[j][0] <= s:
                s = _ceil_grid(w_start, forbidden[j][1], step)
                continue
            stop = last + 1 if j == n_forbidden else min(last + 1, forbidden[j][0])
            out.extend(range(s, stop, step))
            s = _ceil_grid(w_start, stop, step)
    return out


def _open_groups(geo: _Geometry, bookings: Sequence[ExistingBooking]) -> dict[int, list[ExistingBooking]]:
    """Same-service bookings grouped by start, only groups with a free seat."""
    if geo.capacity == 1:
        return {}
    groups: dict[int, list[ExistingBooking]] = {}
    for booking in bookings:
        if booking.service_id == geo.service_id:
            groups.setdefault(booking.start, []).append(booking)
    return {start: members for start, members in groups.items() if len(members) < geo.capacity}


def _on_grid(geo: _Geometry, windows: Sequence[Interval], start: int) -> bool:
    """Rules 1 and 5 for a single start."""
    idx = bisect_right(windows, start, key=lambda w: w[0]) - 1
    if idx < 0:
        return False
    w_start, w_end = windows[idx]
    return start + geo.duration <= w_end and (start - w_start) % geo.step == 0


def _in_any(intervals: Sequence[Interval], starts: Sequence[int], point: int) -> bool:
    """Whether ``point`` lies in sorted disjoint ``intervals`` (``starts`` = their starts)."""
    idx = bisect_right(starts, point) - 1
    return idx >= 0 and point < intervals[idx][1]


def _covers(geo: _Geometry, booking: ExistingBooking, start: int) -> bool:
    """Whether ``booking`` alone would forbid ``start`` (rule 2)."""
    if booking.block_end <= booking.block_start:
        return False
    f_start, f_end = geo.forbidden((booking.block_start, booking.block_end))
    return f_start <= start < f_end


def _group_starts(geo: _Geometry, staff: StaffInput, groups: dict[int, list[ExistingBooking]],
                  lo: int, hi: int) -> list[int]:
    """Open-group starts in ``[lo, hi]`` that are bookable when their own
    members are ignored (rule 3); every other booking and busy block counts.
    """
    def in_open_group(b: ExistingBooking) -> bool:
        """A same-service booking at a start whose group has a free seat."""
        return b.service_id == geo.service_id and b.start in groups

    others = [(b.block_start, b.block_end) for b in staff.bookings if not in_open_group(b)]
    base = _forbidden_starts(geo, [*others, *staff.busy], lo, hi)
    base_starts = [f[0] for f in base]
    # Other open groups still block: count the group intervals covering a
    # start and discount the ones belonging to the group at that very start.
    group_intervals = [geo.forbidden((b.block_start, b.block_end)) for b in staff.bookings
                       if in_open_group(b) and b.block_end > b.block_start]
    cover_starts = sorted(f[0] for f in group_intervals)
    cover_ends = sorted(f[1] for f in group_intervals)
    out: list[int] = []
    for start, group in groups.items():
        if not lo <= start <= hi or not _on_grid(geo, staff.windows, start):
            continue
        if _in_any(base, base_starts, start):
            continue
        covering = bisect_right(cover_starts, start) - bisect_right(cover_ends, start)
        if covering == sum(_covers(geo, b, start) for b in group):
            out.append(start)
    return out


def _bookable_starts(geo: _Geometry, staff: StaffInput, lo: int, hi: int) -> list[int]:
    """Sorted bookable starts of one staff member within ``[lo, hi]``."""
    blocks: list[Interval] = [(b.block_start, b.block_end) for b in staff.bookings]
    blocks.extend(staff.busy)
    starts = _grid_starts(geo, staff.windows, _forbidden_starts(geo, blocks, lo, hi), lo, hi)
    groups = _open_groups(geo, staff.bookings)
    if not groups:
        return starts
    extra = _group_starts(geo, staff, groups, lo, hi)
    return sorted(set(starts).union(extra)) if extra else starts


def _combine(per_staff: list[tuple[int, list[int]]], duration: int) -> list[Slot]:
    """One Slot per start with the ascending ids of staff bookable then."""
    if len(per_staff) == 1:
        staff_id, starts = per_staff[0]
        ids = (staff_id,)
        return [Slot(s, s + duration, ids) for s in starts]
    by_start: dict[int, list[int]] = {}
    for staff_id, starts in sorted(per_staff, key=lambda item: item[0]):
        for s in starts:
            by_start.setdefault(s, []).append(staff_id)
    return [Slot(s, s + duration, tuple(ids)) for s, ids in sorted(by_start.items())]


def find_slots(service: ServiceRules, staff: Sequence[StaffInput], range_start: int, range_end: int,
               earliest: int, latest: int) -> list[Slot]:
    """Return every bookable start ``s`` for ``service``, sorted by start.

    ``s`` is reported when ``range_start <= s < range_end`` (half-open) and
    ``earliest <= s <= latest`` (both inclusive) and the rules in the module
    docstring hold for at least one member of ``staff``; each start appears
    once, listing all staff members bookable at it ("any staff").  Staff
    ids must be unique (ValueError otherwise).
    """
    ids = [member.staff_id for member in staff]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate staff_id in staff")
    lo, hi = max(range_start, earliest), min(range_end - 1, latest)
    if lo > hi or not staff:
        return []
    geo = _Geometry.of(service)
    per_staff = [(member.staff_id, _bookable_starts(geo, member, lo, hi)) for member in staff]
    return _combine(per_staff, geo.duration)


def is_bookable(service: ServiceRules, staff: StaffInput, start: int, earliest: int, latest: int) -> bool:
    """Whether ``start`` is bookable for ``service`` with this staff member.

    Same rules and code path as :func:`find_slots`; ``earliest`` and
    ``latest`` are inclusive bounds.
    """
    if not earliest <= start <= latest:
        return False
    return start in _bookable_starts(_Geometry.of(service), staff, start, start)


def nearest_slots(slots: Sequence[Slot], target: int, limit: int = 5) -> list[Slot]:
    """The ``limit`` slots whose start is closest to ``target``, sorted by start.

    Distance is ``|start - target|``; on equal distance the earlier slot
    wins.  ``limit <= 0`` gives ``[]``.
    """
    if limit <= 0:
        return []
    chosen = heapq.nsmallest(limit, slots, key=lambda slot: (abs(slot.start - target), slot.start))
    return sorted(chosen, key=lambda slot: slot.start)
