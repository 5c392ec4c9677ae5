"""The services a business offers."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.models import Business, Service, Staff

SERVICE_FIELDS = ("name", "description", "price", "duration_minutes", "buffer_before_minutes",
                  "buffer_after_minutes", "slot_interval_minutes", "capacity")


def get_service(business: Business, service_id: int, include_inactive: bool = False) -> Service:
    """The active service of this business with that id, else NotFound.
    Owner settings pass `include_inactive` to reach retired services too."""
    query = select(Service).where(Service.id == service_id, Service.business_id == business.id)
    if not include_inactive:
        query = query.where(Service.active.is_(True))
    service = db.session.scalar(query)
    if service is None:
        raise NotFound("No such service.")
    return service


def list_services(business: Business, include_inactive: bool = False) -> list[Service]:
    query = select(Service).where(Service.business_id == business.id)
    if not include_inactive:
        query = query.where(Service.active.is_(True))
    return list(db.session.scalars(query.order_by(Service.id)))


def _staff_members(business: Business, staff_ids: list[int]) -> list[Staff]:
    found = list(db.session.scalars(select(Staff).where(Staff.id.in_(staff_ids),
                                                        Staff.business_id == business.id,
                                                        Staff.active.is_(True))))
    if len(found) != len(set(staff_ids)):
        raise InvalidInput({"staff_ids": "unknown staff id"})
    return found


def create_service(business: Business, fields: dict[str, Any], now: datetime) -> Service:
    service = Service(business_id=business.id, created_at=now, buffer_before_minutes=0,
                      buffer_after_minutes=0, capacity=1)
    for key in SERVICE_FIELDS:
        if fields.get(key) is not None:
            setattr(service, key, fields[key])
    service.staff = _staff_members(business, fields.get("staff_ids") or [])
    db.session.add(service)
    db.session.flush()
    return service


def update_service(business: Business, service: Service, fields: dict[str, Any]) -> Service:
    for key in SERVICE_FIELDS:
        if key in fields:
            setattr(service, key, fields[key])
    if "staff_ids" in fields:
        # Deactivated members stay assigned (nobody can book them meanwhile): reactivated, they
        # offer the service again instead of silently losing it through an unrelated edit.
        resting = [member for member in service.staff if not member.active]
        service.staff = _staff_members(business, fields["staff_ids"] or []) + resting
    db.session.flush()
    return service


def retire_service(service: Service) -> None:
    """Services are retired, not deleted, so past bookings keep their service."""
    service.active = False
    db.session.flush()


def reactivate_service(service: Service) -> None:
    service.active = True
    db.session.flush()
