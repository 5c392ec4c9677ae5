"""Turning domain objects into API.md JSON; times in the zone the reader asked for."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from booking.models import Booking, Business, Service, Staff
from booking.slots.engine import Slot
from booking.timezones import zone


def iso_in(moment: datetime | None, tz_name: str) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(zone(tz_name)).isoformat()


def epoch_iso(seconds: int, tz_name: str) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).astimezone(zone(tz_name)).isoformat()


def slot_json(slot: Slot, tz_name: str) -> dict[str, Any]:
    return {"start": epoch_iso(slot.start, tz_name), "end": epoch_iso(slot.end, tz_name),
            "staff_ids": list(slot.staff_ids)}


def business_json(business: Business) -> dict[str, Any]:
    return {"id": business.id, "slug": business.slug, "name": business.name, "timezone": business.timezone,
            "locale": business.locale, "min_notice_minutes": business.min_notice_minutes,
            "max_advance_days": business.max_advance_days,
            "cancellation_cutoff_hours": business.cancellation_cutoff_hours,
            "reminder_offsets_minutes": list(business.reminder_offsets_minutes or []),
            "delay_notice_threshold_minutes": business.delay_notice_threshold_minutes,
            "quiet_hours_start": clock_text(business.quiet_hours_start_minute),
            "quiet_hours_end": clock_text(business.quiet_hours_end_minute),
            "feedback_requests": business.feedback_requests, "retention_months": business.retention_months}


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def staff_json(staff: Staff) -> dict[str, Any]:
    return {"id": staff.id, "name": staff.name, "email": staff.email, "timezone": staff.timezone}


def service_json(service: Service) -> dict[str, Any]:
    return {"id": service.id, "name": service.name, "description": service.description,
            "price": str(service.price) if service.price is not None else None,
            "duration_minutes": service.duration_minutes,
            "buffer_before_minutes": service.buffer_before_minutes,
            "buffer_after_minutes": service.buffer_after_minutes,
            "slot_interval_minutes": service.interval_minutes, "capacity": service.capacity,
            "staff_ids": [member.id for member in service.staff if member.active]}


def booking_json(booking: Booking, tz_name: str) -> dict[str, Any]:
    customer = booking.customer
    return {"id": booking.id, "status": booking.status, "start": iso_in(booking.start_utc, tz_name),
            "end": iso_in(booking.end_utc, tz_name), "staff_id": booking.staff_id,
            "service_id": booking.service_id,
            "customer": {"name": customer.name, "email": customer.email, "phone": customer.phone},
            "source": booking.source, "notes": booking.notes,
            "estimated_start": iso_in(booking.estimated_start_utc or booking.start_utc, tz_name),
            "created_at": iso_in(booking.created_at, tz_name), "updated_at": iso_in(booking.updated_at, tz_name)}
