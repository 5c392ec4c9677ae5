"""A booking's page in the workspace: the customer's short history, moving it, cancelling it with a
message that reaches the customer (a real SMTP server), and the status buttons, each change in the
audit trail with who and when. The clock is pinned to Monday 2027-02-01 08:00 Berlin."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from booking.clock import pinned, utcnow
from booking.extensions import db
from booking.models import Booking, BookingEvent, Notification, User
from booking.notify.dispatch import dispatch_due
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Practice, booking_body, setup_practice
from tests.support.smtp import app_mailing_to_smtp
from tests.support.workspace import form_token, log_in_new_staff

MIA = "mia@example.test"


def book(api, practice: Practice, start: str, email: str = MIA, staff: int = 0, name: str = "Mia Status") -> int:
    body = booking_body(practice, start, staff_id=practice.staff_ids[staff], customer={"name": name, "email": email})
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")["id"]


@pytest.fixture
def practice(api):
    return setup_practice(api, staff=2)


@pytest.fixture
def smtp(app):
    with app_mailing_to_smtp(app) as inbox:
        yield inbox


def dispatch(app) -> None:
    with app.app_context():
        dispatch_due(utcnow)
        db.session.remove()


def token_of(client, booking_id: int) -> str:
    return form_token(client.get(f"/app/bookings/{booking_id}").get_data(as_text=True).split('class="status-form"')[1])


def set_status(client, booking_id: int, status: str, **extra):
    data = {"csrf_token": token_of(client, booking_id), "status": status, **extra}
    return client.post(f"/app/bookings/{booking_id}/status", data=data)


def booking_row(app, booking_id: int) -> Booking:
    with database(app) as session:
        booking = session.get(Booking, booking_id)
        session.expunge(booking)
        return booking


def events(app, booking_id: int) -> list[BookingEvent]:
    with database(app) as session:
        rows = list(session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id)
                                    .order_by(BookingEvent.id)))
        session.expunge_all()
        return rows


def user_id(app, email: str) -> int:
    with database(app) as session:
        return session.scalar(select(User.id).where(User.email == email))


def buttons(page: str) -> list[str]:
    return re.findall(r'<button type="submit" name="status" value="([a-z_]+)"', page)


# --- the page ------------------------------------------------------------------------------------

def test_the_page_shows_the_customers_other_bookings_no_shows_and_links(owner, api, app, practice):
    missed = book(api, practice, "2027-02-01T09:00:00+01:00")
    current = book(api, practice, "2027-02-03T10:00:00+01:00")
    later = book(api, practice, "2027-02-08T10:00:00+01:00")
    api.json("PATCH", f"/api/v1/bookings/{missed}", {"status": "no_show"})
    page = owner.get(f"/app/bookings/{current}").get_data(as_text=True)
    customer = booking_row(app, current).customer_id
    assert f'href="/app/customers/{customer}"' in page
    assert f'href="/app/bookings/new?customer={customer}"' in page
    assert 'data-no-shows="1"' in page and "1 no-show so far" in page
    assert f'data-booking="{missed}" data-status="no_show"' in page and f'data-booking="{later}"' in page
    assert f'data-booking="{current}" ' not in page  # not its own history
    assert 'data-link="move"' in page


def test_the_audit_trail_names_who_did_what(owner, api, app, practice):
    booking_id = book(api, practice, "2027-02-01T09:00:00+01:00")
    with pinned(FROZEN_NOW + timedelta(minutes=5)):
        assert set_status(owner, booking_id, "arrived").status_code == 303
    page = owner.get(f"/app/bookings/{booking_id}").get_data(as_text=True)
    audit = page[page.index('id="audit-title"'):]
    assert 'data-event="created" data-actor="customer"' in audit and "Booked online" in audit
    owner_id = user_id(app, f"owner@{practice.slug}.test")
    assert f'data-event="status" data-actor="user:{owner_id}"' in audit
    assert "Owner" in audit and "Confirmed → Arrived" in audit and "8:05" in audit


# --- status --------------------------------------------------------------------------------------

def test_only_sensible_status_changes_are_offered(owner, api, practice):
    today = book(api, practice, "2027-02-01T09:00:00+01:00")
    next_week = book(api, practice, "2027-02-08T09:00:00+01:00")
    assert buttons(owner.get(f"/app/bookings/{today}").get_data(as_text=True)) == [
        "arrived", "completed", "no_show", "no_show_excused", "cancelled"]
    assert buttons(owner.get(f"/app/bookings/{next_week}").get_data(as_text=True)) == ["cancelled"]
    api.json("PATCH", f"/api/v1/bookings/{today}", {"status": "no_show"})
    assert buttons(owner.get(f"/app/bookings/{today}").get_data(as_text=True)) == [
        "confirmed", "arrived", "completed", "no_show_excused"]
    api.json("PATCH", f"/api/v1/bookings/{today}", {"status": "confirmed"})
    api.json("PATCH", f"/api/v1/bookings/{today}", {"status": "cancelled"})
    page = owner.get(f"/app/bookings/{today}").get_data(as_text=True)
    assert buttons(page) == [] and 'data-link="move"' not in page


def test_each_status_action_is_recorded_with_who_and_when(owner, api, app, practice):
    booking_id = book(api, practice, "2027-02-01T09:00:00+01:00")
    owner_actor = f"user:{user_id(app, f'owner@{practice.slug}.test')}"
    steps = [("arrived", "arrived", False), ("completed", "completed", False), ("no_show", "no_show", False),
             ("no_show_excused", "no_show", True), ("confirmed", "confirmed", False),
             ("cancelled", "cancelled", False)]
    for minutes, (action, status, excused) in enumerate(steps, start=1):
        with pinned(FROZEN_NOW + timedelta(minutes=minutes)):
            response = set_status(owner, booking_id, action)
        assert response.status_code == 303, action
        row = booking_row(app, booking_id)
        assert (row.status, row.no_show_excused) == (status, excused), action
    recorded = events(app, booking_id)[1:]  # after "created"
    assert [(e.action, e.details["after"], e.details.get("excused")) for e in recorded] == [
        ("status", "arrived", None), ("status", "completed", None), ("status", "no_show", False),
        ("status", "no_show", True), ("status", "confirmed", None), ("cancelled", "cancelled", None)]
    assert {e.actor for e in recorded} == {owner_actor}
    assert [e.at_utc for e in recorded] == [FROZEN_NOW + timedelta(minutes=m) for m in range(1, 7)]
    page = owner.get(f"/app/bookings/{booking_id}").get_data(as_text=True)
    assert "No-show (excused)" in page and page.count(f'data-actor="{owner_actor}"') == 6


def test_a_change_that_is_not_offered_changes_nothing(owner, api, app, practice):
    next_week = book(api, practice, "2027-02-08T09:00:00+01:00")
    response = set_status(owner, next_week, "arrived")
    assert response.status_code == 303
    assert "not possible" in owner.get(response.headers["Location"]).get_data(as_text=True)
    response = set_status(owner, next_week, "deleted")
    assert "Please use one of the status buttons." in owner.get(response.headers["Location"]).get_data(as_text=True)
    assert booking_row(app, next_week).status == "confirmed" and len(events(app, next_week)) == 1


def test_cancelling_with_a_message_mails_it_to_the_customer(owner, api, app, practice, smtp):
    booking_id = book(api, practice, "2027-02-04T10:00:00+01:00", email="nina@example.test", name="Nina")
    dispatch(app)  # the confirmation
    message = "Dr. Berg is ill <b>today</b> & we will call you."
    response = set_status(owner, booking_id, "cancelled", message=message)
    assert response.status_code == 303
    with database(app) as session:
        row = session.scalar(select(Notification).where(Notification.booking_id == booking_id,
                                                        Notification.kind == "cancellation"))
        assert row.payload["reason"] == message  # stored: a retry sends the same words
    dispatch(app)
    mail = smtp.to("nina@example.test")[-1]
    assert "cancelled" in mail["Subject"]
    assert message in mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Dr. Berg is ill &lt;b&gt;today&lt;/b&gt; &amp; we will call you." in html and "<b>today" not in html
    [cancelled] = [e for e in events(app, booking_id) if e.action == "cancelled"]
    assert cancelled.details["reason"] == message


def test_a_message_too_long_keeps_the_text_and_cancels_nothing(owner, api, app, practice):
    booking_id = book(api, practice, "2027-02-04T10:00:00+01:00")
    response = set_status(owner, booking_id, "cancelled", message="x" * 1001)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "x" * 1001 in page and 'aria-invalid="true"' in page
    assert booking_row(app, booking_id).status == "confirmed"


# --- moving --------------------------------------------------------------------------------------

def move_token(client, booking_id: int) -> str:
    return form_token(client.get(f"/app/bookings/{booking_id}/move").get_data(as_text=True).split("move-booking")[1])


def test_moving_to_a_free_time_with_a_message(owner, api, app, practice, smtp):
    booking_id = book(api, practice, "2027-02-03T10:00:00+01:00", email="otto@example.test", name="Otto")
    page = owner.get(f"/app/bookings/{booking_id}/move", query_string={"date": "2027-02-03",
                                                                      "staff": practice.staff_ids[1]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="2027-02-03T10:00:00+01:00"' in html  # its own time is free
    dispatch(app)
    response = owner.post(f"/app/bookings/{booking_id}/move", data={
        "csrf_token": move_token(owner, booking_id), "staff": str(practice.staff_ids[1]), "day": "2027-02-03",
        "start": "2027-02-03T11:00:00+01:00", "message": "We moved you to room 2 <upstairs>.", "action": "move"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/app/bookings/{booking_id}")
    row = booking_row(app, booking_id)
    assert row.start_utc == datetime(2027, 2, 3, 10, 0, tzinfo=timezone.utc) and row.staff_id == practice.staff_ids[1]
    [moved] = [e for e in events(app, booking_id) if e.action == "moved"]
    assert moved.actor == f"user:{user_id(app, f'owner@{practice.slug}.test')}" and moved.at_utc == FROZEN_NOW
    dispatch(app)
    mail = smtp.to("otto@example.test")[-1]
    assert "moved" in mail["Subject"]
    assert "We moved you to room 2 <upstairs>." in mail.get_body(("plain",)).get_content()
    assert "room 2 &lt;upstairs&gt;." in mail.get_body(("html",)).get_content()
    detail = owner.get(f"/app/bookings/{booking_id}").get_data(as_text=True)
    assert "Moved from" in detail and "Staff 1" in detail and "Staff 2" in detail
    assert "We moved you to room 2 &lt;upstairs&gt;." in detail


def test_moving_onto_a_taken_time_offers_alternatives_and_keeps_the_message(owner, api, app, practice):
    booking_id = book(api, practice, "2027-02-03T10:00:00+01:00")
    token = move_token(owner, booking_id)
    book(api, practice, "2027-02-03T11:00:00+01:00", email="first@example.test", name="First")
    response = owner.post(f"/app/bookings/{booking_id}/move", data={
        "csrf_token": token, "staff": str(practice.staff_ids[0]), "day": "2027-02-03",
        "start": "2027-02-03T11:00:00+01:00", "message": "Sorry for the change", "action": "move"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This time is not free" in page and "Sorry for the change" in page
    assert 'name="alternative" value="2027-02-03T11:30:00+01:00"' in page
    assert booking_row(app, booking_id).start_utc == datetime(2027, 2, 3, 9, 0, tzinfo=timezone.utc)
    chosen = owner.post(f"/app/bookings/{booking_id}/move", data={
        "csrf_token": token, "staff": str(practice.staff_ids[0]), "day": "2027-02-03",
        "start": "2027-02-03T11:00:00+01:00", "alternative": "2027-02-03T11:30:00+01:00",
        "message": "Sorry for the change"})
    assert chosen.status_code == 303
    assert booking_row(app, booking_id).start_utc == datetime(2027, 2, 3, 10, 30, tzinfo=timezone.utc)


def test_moving_needs_a_time_and_only_a_confirmed_booking_moves(owner, api, app, practice):
    booking_id = book(api, practice, "2027-02-03T10:00:00+01:00")
    response = owner.post(f"/app/bookings/{booking_id}/move", data={
        "csrf_token": move_token(owner, booking_id), "staff": str(practice.staff_ids[0]), "day": "2027-02-03",
        "message": "kept", "action": "move"})
    assert response.status_code == 422 and "Please choose a time." in response.get_data(as_text=True)
    shown = owner.post(f"/app/bookings/{booking_id}/move", data={
        "csrf_token": move_token(owner, booking_id), "staff": str(practice.staff_ids[0]), "day": "2027-02-05",
        "message": "kept", "action": "times"})
    assert shown.status_code == 200 and 'value="2027-02-05T09:00:00+01:00"' in shown.get_data(as_text=True)
    api.json("PATCH", f"/api/v1/bookings/{booking_id}", {"status": "cancelled"})
    gone = owner.get(f"/app/bookings/{booking_id}/move")
    assert gone.status_code == 303
    assert "Only a confirmed booking can be moved." in owner.get(gone.headers["Location"]).get_data(as_text=True)


# --- who may ------------------------------------------------------------------------------------

def test_a_staff_account_can_move_set_status_and_cancel(client, api, app, practice):
    email = log_in_new_staff(client, app, practice, FROZEN_NOW)
    actor = f"user:{user_id(app, email)}"
    today = book(api, practice, "2027-02-01T09:00:00+01:00")
    other = book(api, practice, "2027-02-03T10:00:00+01:00", email="sv@example.test")
    assert client.get(f"/app/bookings/{today}").status_code == 200
    assert set_status(client, today, "arrived").status_code == 303
    response = client.post(f"/app/bookings/{other}/move", data={
        "csrf_token": move_token(client, other), "staff": str(practice.staff_ids[0]), "day": "2027-02-03",
        "start": "2027-02-03T14:00:00+01:00", "action": "move"})
    assert response.status_code == 303
    assert set_status(client, other, "cancelled", message="Sorry").status_code == 303
    assert booking_row(app, today).status == "arrived" and booking_row(app, other).status == "cancelled"
    assert {e.actor for e in events(app, today)[1:] + events(app, other)[1:]} == {actor}
    page = client.get(f"/app/bookings/{other}").get_data(as_text=True)
    assert "Sam Staff" in page


def test_another_businesss_booking_is_not_found_for_any_action(owner, api, app, practice):
    other = setup_practice(api)
    theirs = book(api, other, "2027-02-01T09:00:00+01:00", name="Secret Sven")
    token = token_of(owner, book(api, practice, "2027-02-01T10:00:00+01:00"))
    assert owner.get(f"/app/bookings/{theirs}").status_code == 404
    assert owner.get(f"/app/bookings/{theirs}/move").status_code == 404
    for path, data in ((f"/app/bookings/{theirs}/status", {"status": "cancelled", "message": "x"}),
                       (f"/app/bookings/{theirs}/move", {"staff": str(other.staff_ids[0]), "day": "2027-02-03",
                                                         "start": "2027-02-03T10:00:00+01:00"})):
        response = owner.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 404 and "Secret Sven" not in response.get_data(as_text=True)
    row = booking_row(app, theirs)
    assert row.status == "confirmed" and row.start_utc == datetime(2027, 2, 1, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2027-13-01"])
def test_odd_dates_on_the_move_page_show_the_bookings_own_day(owner, api, practice, day):
    booking_id = book(api, practice, "2027-02-03T10:00:00+01:00")
    page = owner.get(f"/app/bookings/{booking_id}/move", query_string={"date": day})
    assert page.status_code == 200 and "Time on Wednesday, February 3, 2027" in page.get_data(as_text=True)
    shown = owner.post(f"/app/bookings/{booking_id}/move", data={
        "csrf_token": move_token(owner, booking_id), "staff": str(practice.staff_ids[0]), "day": day,
        "action": "times"})
    assert shown.status_code == 200 and "Time on Wednesday, February 3, 2027" in shown.get_data(as_text=True)
