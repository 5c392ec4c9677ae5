"""Messages reach a real SMTP server (aiosmtpd): confirmation with its invitation, a reminder
at its offset, a delay notice with the estimate in the customer's language."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from booking.clock import pinned, utcnow
from booking.extensions import db
from booking.notify.dispatch import dispatch_due
from tests.conftest import FROZEN_NOW
from tests.support.factories import booking_body, setup_practice
from tests.support.smtp import app_mailing_to_smtp


@pytest.fixture
def smtp(app):
    with app_mailing_to_smtp(app, BASE_URL="https://book.example.test") as inbox:
        yield inbox


def dispatch(app, at: datetime):
    with pinned(at), app.app_context():
        report = dispatch_due(utcnow)
        db.session.remove()
    return report


def book(api, practice, start: str, email: str, **customer):
    body = booking_body(practice, start, customer=dict({"name": "Jana Müller", "email": email}, **customer))
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")


def invitation(message) -> Calendar:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    return part


def test_confirmation_arrives_with_a_valid_invitation(app, api, smtp):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T09:00:00+01:00", "jana@example.test")
    dispatch(app, FROZEN_NOW)
    [message] = smtp.to("jana@example.test")
    assert "Practice" in message["Subject"] and message["Message-ID"]
    assert booked["manage_url"].startswith("https://book.example.test/m/")
    assert booked["manage_url"] in message.get_body(("plain",)).get_content()
    part = invitation(message)
    assert part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(part.get_content())
    assert calendar["METHOD"] == "REQUEST" and not calendar.errors
    [event] = calendar.walk("VEVENT")
    assert event.start == datetime(2027, 2, 3, 8, 0, tzinfo=timezone.utc)
    assert "ATTENDEE" in event and "ORGANIZER" in event


def test_a_reminder_arrives_at_its_offset_and_not_before(app, api, smtp):
    practice = setup_practice(api)
    book(api, practice, "2027-02-03T14:00:00+01:00", "rem@example.test")
    dispatch(app, FROZEN_NOW)
    assert len(smtp.to("rem@example.test")) == 1  # the confirmation only
    due = datetime(2027, 2, 2, 13, 0, tzinfo=timezone.utc)  # 24 h before 14:00 Berlin
    dispatch(app, due - timedelta(seconds=1))
    assert len(smtp.to("rem@example.test")) == 1
    dispatch(app, due)
    reminder = smtp.to("rem@example.test")[1]
    assert reminder["List-Unsubscribe"].startswith("<https://book.example.test/m/")
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "2:00 PM" in reminder.get_body(("plain",)).get_content()


def test_a_delay_notice_arrives_in_the_customers_language(app, api, smtp):
    practice = setup_practice(api)
    staff_id = practice.staff_ids[0]
    book(api, practice, "2027-02-01T09:00:00+01:00", "first@example.test")
    book(api, practice, "2027-02-01T09:30:00+01:00", "zweite@example.test", locale="de")
    dispatch(app, FROZEN_NOW)
    result = api.json("POST", f"/api/v1/staff/{staff_id}/delay", {"minutes": 25})
    assert result["notified"] == 2
    assert [a["estimated_start"] for a in result["affected"]] == ["2027-02-01T09:25:00+01:00",
                                                                 "2027-02-01T09:55:00+01:00"]
    dispatch(app, FROZEN_NOW)
    notice = smtp.to("zweite@example.test")[-1]
    text = notice.get_body(("plain",)).get_content()
    assert "09:55" in text and "Termin" in text
