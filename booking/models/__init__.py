"""Data model; importing this package registers every table on the metadata."""
from booking.models.audit import AuditEntry
from booking.models.bookings import (
    ACTIVE_STATUSES,
    STATUSES,
    Booking,
    BookingEvent,
    overlap_clause,
)
from booking.models.calendars import BusyBlock, CalendarConflict, CalendarFeed, ExternalCalendar, FeedChange
from booking.models.catalog import Service, service_staff
from booking.models.customers import CHANNELS, Customer
from booking.models.heartbeats import SchedulerHeartbeat
from booking.models.retention import PurgedCancellation
from booking.models.outbox import KINDS, NOTIFICATION_STATUSES, Feedback, Notification, StaffDelay
from booking.models.staff import DateOverride, Staff, TimeOff, WeeklyHours
from booking.models.tenancy import Business
from booking.models.users import ROLES, ApiKey, LoginFailure, PasswordReset, User

__all__ = [
    "ACTIVE_STATUSES", "STATUSES", "CHANNELS", "ROLES", "ApiKey", "Booking", "BookingEvent",
    "Business", "Customer", "DateOverride", "Service", "Staff", "TimeOff", "User", "WeeklyHours",
    "overlap_clause", "service_staff", "KINDS", "NOTIFICATION_STATUSES", "Feedback", "Notification",
    "StaffDelay", "BusyBlock", "CalendarConflict", "CalendarFeed", "ExternalCalendar", "FeedChange", "AuditEntry",
    "LoginFailure", "PasswordReset", "SchedulerHeartbeat", "PurgedCancellation",
]
