"""Integer interval arithmetic on half-open ``[start, end)`` intervals.

All values are epoch seconds (or any integers).  An interval with
``end <= start`` is empty: it contains nothing and overlaps nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval], *, join_touching: bool = True) -> list[Interval]:
    """Return the union of ``intervals`` as a sorted list of disjoint intervals.

    Input may be in any order and may overlap.  Overlapping intervals are
    always merged; touching ones (``[1, 3)`` and ``[3, 5)``) are merged into
    ``[1, 5)`` unless ``join_touching`` is False, in which case they stay
    separate (they are still disjoint, half-open).  Empty intervals
    (``end <= start``) are dropped.
    """
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and (start < out[-1][1] or (join_touching and start == out[-1][1])):
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(windows: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """Return ``windows`` minus ``holes``.

    Both inputs must be sorted by start and non-overlapping (touching is
    fine, e.g. the output of :func:`merge` or per-day window lists).  A
    window that a hole touches without overlapping is kept whole.  The
    remaining pieces keep their original boundaries where no hole cut them;
    pieces of different windows are never merged.

    Runs as one forward sweep: because both lists are sorted, a hole that
    ends before the current window can never matter to a later window, so
    the hole pointer only moves forward.
    """
    out: list[Interval] = []
    j = 0
    n_holes = len(holes)
    for w_start, w_end in windows:
        while j < n_holes and holes[j][1] <= w_start:
            j += 1
        cur = w_start
        while j < n_holes and holes[j][0] < w_end:
            h_start, h_end = holes[j]
            if h_start > cur:
                out.append((cur, h_start))
            cur = max(cur, h_end)
            if h_end > w_end:
                # The hole runs on into the next window: keep the pointer on it.
                break
            j += 1
        if cur < w_end:
            out.append((cur, w_end))
    return out


def overlaps(a: Interval, b: Interval) -> bool:
    """Return True when half-open ``a`` and ``b`` share at least one point.

    Touching intervals (``a[1] == b[0]``) do not overlap, and an empty
    interval overlaps nothing.
    """
    return max(a[0], b[0]) < min(a[1], b[1])


def contains(outer: Interval, inner: Interval) -> bool:
    """Return True when ``inner`` lies entirely inside ``outer``.

    ``inner`` may share either boundary with ``outer`` (``[2, 4)`` is
    inside ``[2, 4)``).
    """
    return outer[0] <= inner[0] and inner[1] <= outer[1]
