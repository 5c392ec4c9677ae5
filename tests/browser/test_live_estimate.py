"""Acceptance: the manage page's estimate follows a reported delay without a reload (static/manage.js
polling the manage API), under a Content-Security-Policy without 'unsafe-inline'; staff press the
running-late buttons on a phone. Any console error (a CSP violation too) fails the test (Watch)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PHONE, Watch
from tests.browser.test_booking_flow import assert_fits
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.workspace import PASSWORD

pytestmark = pytest.mark.browser

CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
PAGES = re.compile(r"/(m|app)/")
SPACE = r"[\s\u202f]"  # Chromium's ICU puts a narrow no-break space before AM/PM


@pytest.fixture
def fast_poll(app, monkeypatch):
    """The page asks for the estimate every second instead of every 45."""
    monkeypatch.setitem(app.config, "MANAGE_POLL_SECONDS", 1)


@pytest.fixture
def api(app, frozen_now):
    return Api(app.test_client())


def open_page(browser, **options):
    """A page whose HTML answers carry the strict CSP the app will send (the page route adds it)."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    watch = Watch(page)

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers=dict(response.headers, **{"content-security-policy": CSP}))

    page.route(PAGES, with_csp)
    return context, page, watch


def book(api: Api, practice, hhmm: str) -> str:
    body = booking_body(practice, f"2027-02-01T{hhmm}:00+01:00", staff_id=practice.staff_ids[0])
    created = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")
    return urlsplit(created["manage_url"]).path


def wait_for_estimate(page, pattern: str) -> str:
    page.wait_for_function("(re) => new RegExp(re).test(document.querySelector('#estimate').textContent)",
                           arg=pattern, timeout=10_000)
    return page.locator("#estimate").inner_text()


def test_the_estimate_follows_a_delay_without_a_reload(browser, live_server, api, fast_poll, shots):
    practice = setup_practice(api)
    book(api, practice, "09:00")
    second = book(api, practice, "09:30")
    # The browser lives in New York, the page shows Berlin times: Intl must format in the page's zone.
    context, page, watch = open_page(browser, viewport=PHONE, timezone_id="America/New_York", locale="en-US")
    page.goto(f"{live_server.url}{second}?tz=Europe/Berlin")
    estimate = page.locator("#estimate")
    assert estimate.get_attribute("aria-live") == "polite"
    assert re.search(rf"On time: expected to start at 9:30{SPACE}AM", estimate.inner_text())
    page.evaluate("window.stillTheSamePage = true")
    api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/delay", {"minutes": 20}, key=practice.key)
    text = wait_for_estimate(page, "9:50")
    assert re.search(rf"Expected to start at about 9:50{SPACE}AM \(planned 9:30{SPACE}AM\)", text), text
    assert page.evaluate("window.stillTheSamePage") is True
    assert "late" in estimate.get_attribute("class")
    assert_fits(page)
    shots(page, "late")
    api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/delay", {"minutes": 0}, key=practice.key)
    wait_for_estimate(page, "On time")
    assert page.evaluate("window.stillTheSamePage") is True
    watch.assert_clean()
    context.close()


def test_staff_report_running_late_on_a_phone_and_the_customer_sees_it(browser, live_server, api, fast_poll,
                                                                       shots):
    practice = setup_practice(api)
    first = book(api, practice, "09:00")
    customer, customer_page, customer_watch = open_page(browser, viewport=PHONE, timezone_id="Europe/Berlin",
                                                        locale="de-DE")
    customer_page.goto(f"{live_server.url}{first}?lang=de")
    staff, staff_page, staff_watch = open_page(browser, viewport=PHONE, timezone_id="Europe/Berlin")
    staff_page.goto(f"{live_server.url}/login")
    staff_page.fill("#email", f"owner@{practice.slug}.test")
    staff_page.fill("#password", PASSWORD)
    staff_page.click("button[type=submit]")
    staff_page.wait_for_selector("form.delay")
    assert_fits(staff_page)
    staff_page.click(f"form.delay[data-staff='{practice.staff_ids[0]}'] button[value='15']")
    staff_page.wait_for_selector("text=1 customer notified")
    assert_fits(staff_page)
    shots(staff_page, "today")
    assert wait_for_estimate(customer_page, "09:15")  # German page: Intl writes 09:15
    staff_page.click("a[data-booking]")
    staff_page.wait_for_selector("table.messages")
    assert staff_page.locator("tr[data-kind=delay]").count() == 1
    assert_fits(staff_page)
    shots(staff_page, "booking")
    staff_page.click("nav a[href='/app/notifications']")
    staff_page.wait_for_selector("text=Messages to customers")
    assert_fits(staff_page)
    for watch in (customer_watch, staff_watch):
        watch.assert_clean()
    customer.close()
    staff.close()
