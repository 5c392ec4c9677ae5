"""The workspace for owners and staff (under /app): today's bookings, running late, a booking's
messages, (owners) the health of the outbox and the calendar feeds. Each module adds its views to `bp`."""
from __future__ import annotations

from booking.web.staff import bookings, feeds, notifications, today
from booking.web.staff.blueprint import bp

__all__ = ["bookings", "bp", "feeds", "notifications", "today"]
from booking.web.staff import calendars  # noqa: E402,F401 - external calendars and conflicts
