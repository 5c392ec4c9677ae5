"""The outbox with a pinned clock: what is planned when, and what a change does to it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from booking.clock import pinned, utcnow
from booking.extensions import db
from booking.models import Notification
from booking.notify.delivery import stale_reason
from booking.notify.timing import hold_for_quiet_hours, in_quiet_hours, reminder_due_times, retry_delay
from booking.timezones import zone
from tests.support.factories import booking_body, setup_practice

BERLIN = zone("Europe/Berlin")
UTC = timezone.utc


def rows(app, booking_id: int) -> list[tuple[str, str, datetime]]:
    with app.app_context():
        found = db.session.scalars(select(Notification).where(Notification.booking_id == booking_id)
                                   .order_by(Notification.id))
        result = [(n.kind, n.status, n.due_at) for n in found]
        db.session.remove()
    return result


def book(api, practice, start: str, **extra):
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start, **extra),
                    expect=201, key="")


def test_a_booking_plans_its_confirmation_now_and_reminders_at_the_offsets(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T14:00:00+01:00")
    assert rows(app, booked["id"]) == [
        ("confirmation", "pending", frozen_now),
        ("reminder", "pending", datetime(2027, 2, 2, 13, 0, tzinfo=UTC)),   # 24 h before
        ("reminder", "pending", datetime(2027, 2, 3, 11, 0, tzinfo=UTC))]   # 2 h before


def test_a_booking_made_after_an_offset_skips_that_reminder(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-01T11:30:00+01:00")  # three and a half hours ahead
    assert [r[0] for r in rows(app, booked["id"])] == ["confirmation", "reminder"]
    assert rows(app, booked["id"])[1][2] == datetime(2027, 2, 1, 8, 30, tzinfo=UTC)


def test_reminders_wait_for_the_end_of_quiet_hours(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T09:00:00+01:00")  # 2 h before = 07:00, quiet until 08:00
    assert rows(app, booked["id"])[1:] == [
        ("reminder", "pending", datetime(2027, 2, 2, 8, 0, tzinfo=UTC)),
        ("reminder", "pending", datetime(2027, 2, 3, 7, 0, tzinfo=UTC))]


def test_a_move_cancels_pending_rows_and_plans_again(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T14:00:00+01:00")
    api.json("POST", f"/api/v1/manage/{booked['manage_token']}/reschedule",
             {"start": "2027-02-04T15:00:00+01:00"}, key="")
    assert rows(app, booked["id"]) == [
        ("confirmation", "cancelled", frozen_now),
        ("reminder", "cancelled", datetime(2027, 2, 2, 13, 0, tzinfo=UTC)),
        ("reminder", "cancelled", datetime(2027, 2, 3, 11, 0, tzinfo=UTC)),
        ("reschedule", "pending", frozen_now),
        ("reminder", "pending", datetime(2027, 2, 3, 14, 0, tzinfo=UTC)),
        ("reminder", "pending", datetime(2027, 2, 4, 12, 0, tzinfo=UTC))]


def test_a_cancellation_withdraws_everything_and_says_so(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T14:00:00+01:00")
    api.json("POST", f"/api/v1/manage/{booked['manage_token']}/cancel", key="")
    assert [(k, s) for k, s, _ in rows(app, booked["id"])] == [
        ("confirmation", "cancelled"), ("reminder", "cancelled"), ("reminder", "cancelled"),
        ("cancellation", "pending")]


def test_no_reminders_for_a_customer_who_chose_none_but_still_the_cancellation(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T14:00:00+01:00",
                  customer={"name": "Q", "email": "quiet@example.test", "preferred_channel": "none"})
    api.json("POST", f"/api/v1/manage/{booked['manage_token']}/cancel", key="")
    assert [(k, s) for k, s, _ in rows(app, booked["id"])] == [("confirmation", "cancelled"),
                                                               ("cancellation", "pending")]


def test_feedback_request_after_a_completed_visit_when_enabled(app, api, frozen_now):
    practice = setup_practice(api)
    with app.app_context():
        from booking.models import Business
        business = db.session.scalar(select(Business).where(Business.slug == practice.slug))
        business.feedback_requests = True
        db.session.commit()
    booked = book(api, practice, "2027-02-01T14:00:00+01:00")
    with pinned(datetime(2027, 2, 1, 13, 40, tzinfo=UTC)):
        api.json("PATCH", f"/api/v1/bookings/{booked['id']}", {"status": "completed"})
    kinds = [(k, s, d) for k, s, d in rows(app, booked["id"]) if k in ("feedback", "reminder")]
    assert kinds == [("reminder", "cancelled", datetime(2027, 2, 1, 11, 0, tzinfo=UTC)),
                     ("feedback", "pending", datetime(2027, 2, 1, 15, 40, tzinfo=UTC))]  # 2 h after "completed"


def test_a_message_for_a_booking_that_changed_is_stale(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T14:00:00+01:00")
    with app.app_context():
        reminder = db.session.scalars(select(Notification).where(Notification.booking_id == booked["id"],
                                                                 Notification.kind == "reminder")).first()
        booking = reminder.booking
        assert stale_reason(reminder, booking, utcnow()) is None
        booking.sequence += 1
        assert "changed" in stale_reason(reminder, booking, utcnow())
        booking.sequence -= 1
        assert "started" in stale_reason(reminder, booking, booking.start_utc)
        booking.status = "cancelled"
        assert "cancelled" in stale_reason(reminder, booking, utcnow())
        db.session.rollback()


def test_after_an_outage_only_the_reminder_nearest_the_visit_goes_out(app, api, frozen_now):
    practice = setup_practice(api)
    booked = book(api, practice, "2027-02-03T14:00:00+01:00")  # reminders due 02-02 13:00 and 02-03 11:00 UTC
    with app.app_context():
        first, second = db.session.scalars(select(Notification).where(
            Notification.booking_id == booked["id"], Notification.kind == "reminder").order_by(Notification.due_at))
        booking = first.booking
        on_time = datetime(2027, 2, 2, 13, 0, tzinfo=UTC)
        assert stale_reason(first, booking, on_time) is None
        just_before = datetime(2027, 2, 3, 10, 59, tzinfo=UTC)  # late, but the 2 h one is not due yet
        assert stale_reason(first, booking, just_before) is None
        back = datetime(2027, 2, 3, 11, 30, tzinfo=UTC)  # the worker was down over both moments
        assert stale_reason(first, booking, back) == "a closer reminder is due already"
        assert stale_reason(second, booking, back) is None
        db.session.rollback()


@pytest.mark.parametrize("local, quiet", [("20:59", False), ("21:00", True), ("03:00", True), ("07:59", True),
                                          ("08:00", False)])
def test_quiet_hours_wrap_midnight(local, quiet):
    hour, minute = map(int, local.split(":"))
    moment = datetime(2027, 2, 1, hour, minute, tzinfo=BERLIN)
    assert in_quiet_hours(moment, BERLIN, 21 * 60, 8 * 60) is quiet


def test_quiet_hours_end_is_local_across_the_spring_change():
    due = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)  # 01:30 CET, the night the clocks go forward
    assert hold_for_quiet_hours(due, BERLIN, 21 * 60, 8 * 60) == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)


def test_reminder_offsets_and_backoff():
    start = datetime(2027, 2, 3, 13, 0, tzinfo=UTC)
    assert reminder_due_times(start, [120, 1440, 120], datetime(2027, 2, 2, 14, 0, tzinfo=UTC)) == [
        (120, datetime(2027, 2, 3, 11, 0, tzinfo=UTC))]
    delays = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert 24 <= delays[0] <= 36 and delays == sorted(delays) or all(d <= 6 * 3600 for d in delays)
    assert max(delays) <= 6 * 3600


def test_quiet_hours_and_feedback_are_business_settings(api):
    setup_practice(api)
    body = api.json("PATCH", "/api/v1/business", {"quiet_hours_start": "22:30", "quiet_hours_end": "07:00",
                                                  "feedback_requests": True})
    assert (body["quiet_hours_start"], body["quiet_hours_end"], body["feedback_requests"]) == ("22:30", "07:00", True)
    bad = api.json("PATCH", "/api/v1/business", {"quiet_hours_start": "25:00", "feedback_requests": "yes"},
                   expect=422)
    assert set(bad["fields"]) == {"quiet_hours_start", "feedback_requests"}
