"""Services a business offers."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, g, jsonify

from booking.clock import utcnow
from booking.extensions import db
from booking.operations import services as ops
from booking.web.api.auth import authenticate_api_key
from booking.web.api.schema import Fields, read_json_body
from booking.web.audit import audit, service_changes
from booking.web.formatting import service_json

bp = Blueprint("services", __name__)
bp.before_request(authenticate_api_key)
DAY = 24 * 60


def _price(body: Fields) -> Decimal | None:
    value = body.data.get("price")
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InvalidOperation
        price = Decimal(str(value))
        if not price.is_finite() or price < 0 or price >= Decimal("100000000"):
            raise InvalidOperation
        price = price.quantize(Decimal("0.01"))  # rounding may reach the column's limit: check again
        if price >= Decimal("100000000"):
            raise InvalidOperation
    except InvalidOperation:
        body.errors["price"] = "must be a non-negative amount such as 45.00"
        return None
    return price


def _service_fields(partial: bool) -> dict:
    body = Fields(read_json_body())
    readers = {
        "name": lambda: body.text("name", required=True),
        "description": lambda: body.text("description", max_length=4000),
        "price": lambda: _price(body),
        "duration_minutes": lambda: body.integer("duration_minutes", True, 1, DAY),
        "buffer_before_minutes": lambda: body.integer("buffer_before_minutes", False, 0, DAY) or 0,
        "buffer_after_minutes": lambda: body.integer("buffer_after_minutes", False, 0, DAY) or 0,
        "slot_interval_minutes": lambda: body.integer("slot_interval_minutes", False, 1, DAY),
        "capacity": lambda: body.integer("capacity", False, 1, 1000) or 1,
        "staff_ids": lambda: body.id_list("staff_ids", required=not partial) or [],
    }
    required = () if partial else ("name", "duration_minutes", "staff_ids")
    fields = {name: read() for name, read in readers.items() if body.has(name) or name in required}
    body.check()
    return fields


@bp.post("/services")
def create_service():
    fields = _service_fields(partial=False)
    service = ops.create_service(g.business, fields, utcnow())
    audit("service.create", "service", service.id, **fields)
    db.session.commit()
    return jsonify(service_json(service)), 201


@bp.get("/services")
def list_services():
    return jsonify({"services": [service_json(s) for s in ops.list_services(g.business)]})


@bp.get("/services/<int:service_id>")
def show_service(service_id: int):
    return jsonify(service_json(ops.get_service(g.business, service_id)))


@bp.patch("/services/<int:service_id>")
def patch_service(service_id: int):
    service = ops.get_service(g.business, service_id)
    fields = _service_fields(partial=True)
    audit("service.update", "service", service.id, changes=service_changes(service, fields))
    ops.update_service(g.business, service, fields)
    db.session.commit()
    return jsonify(service_json(service))


@bp.delete("/services/<int:service_id>")
def delete_service(service_id: int):
    service = ops.get_service(g.business, service_id)
    ops.retire_service(service)
    audit("service.deactivate", "service", service.id, name=service.name)
    db.session.commit()
    return "", 204
