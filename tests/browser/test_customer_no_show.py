"""Acceptance: a staff member marks a no-show on the booking's page, finds the customer through the
customer list (by part of their phone number) and sees the no-show counted and listed on the
customer's page; the list, the customer's page and the edit page pass the axe WCAG check, fit a
360 px phone, and no console error or failed request happens on the way (Watch)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, log_in_browser, open_berlin_page
from tests.browser.test_booking_flow import assert_fits
from tests.conftest import FROZEN_NOW
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.workspace import add_staff_user

pytestmark = pytest.mark.browser

TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def practice(app, frozen_now):
    return setup_practice(Api(app.test_client()))


def book_today(app, practice, hhmm: str, customer: dict) -> int:
    body = booking_body(practice, f"2027-02-01T{hhmm}:00+01:00", staff_id=practice.staff_ids[0], customer=customer)
    return Api(app.test_client()).json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201,
                                       key="")["id"]


def test_a_no_show_marked_on_the_booking_shows_on_the_customer_page(browser, app, live_server, practice, shots, axe):
    customer = {"name": "Nina Noshow", "email": "nina@example.test", "phone": "+49 30 8765 4321"}
    earlier = book_today(app, practice, "09:00", customer)
    missed = book_today(app, practice, "10:00", customer)
    staff_email = add_staff_user(app, practice, FROZEN_NOW)
    context, page, watch = open_berlin_page(browser, TABLET)
    log_in_browser(page, live_server.url, staff_email)

    page.goto(f"{live_server.url}/app/bookings/{missed}")
    page.click("button[name=status][value=no_show]")
    page.wait_for_selector("text=Marked as no-show.")
    shots(page, "1-booking-no-show")

    page.click("nav a[href='/app/customers']")
    page.fill("#q", "8765 43")
    page.press("#q", "Enter")
    page.wait_for_selector("table.customers")
    assert page.locator("tr[data-customer]").count() == 1
    axe(page)
    shots(page, "2-search")
    page.click("tr[data-customer] a")
    page.wait_for_selector("dl.counts")
    assert page.locator("[data-count=no_shows]").inner_text() == "1"
    assert page.locator("[data-count=excused_no_shows]").inner_text() == "0"
    assert page.locator("[data-count=bookings]").inner_text() == "2"
    assert page.locator(f"tr[data-booking='{missed}']").get_attribute("data-status") == "no_show"
    assert "Missed" in page.locator(f"tr[data-booking='{missed}']").inner_text()
    assert page.locator(f"tr[data-booking='{earlier}']").get_attribute("data-status") == "confirmed"
    assert page.locator("tr[data-kind=confirmation]").count() == 2
    assert page.locator("a[data-link=export]").count() == 0  # staff: no GDPR actions
    axe(page)
    shots(page, "3-customer")

    page.set_viewport_size(PHONE)
    assert_fits(page)
    shots(page, "4-customer-phone")
    page.click("text=Edit details")
    page.wait_for_selector("form.customer-form")
    assert_fits(page)
    axe(page)
    shots(page, "5-edit-phone")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/app/customers")
    assert_fits(page)
    axe(page)
    watch.assert_clean()
    context.close()


def test_the_owner_erases_a_customer_after_the_warning(browser, app, live_server, practice, shots, axe):
    customer = {"name": "Ella Erase", "email": "ella@example.test"}
    book_today(app, practice, "09:00", customer)
    upcoming = book_today(app, practice, "11:00", customer)
    context, page, watch = open_berlin_page(browser, PHONE)
    log_in_browser(page, live_server.url, f"owner@{practice.slug}.test")
    page.goto(f"{live_server.url}/app/customers")
    page.click("text=Ella Erase")
    page.click("a[data-link=erase]")
    page.wait_for_selector("form.erase-form")
    assert page.locator("section.warning").get_attribute("data-upcoming") == "2"
    assert page.locator(f"section.warning a[href='/app/bookings/{upcoming}']").count() == 1
    assert_fits(page)
    axe(page)
    shots(page, "1-confirm")
    page.check("#confirm")
    page.click("form.erase-form button.danger")
    page.wait_for_selector("[data-erased]")
    assert "Ella" not in page.content()
    assert page.locator("ul.customer-actions").count() == 0  # nothing more to do
    assert_fits(page)
    axe(page)
    shots(page, "2-erased")
    watch.assert_clean()
    context.close()
