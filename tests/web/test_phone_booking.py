"""Phone and walk-in bookings by staff: the customer lookup (name, email, part of the phone number),
booking for an existing or a new customer, "Show free times" keeping the input, times outside
the offered ones only after a confirmation and never onto an overlap. The clock is pinned to
Monday 2027-02-01 08:00 Berlin; the practice works Mon-Fri 09:00-12:00 and 13:00-17:00."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from booking.models import Booking, BookingEvent, Business, Customer, User
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Practice, booking_body, setup_practice
from tests.support.workspace import form_token, log_in_new_staff

TUESDAY = "2027-02-02"


def public_booking(api, practice: Practice, start: str, name: str, email: str, phone: str | None = None) -> int:
    customer = {"name": name, "email": email}
    if phone:
        customer["phone"] = phone
    body = booking_body(practice, start, customer=customer)
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")["id"]


@pytest.fixture
def practice(api):
    practice = setup_practice(api)
    public_booking(api, practice, "2027-02-03T09:00:00+01:00", "Anna Müller", "anna.mueller@example.test",
                   "+49 30 1234-5678")
    public_booking(api, practice, "2027-02-03T09:30:00+01:00", "Bernd Schmidt", "bernd@example.test",
                   "0171 555 0101")
    return practice


def _customer_id(session, practice: Practice, email: str) -> int:
    business_id = session.scalar(select(Business.id).where(Business.slug == practice.slug))
    return session.scalar(select(Customer.id).where(Customer.business_id == business_id, Customer.email == email))


def lookup(client, text: str) -> list[str]:
    response = client.get("/app/customers/lookup", query_string={"q": text})
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["count"] == len(body["customers"])
    return [customer["name"] for customer in body["customers"]]


# --- finding the customer ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["1234-56", "12345678", "030 1234", "+49 30 12", "34 56 78", "(030) 1234/5678"])
def test_a_part_of_the_phone_number_finds_the_customer_whatever_its_formatting(owner, text):
    assert lookup(owner, text) == ["Anna Müller"]


@pytest.mark.parametrize("text, expected", [
    ("mül", ["Anna Müller"]), ("ANNA", ["Anna Müller"]), ("anna mül", ["Anna Müller"]),
    ("schmidt", ["Bernd Schmidt"]), ("anna.mueller@", ["Anna Müller"]),
    ("example.test", ["Anna Müller", "Bernd Schmidt"]),
    ("0171555", ["Bernd Schmidt"]), ("nobody", []), ("", []), ("   ", []), ("%", []), ("12", []),
])
def test_name_email_and_phone_parts_find_customers(owner, text, expected):
    assert lookup(owner, text) == expected


def test_lookup_skips_erased_customers_and_other_businesses_and_stops_at_ten(owner, api, app, practice):
    other = setup_practice(api)
    public_booking(api, other, "2027-02-03T09:00:00+01:00", "Anna Other", "anna@other.test", "+49 30 1234 9999")
    for n in range(12):  # six half-hour slots on Thursday morning, six on Friday's
        start = f"2027-02-{4 + n // 6:02d}T{9 + (n % 6) // 2:02d}:{(n % 2) * 30:02d}:00+01:00"
        public_booking(api, practice, start, f"Zed Person {n:02d}", f"zed{n}@example.test")
    with database(app) as session:
        session.get(Customer, _customer_id(session, practice, "bernd@example.test")).erased_at = FROZEN_NOW
        session.commit()
    assert lookup(owner, "anna") == ["Anna Müller"]
    assert lookup(owner, "bernd") == [] and lookup(owner, "0171") == []
    assert lookup(owner, "zed") == [f"Zed Person {n:02d}" for n in range(10)]


def test_without_javascript_the_search_lists_matches_with_links_that_pick_the_customer(owner, app, practice):
    page = owner.get("/app/bookings/new", query_string={"q": "5678"}).get_data(as_text=True)
    anna = _id_of(app, practice, "anna.mueller@example.test")
    assert "1 customer found" in page and "Anna Müller" in page and "Bernd" not in page
    link = re.search(r'<a href="([^"]*customer=%d[^"]*)"' % anna, page).group(1).replace("&amp;", "&")
    chosen = owner.get(link).get_data(as_text=True)
    assert f'name="customer_id" value="{anna}"' in chosen
    assert "Booking for" in chosen and "anna.mueller@example.test" in chosen


def _id_of(app, practice: Practice, email: str) -> int:
    with database(app) as session:
        return _customer_id(session, practice, email)


# --- booking -------------------------------------------------------------------------------------

def new_form(client, **args) -> tuple[str, str, str]:
    """The page, its CSRF token (the booking form's) and its idempotency key."""
    page = client.get("/app/bookings/new", query_string=args).get_data(as_text=True)
    form = page[page.index('class="phone-booking"'):]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    key = re.search(r'id="idempotency_key" name="idempotency_key" type="hidden" value="([^"]+)"', form).group(1)
    return page, token, key


def post_booking(client, practice: Practice, **fields):
    _page, token, key = new_form(client)
    data = {"csrf_token": token, "idempotency_key": key, "service": str(practice.service_id), "staff": "any",
            "day": TUESDAY, "action": "book"}
    data.update(fields)
    return client.post("/app/bookings/new", data=data)


def bookings_of(app, practice: Practice, email: str) -> list[Booking]:
    with database(app) as session:
        rows = session.scalars(select(Booking).join(Customer, Customer.id == Booking.customer_id)
                               .where(Customer.id == _customer_id(session, practice, email))
                               .order_by(Booking.start_utc))
        return [row for row in rows]


def events_of(app, booking_id: int) -> list[BookingEvent]:
    with database(app) as session:
        return list(session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id)
                                    .order_by(BookingEvent.id)))


def owner_id(app, practice: Practice) -> int:
    with database(app) as session:
        return session.scalar(select(User.id).where(User.email == f"owner@{practice.slug}.test"))


def test_the_page_offers_the_days_free_times(owner, practice):
    page, _token, _key = new_form(owner, date=TUESDAY)
    assert page.count('name="start" id="start-') == 14 + 1  # 09:00-11:30 and 13:00-16:30, and "another time"
    assert 'value="2027-02-02T09:00:00+01:00"' in page and 'value="2027-02-02T16:30:00+01:00"' in page
    assert "<title>New booking" in page and 'aria-current="page"' in page


def test_booking_for_an_existing_customer(owner, app, practice):
    anna = _id_of(app, practice, "anna.mueller@example.test")
    response = post_booking(owner, practice, customer_id=str(anna), start="2027-02-02T10:00:00+01:00",
                            notes="Called: back pain")
    assert response.status_code == 303
    [booking, _wednesday] = bookings_of(app, practice, "anna.mueller@example.test")
    assert response.headers["Location"].endswith(f"/app/bookings/{booking.id}")
    assert booking.source == "staff" and booking.notes == "Called: back pain"
    assert booking.start_utc == datetime(2027, 2, 2, 9, 0, tzinfo=timezone.utc)
    [created] = events_of(app, booking.id)
    assert created.actor == f"user:{owner_id(app, practice)}" and created.action == "created"
    assert created.at_utc == FROZEN_NOW and created.details["source"] == "staff"
    with database(app) as session:
        customer = session.get(Customer, anna)
        assert customer.name == "Anna Müller" and customer.phone == "+49 30 1234-5678"
    detail = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Booked: Anna Müller" in detail


def test_booking_for_a_new_customer(owner, app, practice):
    response = post_booking(owner, practice, name="Carla Neu", email="Carla@Example.test", phone="0151 222 333",
                            preferred_channel="sms", staff=str(practice.staff_ids[0]),
                            start="2027-02-02T13:30:00+01:00")
    assert response.status_code == 303
    [booking] = bookings_of(app, practice, "carla@example.test")
    assert booking.staff_id == practice.staff_ids[0] and booking.source == "staff"
    with database(app) as session:
        customer = session.get(Customer, booking.customer_id)
        assert (customer.name, customer.phone, customer.preferred_channel) == ("Carla Neu", "0151 222 333", "sms")


def test_validation_errors_keep_what_was_typed(owner, app, practice):
    response = post_booking(owner, practice, name="Dora <b>Draft</b>", email="not-an-email", preferred_channel="sms",
                            manual_time="25:99", start="other", notes="Keep me")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Dora &lt;b&gt;Draft&lt;/b&gt;"' in page and 'value="not-an-email"' in page and "Keep me" in page
    assert 'value="25:99"' in page
    assert "Please enter a valid email address" in page and "Please enter a phone number for text messages." in page
    assert "Please enter a time like 14:30." in page
    assert re.search(r'id="email"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="email"', page)
    assert 'href="#email"' in page  # the error summary leads to the field
    with database(app) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == practice.slug))
        assert session.scalar(select(func.count()).select_from(Customer)
                              .where(Customer.business_id == business_id, Customer.name.like("Dora%"))) == 0


def test_no_customer_and_no_time_are_errors_not_a_booking(owner, app, practice):
    response = post_booking(owner, practice)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "name, or find an existing customer." in page and 'href="#name"' in page
    assert "Please choose a time." in page


def test_show_free_times_changes_the_day_and_keeps_the_input(owner, practice):
    _page, token, key = new_form(owner)
    response = owner.post("/app/bookings/new", data={
        "csrf_token": token, "idempotency_key": key, "service": str(practice.service_id), "staff": "any",
        "day": "2027-02-06", "action": "times", "name": "Eva Early", "notes": "Wheelchair"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Eva Early"' in page and "Wheelchair" in page and "Please" not in page
    assert "No free times on this day." in page  # a Saturday
    assert f'value="{key}"' in page


def test_a_time_outside_working_hours_needs_a_confirmation(owner, app, practice):
    fields = dict(name="Fritz Late", email="fritz@example.test", start="other", manual_time="18:00", notes="After work")
    first = post_booking(owner, practice, **fields)
    page = first.get_data(as_text=True)
    assert first.status_code == 422
    assert "is not one of the offered times" in page and "Book outside working hours" in page
    assert 'value="18:00"' in page and 'value="Fritz Late"' in page and "After work" in page
    assert bookings_of(app, practice, "fritz@example.test") == []
    confirmed = post_booking(owner, practice, outside_hours="y", **fields)
    assert confirmed.status_code == 303
    [booking] = bookings_of(app, practice, "fritz@example.test")
    assert booking.start_utc == datetime(2027, 2, 2, 17, 0, tzinfo=timezone.utc)
    assert events_of(app, booking.id)[0].details["outside_hours"] is True
    detail = owner.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "outside the offered times" in detail


@pytest.mark.parametrize("time", ["17:45", "18:00", "18:15", "18:44"])
def test_a_confirmed_time_outside_hours_never_overlaps_another_booking(owner, app, practice, api, time):
    # 18:00-18:30 is taken (a staff booking outside hours) and keeps 15 minutes after it.
    api.json("PATCH", f"/api/v1/services/{practice.service_id}", {"buffer_after_minutes": 15})
    first = post_booking(owner, practice, name="Gina First", email="gina@example.test", start="other",
                         manual_time="18:00", outside_hours="y")
    assert first.status_code == 303
    second = post_booking(owner, practice, name="Hugo Second", email="hugo@example.test", start="other",
                          manual_time=time, outside_hours="y")
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "This time is not free" in page and 'name="alternative"' in page and 'value="Hugo Second"' in page
    assert bookings_of(app, practice, "hugo@example.test") == []


def test_a_time_inside_working_hours_that_overlaps_is_refused_with_alternatives(owner, app, practice):
    response = post_booking(owner, practice, name="Ida", email="ida@example.test", start="other",
                            manual_time="09:15", day="2027-02-03", outside_hours="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 409  # Anna 09:00-09:30 and Bernd 09:30-10:00 that day
    assert 'value="2027-02-03T10:00:00+01:00"' in page
    chosen = post_booking(owner, practice, name="Ida", email="ida@example.test", start="other",
                          manual_time="09:15", day="2027-02-03", alternative="2027-02-03T10:00:00+01:00")
    assert chosen.status_code == 303
    [booking] = bookings_of(app, practice, "ida@example.test")
    assert booking.start_utc == datetime(2027, 2, 3, 9, 0, tzinfo=timezone.utc)


def test_a_group_keeps_its_capacity_outside_hours_too(owner, app, practice, api):
    api.json("PATCH", f"/api/v1/services/{practice.service_id}", {"capacity": 2})
    for n in range(2):
        response = post_booking(owner, practice, name=f"Group {n}", email=f"group{n}@example.test", start="other",
                                manual_time="19:00", outside_hours="y")
        assert response.status_code == 303
    full = post_booking(owner, practice, name="Group 2", email="group2@example.test", start="other",
                        manual_time="19:00", outside_hours="y")
    assert full.status_code == 409
    assert bookings_of(app, practice, "group2@example.test") == []


def test_a_taken_offered_time_answers_with_alternatives_not_an_error_page(owner, app, practice, api):
    page, token, key = new_form(owner, date=TUESDAY)
    public_booking(api, practice, "2027-02-02T11:00:00+01:00", "Quick Online", "quick@example.test")
    response = owner.post("/app/bookings/new", data={
        "csrf_token": token, "idempotency_key": key, "service": str(practice.service_id), "staff": "any",
        "day": TUESDAY, "start": "2027-02-02T11:00:00+01:00", "name": "Slow Phone", "email": "slow@example.test"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and 'value="2027-02-02T11:30:00+01:00"' in body
    assert 'value="Slow Phone"' in body


def test_the_same_form_sent_twice_books_once(owner, app, practice):
    _page, token, key = new_form(owner)
    data = {"csrf_token": token, "idempotency_key": key, "service": str(practice.service_id), "staff": "any",
            "day": TUESDAY, "start": "2027-02-02T14:00:00+01:00", "name": "Jo Twice", "email": "jo@example.test"}
    assert owner.post("/app/bookings/new", data=data).status_code == 303
    again = owner.post("/app/bookings/new", data=data)
    assert again.status_code == 303
    assert len(bookings_of(app, practice, "jo@example.test")) == 1


def test_a_staff_account_books_by_phone(client, app, practice):
    email = log_in_new_staff(client, app, practice, FROZEN_NOW)
    assert lookup(client, "5678") == ["Anna Müller"]
    anna = _id_of(app, practice, "anna.mueller@example.test")
    response = post_booking(client, practice, customer_id=str(anna), start="2027-02-02T15:00:00+01:00")
    assert response.status_code == 303
    [booking] = [b for b in bookings_of(app, practice, "anna.mueller@example.test") if b.source == "staff"]
    with database(app) as session:
        staff_user = session.scalar(select(User.id).where(User.email == email))
    assert events_of(app, booking.id)[0].actor == f"user:{staff_user}"


def test_another_businesss_customer_service_and_staff_are_refused(owner, app, practice, api):
    other = setup_practice(api)
    theirs = public_booking(api, other, "2027-02-03T09:00:00+01:00", "Other Olga", "olga@other.test", "0301111")
    with database(app) as session:
        olga = session.get(Booking, theirs).customer_id
    assert lookup(owner, "Olga") == [] and lookup(owner, "0301111") == []
    page = owner.get("/app/bookings/new", query_string={"customer": olga}).get_data(as_text=True)
    assert "Olga" not in page and 'name="customer_id" value=""' in page
    cases = [dict(customer_id=str(olga), start="2027-02-02T09:00:00+01:00"),
             dict(name="X", email="x@example.test", service=str(other.service_id), start="2027-02-02T09:00:00+01:00"),
             dict(name="X", email="x@example.test", staff=str(other.staff_ids[0]), start="2027-02-02T09:00:00+01:00")]
    for fields in cases:
        response = post_booking(owner, practice, **fields)
        assert response.status_code == 422, fields
        assert "Olga" not in response.get_data(as_text=True)
    with database(app) as session:
        assert session.scalar(select(func.count()).select_from(Booking)
                              .where(Booking.start_utc == datetime(2027, 2, 2, 8, 0, tzinfo=timezone.utc),
                                     Booking.service_id.in_([practice.service_id, other.service_id]))) == 0


def test_the_workspace_links_to_the_new_booking_page(owner):
    start = owner.get("/app/").get_data(as_text=True)
    assert 'data-link="new-booking"' in start and 'data-link="new-booking-today"' in start
    assert form_token(start)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2027-02-30", "yesterday"])
def test_odd_dates_fall_back_to_today_never_an_error(owner, practice, day):
    page = owner.get("/app/bookings/new", query_string={"date": day})
    assert page.status_code == 200 and 'value="2027-02-01"' in page.get_data(as_text=True)
    _page, token, key = new_form(owner)
    shown = owner.post("/app/bookings/new", data={"csrf_token": token, "idempotency_key": key, "action": "times",
                                                  "service": str(practice.service_id), "staff": "any", "day": day})
    assert shown.status_code == 200 and "Time on Monday, February 1, 2027" in shown.get_data(as_text=True)
    booked = post_booking(owner, practice, day=day, name="Odd", email="odd@example.test", start="other",
                          manual_time="10:00")
    assert booked.status_code == 422 and "Please enter a date like 2027-02-01." in booked.get_data(as_text=True)
