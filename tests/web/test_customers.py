"""Customers in the workspace: the list with search and pages, a customer's history (counts with
excused no-shows, every booking, every message), editing with consent, and GDPR: the JSON export
and erasure, both through the pages and directly through booking.operations.privacy.
The clock is pinned to Monday 2027-02-01 08:00 Berlin."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select, text

from booking.clock import pinned
from booking.extensions import db
from booking.models import Booking, BookingEvent, Business, Customer, Feedback, Notification
from booking.operations.booking_changes import cancel_booking
from booking.operations.privacy import ERASED_NAME, erase_customer, export_customer
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Practice, booking_body, setup_practice, unique
from tests.support.workspace import form_token, log_in_new_staff


def book(api, practice: Practice, start: str, name: str, email: str, **extra) -> int:
    """A public (online) booking on 2027-`start` Berlin time; returns its id."""
    customer = extra.pop("customer", {})
    body = booking_body(practice, f"2027-{start}:00+01:00", staff_id=practice.staff_ids[0], email=email, **extra)
    body["customer"].update(customer, name=name)
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")["id"]


def book_by_staff(api, practice: Practice, start: str, name: str, email: str) -> int:
    body = booking_body(practice, f"2027-{start}:00+01:00", staff_id=practice.staff_ids[0], email=email)
    body["customer"]["name"] = name
    return api.json("POST", "/api/v1/bookings", body, expect=201, key=practice.key)["id"]


def set_status(api, practice: Practice, booking_id: int, status: str) -> None:
    api.json("PATCH", f"/api/v1/bookings/{booking_id}", {"status": status}, key=practice.key)


def customer_of(app, booking_id: int) -> Customer:
    with database(app) as session:
        customer = session.get(Booking, booking_id).customer
        session.expunge(customer)
        return customer


def add_customers(app, practice: Practice, names: list[str], erased: bool = False) -> None:
    """Customers straight into the table: the list only needs rows to page through."""
    with database(app) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == practice.slug))
        for name in names:
            session.add(Customer(business_id=business_id, name=name, email=f"{unique('c')}@example.test",
                                 preferred_channel="email", created_at=FROZEN_NOW,
                                 erased_at=FROZEN_NOW if erased else None))
        session.commit()


def rows_shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-customer="(\d+)"', html)]


def count_shown(html: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', html).group(1))


# --- the list ----------------------------------------------------------------------------------

def test_the_list_pages_by_name_and_hides_erased_customers(app, owner, practice):
    add_customers(app, practice, [f"Filler {n:03d}" for n in range(60)] + ["anna Early", "Zed Last"])
    add_customers(app, practice, ["Erased Person"], erased=True)
    first = owner.get("/app/customers").get_data(as_text=True)
    assert "62 customers" in first and len(rows_shown(first)) == 50
    names = re.findall(r'data-customer="\d+">\s*<td><a [^>]*>([^<]+)</a>', first)
    assert names[0] == "anna Early" and names == sorted(names, key=str.lower)
    assert 'href="/app/customers?page=2"' in first and "Page 1 of 2" in first
    second = owner.get("/app/customers?page=2").get_data(as_text=True)
    assert len(rows_shown(second)) == 12 and "Zed Last" in second and "Erased Person" not in first + second
    assert not set(rows_shown(first)) & set(rows_shown(second))
    assert owner.get("/app/customers?page=999").status_code == 200  # the last page, not an error
    for junk in ("-3", "%C2%B2", "9" * 5000, "2.5"):
        assert owner.get(f"/app/customers?page={junk}&q=%00").status_code == 200, junk


def test_search_finds_name_email_and_part_of_a_phone_number(app, api, owner, practice):
    anna = book(api, practice, "02-02T09:00", "Anna Müller", "anna.m@example.test",
                customer={"phone": "+49 (30) 123456-78"})
    book(api, practice, "02-02T10:00", "Bert <b>Bold</b>", "bert@example.test", customer={"phone": "0171 999888"})
    add_customers(app, practice, ["Anna Erased"], erased=True)
    anna_id = customer_of(app, anna).id

    def found(query: str) -> str:
        response = owner.get("/app/customers", query_string={"q": query})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert rows_shown(found("müll")) == [anna_id]
    assert rows_shown(found("ANNA.M@EXAMPLE")) == [anna_id]
    assert rows_shown(found("3456 78")) == [anna_id]  # part of the number, spaced differently
    assert rows_shown(found("12345678")) == [anna_id]
    assert "Anna Erased" not in found("anna")
    bold = found("bold")
    assert "Bert &lt;b&gt;Bold&lt;/b&gt;" in bold and "<b>Bold" not in bold
    assert "No customer matches" in found("nobody-like-this")
    assert f'href="/app/customers/{anna_id}"' in found("anna")


# --- one customer ------------------------------------------------------------------------------

def test_the_customer_page_counts_visits_and_lists_every_booking_and_message(app, api, owner, practice):
    email = "carla@example.test"
    days = ("02-02", "02-03", "02-04", "02-05", "02-08", "02-09")  # weekdays, the practice's hours
    ids = [book(api, practice, f"{day}T09:00", "Carla Count", email) for day in days]
    for booking_id, status in zip(ids, ("completed", "cancelled", "no_show", "no_show", "arrived")):
        set_status(api, practice, booking_id, status)
    with database(app) as session:
        session.get(Booking, ids[3]).no_show_excused = True
        session.commit()
    customer = customer_of(app, ids[0])
    page = owner.get(f"/app/customers/{customer.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<title>Carla Count" in html
    counts = {name: count_shown(html, name) for name in ("bookings", "completed", "cancelled", "no_shows",
                                                           "excused_no_shows")}
    assert counts == {"bookings": 6, "completed": 1, "cancelled": 1, "no_shows": 2, "excused_no_shows": 1}
    shown = [int(n) for n in re.findall(r'<tr class="status-\w+" data-booking="(\d+)"', html)]
    assert shown == list(reversed(ids))  # newest first, the future one included
    for booking_id in ids:
        assert f'href="/app/bookings/{booking_id}"' in html
    assert "(excused)" in html and "Missed" in html
    with database(app) as session:
        planned = session.scalars(select(Notification).join(Booking).where(Booking.customer_id == customer.id))
        message_ids = {row.id for row in planned}
    assert {int(n) for n in re.findall(r'data-message="(\d+)"', html)} == message_ids
    assert html.count('data-kind="confirmation"') == 6 and 'data-kind="cancellation"' in html
    assert "Confirmation" in html and "Cancellation" in html and "Withdrawn" in html


def test_a_staff_entered_customer_has_no_consent_until_they_book_online(app, api, owner, practice):
    email = "dora@example.test"
    by_phone = book_by_staff(api, practice, "02-02T09:00", "Dora Desk", email)
    assert customer_of(app, by_phone).consent_at is None
    assert "Not recorded" in owner.get(f"/app/customers/{customer_of(app, by_phone).id}").get_data(as_text=True)
    later = FROZEN_NOW + timedelta(hours=3)
    with pinned(later):
        book(api, practice, "02-03T09:00", "Dora Desk", email)
    with pinned(later + timedelta(days=1)):
        book(api, practice, "02-04T09:00", "Dora Desk", email)  # a second online booking changes nothing
    customer = customer_of(app, by_phone)
    assert (customer.consent_source, customer.consent_at) == ("online", later)
    page = owner.get(f"/app/customers/{customer.id}").get_data(as_text=True)
    assert 'data-consent="online"' in page and "Agreed when booking online" in page


def test_another_businesss_customer_is_not_found(app, api, owner):
    other = setup_practice(api)
    theirs = customer_of(app, book(api, other, "02-02T09:00", "Their Customer", "theirs@example.test")).id
    token = form_token(owner.get("/app/customers").get_data(as_text=True))
    for path in ("", "/edit", "/export.json", "/erase"):
        assert owner.get(f"/app/customers/{theirs}{path}").status_code == 404, path
    for path in ("/edit", "/erase"):
        response = owner.post(f"/app/customers/{theirs}{path}",
                              data={"csrf_token": token, "name": "Hijacked", "email": "h@example.test",
                                    "preferred_channel": "email", "confirm": "y"})
        assert response.status_code == 404, path
    with database(app) as session:
        row = session.get(Customer, theirs)
        assert (row.name, row.erased_at) == ("Their Customer", None)


# --- editing -----------------------------------------------------------------------------------

def edit_form(**changes) -> dict:
    form = {"name": "Erik Edit", "email": "erik@example.test", "phone": "", "preferred_channel": "email",
            "locale": "", "notes": ""}
    form.update(changes)
    return form


def test_editing_refuses_another_customers_email_and_keeps_what_was_typed(app, api, owner, practice):
    erik = customer_of(app, book_by_staff(api, practice, "02-02T09:00", "Erik Edit", "erik@example.test"))
    book(api, practice, "02-02T10:00", "Fay Taken", "fay@example.test")
    page = owner.get(f"/app/customers/{erik.id}/edit").get_data(as_text=True)
    assert 'value="Erik Edit"' in page and 'value="erik@example.test"' in page
    typed = edit_form(name="Erik Typed", email="FAY@example.test", phone="+49 170 1234567", notes="Prefers mornings",
                      csrf_token=form_token(page))
    refused = owner.post(f"/app/customers/{erik.id}/edit", data=typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Another customer already has this email address." in html
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in email_input and 'aria-describedby="email-hint email-error"' in email_input
    assert '<p class="error" id="email-error">' in html and 'href="#email"' in html  # next to it, and summed up
    assert 'value="Erik Typed"' in html and 'value="fay@example.test"' in html and "Prefers mornings" in html
    assert 'value="+49 170 1234567"' in html
    with database(app) as session:
        row = session.get(Customer, erik.id)
        assert (row.name, row.email, row.notes) == ("Erik Edit", "erik@example.test", None)


def test_editing_saves_details_and_records_consent_given_to_staff(app, api, owner, practice):
    erik = customer_of(app, book_by_staff(api, practice, "02-02T09:00", "Erik Edit", "erik@example.test"))
    assert erik.consent_at is None
    token = form_token(owner.get(f"/app/customers/{erik.id}/edit").get_data(as_text=True))
    no_phone = owner.post(f"/app/customers/{erik.id}/edit", data=edit_form(preferred_channel="sms", csrf_token=token))
    assert no_phone.status_code == 422 and "Please enter a phone number for text messages." in no_phone.get_data(
        as_text=True)
    saved = owner.post(f"/app/customers/{erik.id}/edit", data=edit_form(
        name="Erik Neu", email="Erik.Neu@Example.test", phone="+49 170 1234567", preferred_channel="sms",
        locale="de", notes="Hard of hearing", consent="y", csrf_token=token))
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/app/customers/{erik.id}")
    with database(app) as session:
        row = session.get(Customer, erik.id)
        assert (row.name, row.email, row.phone, row.preferred_channel, row.locale, row.notes) == (
            "Erik Neu", "erik.neu@example.test", "+49 170 1234567", "sms", "de", "Hard of hearing")
        assert (row.consent_source, row.consent_at) == ("staff", FROZEN_NOW)
    page = owner.get(f"/app/customers/{erik.id}").get_data(as_text=True)
    assert "Customer details saved." in page and "Deutsch" in page and "Hard of hearing" in page
    assert 'data-consent="staff"' in page and "Agreed to staff" in page
    back = owner.post(f"/app/customers/{erik.id}/edit", data=edit_form(email="erik.neu@example.test", csrf_token=token))
    assert back.status_code == 303
    with database(app) as session:
        row = session.get(Customer, erik.id)
        assert (row.locale, row.phone, row.consent_source) == (None, None, "staff")  # consent stays recorded


# --- GDPR: export and erasure through the pages ------------------------------------------------

def test_staff_may_look_but_only_the_owner_exports_or_erases(app, api, client, practice):
    customer = customer_of(app, book(api, practice, "02-02T09:00", "Gina Guarded", "gina@example.test"))
    log_in_new_staff(client, app, practice, FROZEN_NOW)
    assert client.get("/app/customers").status_code == 200
    page = client.get(f"/app/customers/{customer.id}").get_data(as_text=True)
    assert "Gina Guarded" in page and "export.json" not in page and "/erase" not in page
    assert client.get(f"/app/customers/{customer.id}/export.json").status_code == 403
    assert client.get(f"/app/customers/{customer.id}/erase").status_code == 403
    token = form_token(client.get(f"/app/customers/{customer.id}/edit").get_data(as_text=True))
    response = client.post(f"/app/customers/{customer.id}/erase", data={"csrf_token": token, "confirm": "y"})
    assert response.status_code == 403
    assert customer_of(app, book(api, practice, "02-03T09:00", "Gina Guarded", "gina@example.test")).erased_at is None


def test_the_owner_downloads_everything_held_about_a_customer(app, api, owner, practice):
    booking_id = book(api, practice, "02-02T09:00", "Hanna Export", "hanna@example.test", notes="Knee",
                      customer={"phone": "+49 30 555"})
    customer = customer_of(app, booking_id)
    with database(app) as session:
        session.add(Feedback(business_id=session.get(Booking, booking_id).business_id, booking_id=booking_id,
                             rating=4, comment="Friendly", created_at=FROZEN_NOW))
        session.commit()
    response = owner.get(f"/app/customers/{customer.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="customer-{customer.id}.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["customer"]["name"] == "Hanna Export" and data["customer"]["phone"] == "+49 30 555"
    assert data["consent"] == {"given_at": "2027-02-01T07:00:00Z", "source": "online"}
    [booking] = data["bookings"]
    assert (booking["id"], booking["start"], booking["end"], booking["notes"]) == (
        booking_id, "2027-02-02T08:00:00Z", "2027-02-02T08:30:00Z", "Knee")
    assert [event["action"] for event in data["audit"]] == ["created"]
    assert {m["kind"] for m in data["messages"]} == {"confirmation", "reminder"}
    assert all(m["recipient"] == "hanna@example.test" for m in data["messages"])
    assert data["feedback"] == [{"booking_id": booking_id, "rating": 4, "comment": "Friendly",
                                 "created_at": "2027-02-01T07:00:00Z"}]


def test_the_owner_erases_a_customer_after_confirming(app, api, owner, practice):
    visited = book(api, practice, "02-01T09:00", "Ida Erase", "ida@example.test", customer={"phone": "+49 171 4242"})
    future = book(api, practice, "02-03T09:00", "Ida Erase", "ida@example.test")
    set_status(api, practice, visited, "completed")
    customer = customer_of(app, visited)
    page = owner.get(f"/app/customers/{customer.id}/erase")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-upcoming="1"' in html and "1 upcoming booking will be cancelled" in html
    refused = owner.post(f"/app/customers/{customer.id}/erase", data={"csrf_token": form_token(html)})
    assert refused.status_code == 422
    assert "Please tick the box to confirm the erasure." in refused.get_data(as_text=True)
    assert customer_of(app, visited).erased_at is None
    done = owner.post(f"/app/customers/{customer.id}/erase", data={"csrf_token": form_token(html), "confirm": "y"})
    assert done.status_code == 303
    shown = owner.get(f"/app/customers/{customer.id}").get_data(as_text=True)
    assert "data-erased" in shown and "Erased customer" in shown and "Ida Erase" not in shown
    assert "/edit" not in shown and "export.json" not in shown and 'data-link="erase"' not in shown
    assert "1 upcoming booking was cancelled." in shown
    assert owner.get(f"/app/customers/{customer.id}/edit").status_code == 303
    assert "Ida" not in owner.get("/app/customers?q=ida").get_data(as_text=True).split("<main", 1)[1]
    with database(app) as session:
        statuses = {b.id: b.status for b in session.scalars(select(Booking).where(Booking.customer_id == customer.id))}
    assert statuses == {visited: "completed", future: "cancelled"}
    for lang, label in (("en", "Erased customer"), ("de", "Gelöschter Kunde"), ("es", "Cliente borrado")):
        day = owner.get(f"/app/calendar/day?date=2027-02-01&lang={lang}").get_data(as_text=True)
        today = owner.get(f"/app/?lang={lang}").get_data(as_text=True)
        assert label in day and label in today and "Ida" not in day + today, lang
        if lang != "en":
            assert "Erased customer" not in day + today, lang


# --- GDPR: booking.operations.privacy directly -------------------------------------------------

def database_text(app) -> str:
    """Every row of every table as JSON text: what a search through the whole database sees."""
    with database(app) as session:
        return "\n".join(session.scalar(text(f'SELECT coalesce(json_agg(t)::text, \'\') FROM "{table.name}" t'))
                         for table in db.metadata.sorted_tables)


def customer_business(session, customer: Customer) -> Business:
    return session.get(Business, customer.business_id)


def private_customer(app, api, practice: Practice) -> tuple[dict, dict]:
    """A customer with personal data in every place we keep it: profile, notes, booking notes, a
    cancellation reason (audit entry and message), a failed message's error, a feedback comment."""
    tag = unique("p")
    secrets = {"name": f"Jolene Private {tag}", "email": f"jolene-{tag}@example.test", "phone": "+49 151 7777 31",
               "notes": f"Allergic to penicillin {tag}", "booking_notes": f"Bring the X-ray {tag}",
               "comment": f"Lovely staff {tag}", "reason": f"Sorry, the doctor is ill {tag}"}
    ids = {"completed": book(api, practice, "02-02T09:00", secrets["name"], secrets["email"],
                             notes=secrets["booking_notes"], customer={"phone": secrets["phone"]}),
           "cancelled": book(api, practice, "02-03T09:00", secrets["name"], secrets["email"]),
           "no_show": book(api, practice, "02-04T09:00", secrets["name"], secrets["email"]),
           "upcoming": book(api, practice, "02-05T09:00", secrets["name"], secrets["email"])}
    set_status(api, practice, ids["completed"], "completed")
    set_status(api, practice, ids["no_show"], "no_show")
    with database(app) as session:
        completed = session.get(Booking, ids["completed"])
        completed.customer.notes = secrets["notes"]
        session.add(Feedback(business_id=completed.business_id, booking_id=completed.id, rating=5,
                             comment=secrets["comment"], created_at=FROZEN_NOW))
        cancel_booking(session.get(Booking, ids["cancelled"]), FROZEN_NOW, "user:1", reason=secrets["reason"])
        failed = session.scalar(select(Notification).where(Notification.booking_id == ids["completed"]))
        failed.status, failed.last_error = "failed", f"550 mailbox {secrets['email']} unavailable"
        session.get(Booking, ids["no_show"]).no_show_excused = True
        session.commit()
    return secrets, ids


def test_erasure_removes_every_personal_detail_and_keeps_the_statistics(app, api, practice):
    secrets, ids = private_customer(app, api, practice)
    everything = database_text(app)
    assert all(value in everything for value in secrets.values())  # the search below can see them
    with database(app) as session:
        customer = session.get(Booking, ids["completed"]).customer
        customer_id, business = customer.id, customer_business(session, customer)
        pending_before = session.scalar(select(db.func.count()).select_from(Notification).join(Booking).where(
            Booking.customer_id == customer_id, Notification.status == "pending"))
        assert pending_before > 0
        result = erase_customer(business, customer, FROZEN_NOW, "user:1")
        session.commit()
    assert (result.cancelled_bookings, result.bookings_kept) == (1, 4)
    everything = database_text(app)
    leaks = {key: value for key, value in secrets.items() if value in everything}
    assert not leaks, f"still in the database after erasure: {leaks}"
    assert "151777731" not in everything.replace(" ", "")
    with database(app) as session:
        customer = session.get(Customer, customer_id)
        assert (customer.name, customer.email, customer.phone, customer.notes, customer.locale) == (
            ERASED_NAME, None, None, None, None)
        assert customer.erased_at == FROZEN_NOW
        bookings = {b.id: b for b in session.scalars(select(Booking).where(Booking.customer_id == customer_id))}
        assert {b.id: b.status for b in bookings.values()} == {
            ids["completed"]: "completed", ids["cancelled"]: "cancelled", ids["no_show"]: "no_show",
            ids["upcoming"]: "cancelled"}
        assert bookings[ids["no_show"]].no_show_excused and all(b.notes is None for b in bookings.values())
        messages = list(session.scalars(select(Notification).where(Notification.booking_id.in_(bookings))))
        assert messages and all(m.status != "pending" and m.recipient == "" for m in messages)
        assert session.scalar(select(Feedback.rating).where(Feedback.booking_id == ids["completed"])) == 5
        actions = [e.action for e in session.scalars(select(BookingEvent).where(
            BookingEvent.booking_id == ids["upcoming"]).order_by(BookingEvent.id))]
        assert actions == ["created", "cancelled"]  # the erasure's cancellation is in the audit trail


def test_export_holds_what_was_recorded_and_nothing_after_erasure(app, api, practice):
    secrets, ids = private_customer(app, api, practice)
    with database(app) as session:
        customer = session.get(Booking, ids["completed"]).customer
        business = customer_business(session, customer)
        before = export_customer(business, customer, FROZEN_NOW)
        erase_customer(business, customer, FROZEN_NOW, "user:1")
        session.commit()
        after = export_customer(business, customer, FROZEN_NOW)
    assert before["customer"]["notes"] == secrets["notes"] and before["customer"]["phone"] == secrets["phone"]
    assert [b["id"] for b in before["bookings"]] == [ids["completed"], ids["cancelled"], ids["no_show"],
                                                     ids["upcoming"]]
    assert before["bookings"][2]["no_show_excused"] is True
    assert all(b["start"].endswith("Z") for b in before["bookings"])
    reasons = [e["details"].get("reason") for e in before["audit"] if e["action"] == "cancelled"]
    assert reasons == [secrets["reason"]]
    assert [m["content"].get("reason") for m in before["messages"] if m["kind"] == "cancellation"] == [
        secrets["reason"]]
    assert before["feedback"][0]["comment"] == secrets["comment"]
    dumped = json.dumps(after)
    assert not [value for value in secrets.values() if value in dumped]
    assert after["customer"]["erased_at"] == "2027-02-01T07:00:00Z" and len(after["bookings"]) == 4
