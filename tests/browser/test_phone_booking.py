"""Acceptance: a receptionist books by phone for an existing customer found by typing part of their
phone number, at desktop width and on a 360 px phone. Any console error, failed request or server
error fails the test; screenshots are kept; axe-core checks the form."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.models import Booking, BookingEvent, User
from tests.browser.conftest import DESKTOP, PHONE, log_in_browser, open_berlin_page
from tests.browser.test_booking_flow import assert_fits
from tests.support.db_access import database
from tests.support.factories import Api, booking_body, setup_practice

pytestmark = pytest.mark.browser

CUSTOMERS = (("Greta Gruber", "greta@example.test", "+49 170 123 45 67"),
             ("Hans Huber", "hans@example.test", "0171 987 6543"))


@pytest.fixture
def practice(app, frozen_now):
    api = Api(app.test_client())
    practice = setup_practice(api, staff=2)
    for n, (name, email, phone) in enumerate(CUSTOMERS):
        body = booking_body(practice, f"2027-02-03T{9 + n:02d}:00:00+01:00",
                            customer={"name": name, "email": email, "phone": phone})
        api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")
    return practice


def staff_bookings_of(app, email: str) -> list[tuple[Booking, BookingEvent]]:
    with database(app) as session:
        rows = session.execute(select(Booking, BookingEvent).join(BookingEvent, BookingEvent.booking_id == Booking.id)
                               .where(Booking.source == "staff", BookingEvent.action == "created")).all()
        found = [(booking, event) for booking, event in rows if booking.customer.email == email]
        session.expunge_all()
        return found


def find_by_phone_digits(page, shots, digits: str, expected: tuple[str, str, str]) -> None:
    """Type part of the number (no submit): the script asks the lookup; pick the one match by keyboard."""
    page.fill("#q", digits)
    choice = page.locator("#customer-results button.customer-choice")
    choice.first.wait_for()
    assert choice.count() == 1 and expected[0] in choice.first.inner_text()
    assert page.locator("#customer-count").inner_text() == "1 customer found"
    assert page.url.endswith("/app/bookings/new")  # no page load happened
    shots(page, "2-found")
    choice.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-chosen-customer]:not([hidden])")
    assert expected[1] in page.locator("[data-chosen-customer]").inner_text()
    assert page.locator("[data-new-customer]").is_hidden()
    assert page.evaluate("document.activeElement.id") == "service"


def pick_time_and_book(page, axe, shots, day: str) -> None:
    """Another day's free times (the chosen customer stays), the first afternoon time, notes, book."""
    page.fill("#day", day)
    page.click("button[name=action][value=times]")
    page.wait_for_selector(f'.slot-times input[value="{day}T13:00:00+01:00"]')
    assert page.locator("[data-chosen-customer]").is_visible()
    page.click(f'.slot-times input[value="{day}T13:00:00+01:00"] + label')
    page.fill("#notes", "Called in, prefers the afternoon")
    assert_fits(page)
    axe(page)
    shots(page, "3-ready")
    page.click("button[name=action][value=book]")
    page.wait_for_selector("text=Booked:")


@pytest.mark.parametrize("viewport, digits, expected, day", [
    (DESKTOP, "123 45", CUSTOMERS[0], "2027-02-04"),
    (PHONE, "9876", CUSTOMERS[1], "2027-02-05"),
], ids=["desktop", "phone"])
def test_a_phone_booking_for_a_customer_found_by_part_of_their_number(browser, live_server, practice, app, axe,
                                                                     shots, viewport, digits, expected, day):
    context, page, watch = open_berlin_page(browser, viewport)
    owner_email = f"owner@{practice.slug}.test"
    log_in_browser(page, live_server.url, owner_email)
    page.click("a[data-link=new-booking]")
    page.wait_for_selector("form.phone-booking")
    assert page.title().startswith("New booking")
    assert_fits(page)
    axe(page)
    shots(page, "1-form")
    find_by_phone_digits(page, shots, digits, expected)
    pick_time_and_book(page, axe, shots, day)
    assert expected[0] in page.locator("dl.customer").inner_text()
    assert_fits(page)
    axe(page)
    shots(page, "4-booked")
    watch.assert_clean()
    context.close()

    [(booking, created)] = staff_bookings_of(app, expected[1])
    assert booking.notes == "Called in, prefers the afternoon"
    with database(app) as session:
        owner_id = session.scalar(select(User.id).where(User.email == owner_email))
    assert created.actor == f"user:{owner_id}" and created.details["source"] == "staff"
