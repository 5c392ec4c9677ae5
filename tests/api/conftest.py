"""Shared set-up for the API contract tests: two practices with one of everything, error checks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from booking.clock import pinned
from booking.extensions import db
from booking.models import BookingEvent
from tests.conftest import FROZEN_NOW
from tests.support.factories import Api, booking_body, setup_practice

WRONG_KEY = "bk_this-is-not-a-key"


@dataclass
class Tenant:
    """One practice and the ids of one of each kind of thing it owns."""

    slug: str
    key: str
    staff: int
    service: int
    booking: int
    token: str
    time_off: int
    key_id: int

    def ids(self, prefix: str) -> dict[str, Any]:
        return {f"{prefix}{name}": value for name, value in vars(self).items()}


def make_tenant(api: Api) -> Tenant:
    practice = setup_practice(api)
    staff = practice.staff_ids[0]
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                      booking_body(practice, "2027-02-02T09:00:00+01:00"), expect=201, key="")
    time_off = api.json("POST", f"/api/v1/staff/{staff}/time-off",
                        {"start": "2027-03-01T00:00:00+01:00", "end": "2027-03-02T00:00:00+01:00"}, expect=201)
    api.json("PUT", f"/api/v1/staff/{staff}/overrides/2027-02-10", {"hours": [["10:00", "11:00"]]})
    key_id = api.json("POST", "/api/v1/api-keys", expect=201)["id"]
    return Tenant(slug=practice.slug, key=practice.key, staff=staff, service=practice.service_id,
                  booking=booked["id"], token=booked["manage_token"], time_off=time_off["id"], key_id=key_id)


@dataclass
class World:
    mine: Tenant
    theirs: Tenant

    def fill(self, template: str) -> str:
        """Path templates use {staff}, {booking}, ... for mine and {o_staff}, ... for the other practice."""
        return template.format(**self.mine.ids(""), **self.theirs.ids("o_"), none=999999)


@pytest.fixture(scope="session")
def world(app) -> World:
    """Two practices set up once; tests that use it must not change them."""
    with pinned(FROZEN_NOW):
        api = Api(app.test_client())
        mine = make_tenant(api)
        theirs = make_tenant(api)
    return World(mine, theirs)


@pytest.fixture
def world_api(client, world) -> Api:
    api = Api(client)
    api.key = world.mine.key
    return api


def booking_events(app, booking_id: int) -> list[tuple[str, str, dict]]:
    """The audit trail of a booking as (action, actor, details), oldest first."""
    with app.app_context():
        rows = db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id)
                                  .order_by(BookingEvent.id))
        return [(row.action, row.actor, row.details) for row in rows]


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The API.md error shape: JSON {"error", "message"}, "fields" on 422, "alternatives" on slot_unavailable."""
    body = response.get_json(silent=True)
    assert response.status_code == status, f"{response.status_code} {body or response.data[:300]!r}"
    assert response.mimetype == "application/json"
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert isinstance(body.get("message"), str) and body["message"], body
    if code is not None:
        assert body["error"] == code, body
    if status == 422:
        assert isinstance(body.get("fields"), dict) and body["fields"], body
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in body["fields"].items()), body
    if body["error"] == "slot_unavailable":
        assert isinstance(body.get("alternatives"), list), body
    return body
