"""Notifications on the web side: the manage page's live estimate and follow-up links (feedback,
unsubscribe incl. RFC 8058 one-click), and the workspace (a booking's messages, running late,
the owner's outbox health with resend). The clock is pinned to Monday 2027-02-01 08:00 Berlin."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from booking.models import (
    Booking,
    Customer,
    Feedback,
    Notification,
    StaffDelay,
)
from tests.conftest import FROZEN_NOW
from tests.support.factories import Practice, booking_body, setup_practice
from tests.support.db_access import database
from tests.support.workspace import form_token, log_in, log_in_new_staff

BERLIN_OFFSET = "+01:00"






def book(api, practice: Practice, start: str, staff: int = 0, **extra) -> dict:
    """A public booking (it has a manage link); the outbox gets its confirmation and reminders."""
    body = booking_body(practice, f"2027-{start}:00{BERLIN_OFFSET}", staff_id=practice.staff_ids[staff], **extra)
    created = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")
    created["path"] = urlsplit(created["manage_url"]).path
    return created


def messages_of(app, booking_id: int) -> list[tuple[str, str]]:
    with database(app) as session:
        rows = session.scalars(select(Notification).where(Notification.booking_id == booking_id)
                               .order_by(Notification.id))
        return [(row.kind, row.status) for row in rows]


def berlin(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2027-02-01T{hhmm}:00{BERLIN_OFFSET}")




# --- the workspace -----------------------------------------------------------------------------

def test_the_booking_page_lists_every_message_of_the_booking(client, api, app):
    practice = setup_practice(api)
    created = book(api, practice, "02-01T14:00", customer={"name": "Zoë <b>Ünal</b>", "email": "zoe@example.test",
                                                          "phone": "+49 30 1234567"})
    assert messages_of(app, created["id"]) == [("confirmation", "pending"), ("reminder", "pending")]
    log_in(client, f"owner@{practice.slug}.test")
    today = client.get("/app/").get_data(as_text=True)
    assert f'href="/app/bookings/{created["id"]}"' in today
    page = client.get(f"/app/bookings/{created['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Zoë &lt;b&gt;Ünal&lt;/b&gt;" in html and "zoe@example.test" in html and "+49 30 1234567" in html
    assert html.count("data-message=") == 2 and 'data-kind="confirmation"' in html and 'data-kind="reminder"' in html
    assert "Confirmation" in html and "Reminder" in html and "Waiting" in html
    assert "<title>" in html and '<html lang="en">' in html


def test_another_businesss_booking_and_staff_are_not_found(client, api):
    mine = setup_practice(api)
    other = setup_practice(api)
    theirs = book(api, other, "02-01T15:00")
    log_in(client, f"owner@{mine.slug}.test")
    assert client.get(f"/app/bookings/{theirs['id']}").status_code == 404
    token = form_token(client.get("/app/").get_data(as_text=True))
    response = client.post(f"/app/staff/{other.staff_ids[0]}/delay", data={"step": "15", "csrf_token": token})
    assert response.status_code == 404


def test_a_staff_account_may_not_see_the_outbox_health_or_resend(client, api, app):
    practice = setup_practice(api)
    created = book(api, practice, "02-01T14:00")
    with database(app) as session:
        row_id = session.scalar(select(Notification.id).where(Notification.booking_id == created["id"]))
    log_in_new_staff(client, app, practice, FROZEN_NOW)
    today = client.get("/app/")
    assert today.status_code == 200 and "/app/notifications" not in today.get_data(as_text=True)
    assert client.get("/app/notifications").status_code == 403
    token = form_token(today.get_data(as_text=True))
    assert client.post(f"/app/notifications/{row_id}/resend", data={"csrf_token": token}).status_code == 403
    # Staff may still look at bookings and report running late.
    assert client.get(f"/app/bookings/{created['id']}").status_code == 200
    response = client.post(f"/app/staff/{practice.staff_ids[0]}/delay", data={"step": "5", "csrf_token": token})
    assert response.status_code == 303


def fail(app, booking_id: int, kind: str = "confirmation") -> int:
    with database(app) as session:
        row = session.scalar(select(Notification).where(Notification.booking_id == booking_id,
                                                        Notification.kind == kind))
        row.status, row.attempts, row.last_error = "failed", 5, "SMTP 550 <mailbox> unavailable"
        row.updated_at = FROZEN_NOW - timedelta(hours=1)
        session.commit()
        return row.id


def test_the_owner_sees_failed_messages_and_resends_one(client, api, app):
    practice = setup_practice(api)
    created = book(api, practice, "02-01T14:00", email="bounce@example.test")
    row_id = fail(app, created["id"])
    log_in(client, f"owner@{practice.slug}.test")
    page = client.get("/app/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-count="failed">1<' in html and 'data-count="retried">1<' in html
    assert "bounce@example.test" in html and "SMTP 550 &lt;mailbox&gt; unavailable" in html
    assert f'href="/app/bookings/{created["id"]}"' in html
    response = client.post(f"/app/notifications/{row_id}/resend", data={"csrf_token": form_token(html)})
    assert response.status_code == 303 and response.headers["Location"] == "/app/notifications"
    with database(app) as session:
        row = session.get(Notification, row_id)
        assert (row.status, row.attempts, row.last_error, row.due_at) == ("pending", 0, None, FROZEN_NOW)
    after = client.get("/app/notifications").get_data(as_text=True)
    assert "sent again shortly" in after and "No failed messages." in after
    # A second click finds nothing to resend and changes nothing.
    client.post(f"/app/notifications/{row_id}/resend", data={"csrf_token": form_token(html)})
    assert "Only a failed message" in client.get("/app/notifications").get_data(as_text=True)


def test_an_owner_cannot_resend_another_businesss_message(client, api, app):
    mine = setup_practice(api)
    other = setup_practice(api)
    row_id = fail(app, book(api, other, "02-01T14:00")["id"])
    log_in(client, f"owner@{mine.slug}.test")
    token = form_token(client.get("/app/notifications").get_data(as_text=True))
    assert client.post(f"/app/notifications/{row_id}/resend", data={"csrf_token": token}).status_code == 404
    with database(app) as session:
        assert session.get(Notification, row_id).status == "failed"


def estimates(app, ids: list[int]) -> list[datetime]:
    with database(app) as session:
        return [session.get(Booking, i).estimated_start_utc for i in ids]


def delay_notices(app, ids: list[int]) -> dict[int, int]:
    with database(app) as session:
        return {i: len(session.scalars(select(Notification.id).where(
            Notification.booking_id == i, Notification.kind == "delay")).all()) for i in ids}


def test_running_late_buttons_move_estimates_and_queue_notices(client, api, app):
    practice = setup_practice(api)
    ids = [book(api, practice, f"02-01T{t}")["id"] for t in ("09:00", "09:30", "10:00")]
    staff_id = practice.staff_ids[0]
    log_in(client, f"owner@{practice.slug}.test")
    today = client.get("/app/").get_data(as_text=True)
    assert f'action="/app/staff/{staff_id}/delay"' in today and "Running late" in today
    token = form_token(today)

    def press(step: str):
        response = client.post(f"/app/staff/{staff_id}/delay", data={"step": step, "csrf_token": token})
        assert response.status_code == 303 and response.headers["Location"] == "/app/"
        return client.get("/app/").get_data(as_text=True)

    page = press("15")
    assert "3 customers notified" in page and "running 15 minutes late" in page
    assert estimates(app, ids) == [berlin("09:15"), berlin("09:45"), berlin("10:15")]
    assert delay_notices(app, ids) == {i: 1 for i in ids}
    page = press("10")  # 15 + 10
    assert "running 25 minutes late" in page and "3 customers notified" in page
    assert estimates(app, ids) == [berlin("09:25"), berlin("09:55"), berlin("10:25")]
    with database(app) as session:
        assert session.scalar(select(StaffDelay.minutes).where(StaffDelay.staff_id == staff_id)) == 25
    page = press("0")
    assert "back on time" in page and "3 customers notified" in page  # the all-clear
    assert estimates(app, ids) == [berlin("09:00"), berlin("09:30"), berlin("10:00")]
    assert delay_notices(app, ids) == {i: 3 for i in ids}
    assert client.post(f"/app/staff/{staff_id}/delay", data={"step": "7", "csrf_token": token}).status_code == 303
    assert estimates(app, ids)[0] == berlin("09:00")


def test_the_delay_buttons_need_the_csrf_token(client, api):
    practice = setup_practice(api)
    log_in(client, f"owner@{practice.slug}.test")
    assert client.post(f"/app/staff/{practice.staff_ids[0]}/delay", data={"step": "15"}).status_code == 400


# --- the manage page ---------------------------------------------------------------------------

def test_the_manage_page_shows_the_live_estimate(client, api):
    practice = setup_practice(api)
    first = book(api, practice, "02-01T09:00")
    second = book(api, practice, "02-01T09:30")
    html = client.get(second["path"]).get_data(as_text=True)
    assert 'aria-live="polite"' in html and "On time: expected to start at 9:30" in html
    assert 'data-zone="Europe/Berlin"' in html and "data-poll-seconds=" in html
    assert f'data-url="/api/v1/manage/{second["path"].rsplit("/", 1)[1]}"' in html
    assert "/static/manage.js" in html and "<script>" not in html  # no inline script (CSP)
    api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/delay", {"minutes": 20}, key=practice.key)
    html = client.get(second["path"]).get_data(as_text=True)
    assert re.search(r"Expected to start at about 9:50\W+AM \(planned 9:30\W+AM\)", html)
    assert "Expected to start at about 9:20" in client.get(first["path"]).get_data(as_text=True)
    in_new_york = client.get(first["path"] + "?tz=America/New_York").get_data(as_text=True)
    assert "about 3:20" in in_new_york and 'data-zone="America/New_York"' in in_new_york
    shown = api.json("GET", f"/api/v1/manage/{first['path'].rsplit('/', 1)[1]}", key="")
    assert shown["estimated_start"] == "2027-02-01T09:20:00+01:00" and shown["start"] == "2027-02-01T09:00:00+01:00"


def test_keep_shows_a_thank_you(client, api):
    practice = setup_practice(api)
    created = book(api, practice, "02-01T09:00")
    assert "Thanks — we" in client.get(created["path"] + "?keep=1").get_data(as_text=True)
    assert "Thanks — we" not in client.get(created["path"]).get_data(as_text=True)


def test_feedback_only_after_a_completed_visit_and_a_second_answer_replaces_the_first(client, api, app):
    practice = setup_practice(api)
    created = book(api, practice, "02-01T09:00")
    path = created["path"] + "/feedback"
    refused = client.get(path)
    assert refused.status_code == 409 and "after your visit" in refused.get_data(as_text=True)
    token = form_token(client.get(created["path"] + "/unsubscribe").get_data(as_text=True))
    assert client.post(path, data={"rating": "5", "csrf_token": token}).status_code == 409
    api.json("PATCH", f"/api/v1/bookings/{created['id']}", {"status": "completed"}, key=practice.key)
    form = client.get(path).get_data(as_text=True)
    assert "<legend>How was your visit?</legend>" in form and form.count('type="radio"') == 5
    assert '<label for="rating-0">' in form and '<label for="comment">' in form
    assert client.post(path, data={"csrf_token": token}).status_code == 422  # no rating chosen
    response = client.post(path, data={"rating": "4", "comment": "Lovely <b>visit</b>", "csrf_token": token})
    assert response.status_code == 303 and "/feedback/thanks" in response.headers["Location"]
    assert "Thank you for your feedback" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<input checked id="rating-3"' in client.get(path).get_data(as_text=True)  # the answer is shown again
    client.post(path, data={"rating": "5", "csrf_token": token})
    with database(app) as session:
        rows = session.scalars(select(Feedback).where(Feedback.booking_id == created["id"])).all()
        assert [(r.rating, r.comment, r.created_at) for r in rows] == [(5, None, FROZEN_NOW)]
    log_in(client, f"owner@{practice.slug}.test")
    assert "Rating: 5 of 5" in client.get(f"/app/bookings/{created['id']}").get_data(as_text=True)


def test_feedback_refuses_a_rating_outside_one_to_five(client, api):
    practice = setup_practice(api)
    created = book(api, practice, "02-01T09:00")
    api.json("PATCH", f"/api/v1/bookings/{created['id']}", {"status": "completed"}, key=practice.key)
    path = created["path"] + "/feedback"
    token = form_token(client.get(path).get_data(as_text=True))
    for rating in ("0", "6", "x"):
        assert client.post(path, data={"rating": rating, "csrf_token": token}).status_code == 422


def channel_and_reminders(app, booking_id: int) -> tuple[str, list[str]]:
    with database(app) as session:
        booking = session.get(Booking, booking_id)
        customer = session.get(Customer, booking.customer_id)
        return customer.preferred_channel, [status for kind, status in messages_of(app, booking_id)
                                            if kind == "reminder"]


def test_unsubscribe_with_the_form(client, api, app):
    practice = setup_practice(api)
    created = book(api, practice, "02-03T10:00")
    assert channel_and_reminders(app, created["id"]) == ("email", ["pending", "pending"])
    page = client.get(created["path"] + "/unsubscribe").get_data(as_text=True)
    assert "Yes, stop reminders" in page
    assert client.post(created["path"] + "/unsubscribe", data={}).status_code == 400  # no token, not one-click
    assert channel_and_reminders(app, created["id"]) == ("email", ["pending", "pending"])
    response = client.post(created["path"] + "/unsubscribe", data={"csrf_token": form_token(page)})
    assert response.status_code == 303
    assert channel_and_reminders(app, created["id"]) == ("none", ["cancelled", "cancelled"])
    assert ("confirmation", "pending") in messages_of(app, created["id"])
    assert "no more reminders" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_one_click_unsubscribe_from_a_mail_client(app, api, frozen_now):
    practice = setup_practice(api)
    created = book(api, practice, "02-03T10:00", email="kim.mail@example.test")
    later = book(api, practice, "02-10T10:00", email="kim.mail@example.test")  # the same customer
    mail_client = app.test_client()  # no session, no CSRF token: what a mail client sends
    path = created["path"] + "/unsubscribe"
    assert mail_client.post(path, data={"List-Unsubscribe": "One-Click", "x": "1"}).status_code == 400
    assert mail_client.post(path, data={"List-Unsubscribe": "Other"}).status_code == 400
    assert channel_and_reminders(app, created["id"]) == ("email", ["pending", "pending"])
    response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert channel_and_reminders(app, created["id"]) == ("none", ["cancelled", "cancelled"])
    assert channel_and_reminders(app, later["id"]) == ("none", ["cancelled", "cancelled"])
    again = mail_client.post(path, data={"List-Unsubscribe": "One-Click"}, content_type="multipart/form-data")
    assert again.status_code == 200
