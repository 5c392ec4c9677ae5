"""SMS through the configured webhook: JSON POST, non-2xx retried, email when SMS is not set up."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from booking.clock import pinned, utcnow
from booking.extensions import db
from booking.models import Notification
from booking.notify.dispatch import dispatch_due
from tests.support.factories import booking_body, setup_practice
from tests.support.sms_gateway import sms_gateway


@pytest.fixture
def gateway(app):
    with sms_gateway(app) as server:
        yield server


def dispatch(app, at):
    with pinned(at), app.app_context():
        report = dispatch_due(utcnow)
        db.session.remove()
    return report


def test_reminders_go_by_sms_and_a_refusal_is_retried(app, api, gateway, frozen_now):
    practice = setup_practice(api)
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(
        practice, "2027-02-03T14:00:00+01:00", customer={"name": "Sam", "email": "sam@example.test",
                                                         "phone": "+49 170 1234567", "preferred_channel": "sms"}),
        expect=201, key="")
    with app.app_context():
        channels = [(n.kind, n.channel) for n in db.session.scalars(
            select(Notification).where(Notification.booking_id == booked["id"]).order_by(Notification.id))]
        db.session.remove()
    assert channels == [("confirmation", "email"), ("reminder", "sms"), ("reminder", "sms")]
    due = datetime(2027, 2, 2, 13, 0, tzinfo=timezone.utc)
    gateway.status = 503
    report = dispatch(app, due)
    assert report.retried == 1 and not gateway.received
    gateway.status = 200
    dispatch(app, datetime(2027, 2, 2, 13, 5, tzinfo=timezone.utc))
    [sms] = gateway.received
    assert sms["to"] == "+49 170 1234567" and sms["kind"] == "reminder" and sms["booking_id"] == booked["id"]
    assert "2:00 PM" in sms["text"] and "/m/" in sms["text"]


def test_without_a_gateway_sms_customers_get_email(app, api, frozen_now):
    practice = setup_practice(api)
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(
        practice, "2027-02-03T14:00:00+01:00", customer={"name": "Sam", "email": "sam2@example.test",
                                                         "phone": "+49 170 1234567", "preferred_channel": "sms"}),
        expect=201, key="")
    notes = api.json("GET", f"/api/v1/notifications?booking_id={booked['id']}")["notifications"]
    assert {n["channel"] for n in notes} == {"email"}
