"""Pure slot computation: working windows and bookable start times.

Depends only on the standard library; nothing here touches the database,
Flask or the clock - callers pass ``now``-derived bounds in explicitly.
"""
from booking.slots.engine import (
    ExistingBooking,
    ServiceRules,
    Slot,
    StaffInput,
    find_slots,
    is_bookable,
    nearest_slots,
)
from booking.slots.intervals import Interval, merge, overlaps, subtract
from booking.slots.rules import DayRanges, working_windows

__all__ = [
    "DayRanges",
    "ExistingBooking",
    "Interval",
    "ServiceRules",
    "Slot",
    "StaffInput",
    "find_slots",
    "is_bookable",
    "merge",
    "nearest_slots",
    "overlaps",
    "subtract",
    "working_windows",
]
