"""The workspace for owners and staff (under /app). Each module adds its views to `bp`:
the day's bookings and running late, the calendar, phone bookings and a booking's details,
customers, external calendars and conflicts, and (owners) messages, feeds, reports, settings."""
from __future__ import annotations

from booking.web.staff import (
    bookings,
    calendar_view,
    calendars,
    customers,
    feeds,
    notifications,
    phone_booking,
    reports,
    settings,
    settings_audit,
    settings_schedule,
    settings_services,
    settings_staff,
    settings_users,
    today,
)
from booking.web.staff.blueprint import bp

__all__ = ["bookings", "bp", "calendar_view", "calendars", "customers", "feeds", "notifications",
           "phone_booking", "reports", "settings", "settings_audit", "settings_schedule", "settings_services",
           "settings_staff", "settings_users", "today"]
