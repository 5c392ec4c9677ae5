"""Delay estimates and delay notices for one staff member's day (PURE, stdlib only).

SPEC.md "Notifications" / "Delay notices": when staff report running N minutes
late (or the appointment marked arrived overruns its end), the first booking that
has not begun gets the estimated start ``scheduled + N``; every later one gets
``max(its scheduled start, the previous booking's estimated end)``, so a gap
absorbs the delay.  Customers are told when their estimate differs from the
scheduled start by at least a threshold, updated only when the estimate moves by
the threshold again, and sent an all-clear when it falls back under it.

All instants are integer epoch seconds (UTC); all durations named ``*_minutes``
are integer minutes.  Bookings may be passed in any order; they are processed
sorted by ``(start, booking_id)``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STATUSES = frozenset({"confirmed", "arrived", "completed", "no_show", "cancelled"})


@dataclass(frozen=True, slots=True)
class DayBooking:
    """One booking of the staff member's day, as the delay planner sees it.

    ``told_estimate`` is the estimated start this customer was last told, or
    None if they were never told or were last sent an all-clear.
    """

    booking_id: int
    start: int
    end: int
    status: str
    told_estimate: int | None


@dataclass(frozen=True, slots=True)
class DelayNotice:
    """A notice to send: a new estimate, or an all-clear (``estimate == start``)."""

    booking_id: int
    estimate: int
    all_clear: bool


def _sorted_checked(bookings: Sequence[DayBooking]) -> list[DayBooking]:
    """Return ``bookings`` sorted by (start, id); ValueError on malformed input."""
    seen: set[int] = set()
    for b in bookings:
        if b.status not in STATUSES:
            raise ValueError(f"booking {b.booking_id}: unknown status {b.status!r}")
        if b.end < b.start:
            raise ValueError(f"booking {b.booking_id}: end {b.end} before start {b.start}")
        if b.booking_id in seen:
            raise ValueError(f"duplicate booking id {b.booking_id}")
        seen.add(b.booking_id)
    return sorted(bookings, key=lambda b: (b.start, b.booking_id))


def _busy_until(bookings: Sequence[DayBooking], now: int) -> int | None:
    """``now`` if an arrived booking is past its scheduled end (``end <= now``), else None."""
    if any(b.status == "arrived" and b.end <= now for b in bookings):
        return now
    return None


def cascade_estimates(bookings: Sequence[DayBooking], delay_minutes: int, now: int) -> dict[int, int]:
    """Return ``{booking_id: estimated start}`` for every booking that has not begun.

    A booking has *not begun* iff its status is ``"confirmed"`` and ``end > now``
    (strict: a confirmed booking whose scheduled end is exactly ``now`` is over).
    Arrived, completed, no-show and cancelled bookings get no estimate.

    The first not-begun booking (by start, then id) is estimated at
    ``max(start, start + delay_minutes * 60, busy_until)``, where ``busy_until``
    is ``now`` when some ``"arrived"`` booking has ``end <= now`` (it is
    overrunning, so nothing can start before now) and has no effect otherwise.
    Each later not-begun booking is estimated at ``max(start, previous estimate
    + previous duration)``, so an idle gap absorbs delay and a gap larger than
    the remaining delay stops the cascade.  Estimates are never earlier than the
    scheduled start and consecutive estimated intervals never overlap.  Every
    not-begun booking is in the result, including those with estimate == start.

    ``delay_minutes == 0`` means back on time; ``delay_minutes < 0`` raises
    ValueError, as do malformed bookings (unknown status, end < start,
    duplicate id).
    """
    if delay_minutes < 0:
        raise ValueError(f"delay_minutes must be >= 0, got {delay_minutes}")
    ordered = _sorted_checked(bookings)
    pending = [b for b in ordered if b.status == "confirmed" and b.end > now]
    busy = _busy_until(ordered, now)
    estimates: dict[int, int] = {}
    free_at: int | None = None  # estimated end of the previous not-begun booking
    for b in pending:
        if free_at is None:
            est = max(b.start + delay_minutes * 60, b.start if busy is None else busy)
        else:
            est = max(b.start, free_at)
        estimates[b.booking_id] = est
        free_at = est + (b.end - b.start)
    return estimates


def _notice_for(b: DayBooking, est: int, threshold: int) -> DelayNotice | None:
    """The notice (if any) for one booking given its estimate; threshold in seconds."""
    late = est - b.start >= threshold
    if b.told_estimate is None:
        return DelayNotice(b.booking_id, est, False) if late else None
    if abs(est - b.told_estimate) < threshold:
        return None
    if late:
        return DelayNotice(b.booking_id, est, False)
    return DelayNotice(b.booking_id, b.start, True)


def plan_delay_notices(
    bookings: Sequence[DayBooking], estimates: Mapping[int, int], threshold_minutes: int
) -> list[DelayNotice]:
    """Return the notices to send, ordered by scheduled start then id.

    Only bookings whose id is in ``estimates`` are considered.  With
    ``T = threshold_minutes * 60``, ``sched`` the scheduled start, ``est`` the
    estimate and ``told`` the booking's ``told_estimate``:

    - ``told is None``: a delay notice (``estimate=est``) iff ``est - sched >= T``.
    - ``told`` set and ``|est - told| >= T``: a delay update (``estimate=est``)
      if ``est - sched >= T``, otherwise an all-clear (``estimate=sched``,
      ``all_clear=True``).
    - ``told`` set and ``|est - told| < T``: nothing (small moves are not sent).

    All comparisons are inclusive at exactly ``T``.  ValueError if
    ``threshold_minutes < 1``, if ``estimates`` names an id not in
    ``bookings``, or on malformed bookings.
    """
    if threshold_minutes < 1:
        raise ValueError(f"threshold_minutes must be >= 1, got {threshold_minutes}")
    ordered = _sorted_checked(bookings)
    unknown = set(estimates) - {b.booking_id for b in ordered}
    if unknown:
        raise ValueError(f"estimates for unknown bookings: {sorted(unknown)}")
    notices: list[DelayNotice] = []
    for b in ordered:
        if b.booking_id in estimates:
            notice = _notice_for(b, estimates[b.booking_id], threshold_minutes * 60)
            if notice is not None:
                notices.append(notice)
    return notices


def overrun_delay_minutes(bookings: Sequence[DayBooking], now: int, grace_minutes: int = 5) -> int:
    """Return by how many whole minutes (rounded up) an arrived booking overruns.

    Considers bookings with status ``"arrived"`` and ``end + grace_minutes * 60
    <= now`` (inclusive: at exactly the end of the grace period it counts) and
    returns the largest ``ceil((now - end) / 60)`` among them; 0 if there is
    none.  The grace only decides *whether* an overrun counts; once it does, the
    full overrun since the scheduled end is returned (e.g. end 09:30, grace 5,
    now 09:35 -> 5; now 09:34:59 -> 0).  ValueError if ``grace_minutes < 0``.
    """
    if grace_minutes < 0:
        raise ValueError(f"grace_minutes must be >= 0, got {grace_minutes}")
    overruns = [
        -(-(now - b.end) // 60)
        for b in bookings
        if b.status == "arrived" and b.end + grace_minutes * 60 <= now
    ]
    return max(overruns, default=0)
