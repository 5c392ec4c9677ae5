"""Walk-in and phone customers entered by staff without an email address (issue 3).

A walk-in may give only a name, or a name and a phone number: they are booked, get text
messages if they chose them (never an email), and show up everywhere a customer does (day
calendar, feeds, customer list and search, customer page, reports CSV, GDPR export and
erasure). Customers are never merged by a missing address, and a phone number already on file
is offered to staff instead. The public page and the API keep requiring an email address.
The clock is pinned to Monday 2027-02-01 08:00 Berlin; the practice works Mon-Fri 09-12, 13-17.
"""
from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from booking.calendars.invitations import booking_invitation
from booking.clock import pinned, utcnow
from booking.extensions import db
from booking.models import Booking, Business, Customer, Notification
from booking.notify.dispatch import dispatch_due
from booking.operations.privacy import ERASED_NAME
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Practice, booking_body
from tests.support.sms_gateway import sms_gateway
from tests.support.workspace import form_token

TUESDAY = "2027-02-02"
NO_CHANNEL_FOR_NO_EMAIL = "Without an email address, reminders can only go by text message or not at all."
# A missing address rendered as Python's None instead of being left out.
PRINTED_NONE = re.compile(r'(mailto|tel):None|<span[^>]*>None</span>|<td>None</td>|value="None"')


# `practice` (setup_practice's defaults) and `owner` (its owner, logged in) come from tests/web/conftest.py.


def post_booking(client, **fields):
    """The new-booking form sent with a fresh CSRF token and idempotency key, plus `fields`."""
    page = client.get("/app/bookings/new").get_data(as_text=True)
    form = page[page.index('class="phone-booking"'):]
    data = {"csrf_token": form_token(form), "action": "book", "staff": "any", "day": TUESDAY,
            "idempotency_key": re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', form).group(1)}
    data.update(fields)
    return client.post("/app/bookings/new", data=data)


def walk_in(client, practice: Practice, time: str, **fields) -> int:
    """Book a walk-in on Tuesday at `time` (hh:mm Berlin); the new booking's id."""
    response = post_booking(client, service=str(practice.service_id),
                            start=f"{TUESDAY}T{time}:00+01:00", **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def customer_of(app, booking_id: int) -> Customer:
    with database(app) as session:
        customer = session.get(Booking, booking_id).customer
        session.expunge(customer)
        return customer


def channels_of(app, booking_id: int) -> list[tuple[str, str, str]]:
    with database(app) as session:
        rows = session.scalars(select(Notification).where(Notification.booking_id == booking_id)
                               .order_by(Notification.id))
        return [(row.kind, row.channel, row.recipient) for row in rows]


def business_customers(app, practice: Practice) -> list[Customer]:
    with database(app) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == practice.slug))
        found = list(session.scalars(select(Customer).where(Customer.business_id == business_id)
                                     .order_by(Customer.id)))
        session.expunge_all()
        return found


def main_part(html: str) -> str:
    return html.split("<main", 1)[1]


def email_shown(html: str) -> str:
    """What a customer's details list shows under "Email"."""
    return re.search(r"<dt>Email</dt><dd>(.*?)</dd>", html).group(1)


# --- booking a walk-in ---------------------------------------------------------------------------

def test_a_walk_in_with_only_a_name_is_booked_and_gets_no_message(owner, app, practice):
    booking_id = walk_in(owner, practice, "10:00", name="Walter Walk-in", preferred_channel="none")
    customer = customer_of(app, booking_id)
    assert (customer.name, customer.email, customer.phone, customer.preferred_channel) == (
        "Walter Walk-in", None, None, "none")
    assert channels_of(app, booking_id) == []
    detail = owner.get(f"/app/bookings/{booking_id}").get_data(as_text=True)
    assert "Booked: Walter Walk-in" in detail and email_shown(detail) == "–"
    assert not PRINTED_NONE.search(detail)


def test_a_walk_in_with_a_phone_number_gets_text_messages_and_never_an_email(owner, app, practice):
    with sms_gateway(app) as gateway:
        booking_id = walk_in(owner, practice, "10:30", name="Petra Phone", phone="+49 170 555 0123",
                             preferred_channel="sms")
        customer = customer_of(app, booking_id)
        assert (customer.email, customer.phone, customer.preferred_channel) == (None, "+49 170 555 0123", "sms")
        assert channels_of(app, booking_id) == [("confirmation", "sms", "+49 170 555 0123"),
                                                ("reminder", "sms", "+49 170 555 0123"),
                                                ("reminder", "sms", "+49 170 555 0123")]
        with pinned(FROZEN_NOW), app.app_context():
            dispatch_due(utcnow)
            db.session.remove()
    # The confirmation; the reminders are due later (the outbox is shared by the whole test session).
    [sms] = [message for message in gateway.received if message["booking_id"] == booking_id]
    assert (sms["to"], sms["kind"]) == ("+49 170 555 0123", "confirmation")
    assert "10:30 AM" in sms["text"] and "/m/" in sms["text"]


def test_without_an_sms_gateway_a_customer_without_email_gets_nothing(owner, app, practice):
    booking_id = walk_in(owner, practice, "11:00", name="Quentin Quiet", phone="0151 999 888",
                         preferred_channel="sms")
    assert customer_of(app, booking_id).email is None
    assert channels_of(app, booking_id) == []  # no address to fall back to


NOBODY_TELLS = "No message reaches this customer (no email address, no text messages)"


def test_the_cancel_and_move_forms_say_how_the_customer_will_hear_of_it(owner, app, practice):
    quiet = walk_in(owner, practice, "09:00", name="Quentin Quiet", phone="0151 999 777", preferred_channel="sms")
    for path in (f"/app/bookings/{quiet}", f"/app/bookings/{quiet}/move"):
        page = owner.get(path).get_data(as_text=True)
        assert NOBODY_TELLS in page and "Included in the" not in page, path
    with sms_gateway(app):
        page = owner.get(f"/app/bookings/{quiet}").get_data(as_text=True)
        assert "Included in the cancellation text message to the customer." in page and NOBODY_TELLS not in page
        moving = owner.get(f"/app/bookings/{quiet}/move").get_data(as_text=True)
        assert "Included in the text message that tells the customer the new time." in moving
    mailed = walk_in(owner, practice, "10:00", name="Erna Email", email="erna@example.test",
                     preferred_channel="email")
    assert "Included in the cancellation email to the customer." in owner.get(f"/app/bookings/{mailed}").get_data(
        as_text=True)
    assert "Included in the email that tells the customer the new time." in owner.get(
        f"/app/bookings/{mailed}/move").get_data(as_text=True)


def test_a_new_customer_without_email_must_not_want_email(owner, app, practice):
    response = post_booking(owner, service=str(practice.service_id), start=f"{TUESDAY}T10:00:00+01:00",
                            name="Erna Email", phone="0171 123", preferred_channel="email", notes="Kept")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert NO_CHANNEL_FOR_NO_EMAIL in page and 'href="#preferred_channel-0"' in page
    assert 'id="preferred_channel-error"' in page
    assert 'value="Erna Email"' in page and 'value="0171 123"' in page and "Kept" in page
    no_phone = post_booking(owner, service=str(practice.service_id), start=f"{TUESDAY}T10:00:00+01:00",
                            name="Erna Email", preferred_channel="sms")
    assert no_phone.status_code == 422
    assert "Please enter a phone number for text messages." in no_phone.get_data(as_text=True)
    assert [c.name for c in business_customers(app, practice)] == []


def test_two_walk_ins_without_email_stay_two_customers(owner, app, practice):
    first = walk_in(owner, practice, "09:00", name="Alex", preferred_channel="none")
    second = walk_in(owner, practice, "09:30", name="Alex", preferred_channel="none")
    customers = business_customers(app, practice)
    assert [(c.name, c.email) for c in customers] == [("Alex", None), ("Alex", None)]
    assert customer_of(app, first).id != customer_of(app, second).id


def test_the_same_walk_in_form_sent_twice_books_once(owner, app, practice):
    page = owner.get("/app/bookings/new").get_data(as_text=True)
    form = page[page.index('class="phone-booking"'):]
    data = {"csrf_token": form_token(form), "action": "book", "staff": "any", "day": TUESDAY,
            "service": str(practice.service_id), "start": f"{TUESDAY}T14:00:00+01:00", "name": "Tess Twice",
            "preferred_channel": "none",
            "idempotency_key": re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', form).group(1)}
    first, again = owner.post("/app/bookings/new", data=data), owner.post("/app/bookings/new", data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(business_customers(app, practice)) == 1


def test_booking_again_for_a_walk_in_uses_their_record(owner, app, practice):
    first = walk_in(owner, practice, "09:00", name="Rita Return", phone="0160 4444", preferred_channel="sms")
    rita = customer_of(app, first).id
    chosen = owner.get("/app/bookings/new", query_string={"customer": rita}).get_data(as_text=True)
    assert f'name="customer_id" value="{rita}"' in chosen and not PRINTED_NONE.search(chosen)
    second = walk_in(owner, practice, "13:00", customer_id=str(rita))
    assert customer_of(app, second).id == rita
    assert len(business_customers(app, practice)) == 1


def test_a_phone_number_on_file_is_offered_instead_of_merged(owner, api, app, practice):
    known = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(
        practice, "2027-02-03T09:00:00+01:00", customer={"name": "Anna Known", "email": "anna@example.test",
                                                         "phone": "+49 30 1234-5678"}), expect=201, key="")
    anna = customer_of(app, known["id"]).id
    fields = dict(service=str(practice.service_id), start=f"{TUESDAY}T10:00:00+01:00", name="Anna K",
                  phone="+49 (30) 12345678", preferred_channel="none")
    offered = post_booking(owner, **fields)
    page = offered.get_data(as_text=True)
    assert offered.status_code == 422
    assert "A customer with this phone number exists already" in page and 'href="#phone"' in page
    results = page[page.index('id="customer-results"'):]
    assert "Anna Known" in results and f"customer={anna}" in results  # one press picks her
    assert 'name="new_customer_ok"' in page and 'value="Anna K"' in page
    assert len(business_customers(app, practice)) == 1
    confirmed = post_booking(owner, new_customer_ok="y", **fields)
    assert confirmed.status_code == 303
    assert [(c.name, c.email) for c in business_customers(app, practice)] == [
        ("Anna Known", "anna@example.test"), ("Anna K", None)]


# --- where walk-ins show up ----------------------------------------------------------------------

@pytest.fixture
def walk_ins(owner, practice) -> dict[str, int]:
    return {"name_only": walk_in(owner, practice, "09:00", name="Walter Walk-in", preferred_channel="none"),
            "phone": walk_in(owner, practice, "10:00", name="Petra Phone", phone="+49 170 555 0123",
                             preferred_channel="sms")}


def test_walk_ins_appear_in_the_day_calendar_and_the_feed(owner, api, app, walk_ins):
    day = owner.get(f"/app/calendar/day?date={TUESDAY}").get_data(as_text=True)
    assert "Walter Walk-in" in day and "Petra Phone" in day
    for booking_id in walk_ins.values():
        assert f"/app/bookings/{booking_id}\"" in day
    feed = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    body = owner.get(feed).get_data(as_text=True)
    assert "Walter Walk-in" in body and "Petra Phone" in body


def test_walk_ins_appear_in_the_customer_list_search_and_their_page(owner, app, walk_ins):
    listed = main_part(owner.get("/app/customers").get_data(as_text=True))
    assert "Walter Walk-in" in listed and "Petra Phone" in listed and not PRINTED_NONE.search(listed)
    found = main_part(owner.get("/app/customers", query_string={"q": "555 01"}).get_data(as_text=True))
    assert "Petra Phone" in found and "Walter" not in found
    lookup = owner.get("/app/customers/lookup", query_string={"q": "5550123"}).get_json()
    assert [(c["name"], c["email"], c["phone"]) for c in lookup["customers"]] == [
        ("Petra Phone", "", "+49 170 555 0123")]
    search = main_part(owner.get("/app/bookings/new", query_string={"q": "walter"}).get_data(as_text=True))
    assert "Walter Walk-in" in search and not PRINTED_NONE.search(search)
    petra = customer_of(app, walk_ins["phone"])
    page = main_part(owner.get(f"/app/customers/{petra.id}").get_data(as_text=True))
    assert "Petra Phone" in page and 'href="tel:+49 170 555 0123"' in page
    assert email_shown(page) == "–" and not PRINTED_NONE.search(page)
    assert f'data-booking="{walk_ins["phone"]}"' in page


def test_the_reports_csv_has_an_empty_email_cell(owner, walk_ins):
    response = owner.get("/app/reports/bookings.csv?from=2027-02-01&to=2027-02-07")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    assert [(row["customer_name"], row["customer_email"], row["source"]) for row in rows] == [
        ("Walter Walk-in", "", "staff"), ("Petra Phone", "", "staff")]


def test_the_api_shows_a_staff_made_walk_in_with_a_null_email(api, walk_ins):
    booking = api.json("GET", f"/api/v1/bookings/{walk_ins['phone']}")
    assert booking["customer"] == {"name": "Petra Phone", "email": None, "phone": "+49 170 555 0123"}
    assert booking["source"] == "staff"


def test_an_invitation_for_a_walk_in_has_no_attendee(app, walk_ins):
    with database(app) as session:
        booking = session.get(Booking, walk_ins["phone"])
        invitation = booking_invitation(booking, booking.business, "practice@example.test", "REQUEST")
    assert b"BEGIN:VEVENT" in invitation and b"ATTENDEE" not in invitation and b"mailto:None" not in invitation


def test_editing_a_walk_in_adds_an_address_and_removing_it_needs_another_channel(owner, app, walk_ins):
    walter = customer_of(app, walk_ins["name_only"])
    edit = f"/app/customers/{walter.id}/edit"
    form = owner.get(edit).get_data(as_text=True)
    assert not PRINTED_NONE.search(form) and re.search(r'<input[^>]*name="email"[^>]*value=""', form)
    fields = {"csrf_token": form_token(form), "name": "Walter Walk-in", "phone": "", "locale": "", "notes": ""}
    saved = owner.post(edit, data=dict(fields, email="Walter@Example.test", preferred_channel="email"))
    assert saved.status_code == 303
    assert customer_of(app, walk_ins["name_only"]).email == "walter@example.test"
    refused = owner.post(edit, data=dict(fields, email="", preferred_channel="email"))
    assert refused.status_code == 422 and NO_CHANNEL_FOR_NO_EMAIL in refused.get_data(as_text=True)
    assert customer_of(app, walk_ins["name_only"]).email == "walter@example.test"
    removed = owner.post(edit, data=dict(fields, email="", preferred_channel="none"))
    assert removed.status_code == 303
    assert customer_of(app, walk_ins["name_only"]).email is None


def test_an_email_planned_before_staff_removed_the_address_is_not_sent(owner, api, app, practice):
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(
        practice, "2027-02-02T09:00:00+01:00", customer={"name": "Olga Online", "email": "olga@example.test"}),
        expect=201, key="")
    olga = customer_of(app, booked["id"])
    edit = f"/app/customers/{olga.id}/edit"
    token = form_token(owner.get(edit).get_data(as_text=True))
    removed = owner.post(edit, data={"csrf_token": token, "name": "Olga Online", "email": "", "phone": "",
                                     "preferred_channel": "none", "locale": "", "notes": ""})
    assert removed.status_code == 303
    with pinned(FROZEN_NOW), app.app_context():
        dispatch_due(utcnow)
        confirmation = db.session.scalar(select(Notification).where(Notification.booking_id == booked["id"],
                                                                    Notification.kind == "confirmation"))
        assert (confirmation.status, confirmation.last_error) == ("expired", "customer has no email address")
        db.session.remove()


def test_gdpr_export_and_erasure_of_walk_ins(owner, app, walk_ins):
    petra = customer_of(app, walk_ins["phone"])
    data = json.loads(owner.get(f"/app/customers/{petra.id}/export.json").get_data(as_text=True))
    assert (data["customer"]["name"], data["customer"]["email"], data["customer"]["phone"]) == (
        "Petra Phone", None, "+49 170 555 0123")
    assert [booking["id"] for booking in data["bookings"]] == [walk_ins["phone"]]
    erased = []
    for booking_id in walk_ins.values():
        customer = customer_of(app, booking_id)
        page = owner.get(f"/app/customers/{customer.id}/erase").get_data(as_text=True)
        done = owner.post(f"/app/customers/{customer.id}/erase", data={"csrf_token": form_token(page),
                                                                       "confirm": "y"})
        assert done.status_code == 303
        erased.append(customer_of(app, booking_id))
    # Two erased customers without an address: NULLs never clash in the unique constraint.
    assert [(c.name, c.email, c.phone) for c in erased] == [(ERASED_NAME, None, None) for _ in erased]
    assert "Petra" not in main_part(owner.get("/app/customers?q=petra").get_data(as_text=True))


# --- everywhere else an email address stays required ---------------------------------------------

def test_the_public_page_still_requires_an_email_address(client, practice):
    start = quote("2027-02-02T09:00:00+01:00", safe="")
    page = client.get(f"/b/{practice.slug}/book?service={practice.service_id}&staff=any"
                      f"&tz=Europe%2FBerlin&start={start}").get_data(as_text=True)
    form = {name: value for name, value in re.findall(
        r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', page)}
    form.update(name="Walter Walk-in", email="", preferred_channel="none")
    response = client.post(f"/b/{practice.slug}/book", data=form)
    assert response.status_code == 422
    assert "Please enter your email address." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/public/{slug}/bookings", "/api/v1/bookings"])
def test_the_api_still_requires_an_email_address(api, practice, path):
    body = booking_body(practice, "2027-02-02T09:00:00+01:00",
                        customer={"name": "Walter Walk-in", "phone": "0151 1", "preferred_channel": "sms"})
    answer = api.json("POST", path.format(slug=practice.slug), body, expect=422)
    assert answer["error"] == "invalid" and "customer.email" in answer["fields"]
