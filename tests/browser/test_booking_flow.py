"""Acceptance: a customer books, reschedules and cancels in a real browser, on a phone and without
JavaScript; a second customer racing for the same time is told it was taken and keeps what they typed.
Any console error, failed request or server error fails the test (tests/browser/conftest.py Watch)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Watch
from tests.support.factories import Api, setup_practice

pytestmark = pytest.mark.browser


@pytest.fixture
def practice(app, frozen_now):
    return setup_practice(Api(app.test_client()))


def open_page(browser, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Watch(page)


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((el) => el.labels.length === 0).map((el) => el.name)"""


def assert_fits(page) -> None:
    """No sideways scrolling, and the basics of every page: a title, a language, labelled inputs."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"
    assert page.title() and page.get_attribute("html", "lang") in ("de", "en", "es")
    assert page.evaluate(UNLABELLED) == [], page.url


def pick_time(page, shot, day: str) -> None:
    """From a month view: the day, then its first time."""
    page.click(f'td.free a[data-date="{day}"]')
    page.wait_for_selector("#times a.time")
    assert_fits(page)
    shot(page, f"times-{day}")
    page.locator("#times a.time").first.click()


def test_book_reschedule_and_cancel_on_a_phone(browser, live_server, practice, shots):
    context, page, watch = open_page(browser, viewport=PHONE, timezone_id="America/New_York", locale="en-US")
    page.goto(f"{live_server.url}/b/{practice.slug}")
    assert page.title().startswith("Book an appointment")
    assert_fits(page)
    shots(page, "1-services")
    page.click("a[data-service]")
    # tz.js carried the browser's zone along: the times are New York's.
    page.wait_for_url(re.compile(r"/calendar\?.*tz=America%2FNew_York|/calendar\?.*tz=America/New_York"))
    assert page.locator("#tz").input_value() == "America/New_York"
    assert_fits(page)
    shots(page, "2-month")
    pick_time(page, shots, "2027-02-02")
    page.wait_for_selector("form #name")
    assert "3:00" in page.locator(".when").inner_text()  # 09:00 in Berlin
    page.fill("#name", "Kim Phone")
    page.fill("#email", "kim.phone@example.test")
    page.check("#preferred_channel-2")
    assert_fits(page)
    shots(page, "3-details")
    page.click("button.primary")
    page.wait_for_selector("text=Thank you, you are booked")
    assert_fits(page)
    shots(page, "4-confirmation")
    ics = context.request.get(live_server.url + page.get_attribute("a[data-link=ics]", "href"))
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    assert "calendar.google.com" in page.get_attribute("a[data-link=google]", "href")
    manage_url = page.get_attribute("a[data-link=manage]", "href")
    reschedule_and_cancel(page, shots, manage_url)
    watch.assert_clean()
    context.close()


def reschedule_and_cancel(page, shots, manage_url: str) -> None:
    page.goto(manage_url)  # the link as mailed: no tz, so the page switches to the browser's zone
    page.wait_for_url(re.compile(r"tz=America"))
    page.click("a[data-action=reschedule]")
    pick_time(page, shots, "2027-02-03")
    page.wait_for_selector("text=Move your booking?")
    shots(page, "5-move")
    page.click("button.primary")
    page.wait_for_selector("text=Your appointment was moved.")
    assert "Wednesday, February 3, 2027" in page.locator("dl.booking").inner_text()
    assert_fits(page)
    shots(page, "6-moved")
    page.click("a[data-action=cancel]")
    page.wait_for_selector("text=Cancel your booking?")
    page.click("button.danger")
    page.wait_for_selector("text=This booking was cancelled.")
    assert page.locator("a[data-action]").count() == 0
    assert_fits(page)
    shots(page, "7-cancelled")


def test_the_slower_of_two_customers_gets_alternatives_and_keeps_their_input(browser, live_server, practice,
                                                                              shots):
    first, first_page, first_watch = open_page(browser, viewport=DESKTOP, timezone_id="Europe/Berlin")
    second, second_page, second_watch = open_page(browser, viewport=PHONE, timezone_id="Europe/Berlin")
    for page in (first_page, second_page):
        page.goto(f"{live_server.url}/b/{practice.slug}")
        page.click("a[data-service]")
        pick_time(page, shots, "2027-02-04")
        page.wait_for_selector("form #name")
    second_page.fill("#name", "Sam Second")
    second_page.fill("#email", "sam@example.test")
    second_page.fill("#notes", "Allergic to latex")
    first_page.fill("#name", "Fay First")
    first_page.fill("#email", "fay@example.test")
    first_page.click("button.primary")
    first_page.wait_for_selector("text=Thank you, you are booked")
    with second_watch.expect(409):
        second_page.click("button.primary")
        second_page.wait_for_selector("text=Sorry, this time was just taken")
    assert second_page.input_value("#name") == "Sam Second"
    assert second_page.input_value("#email") == "sam@example.test"
    assert second_page.input_value("#notes") == "Allergic to latex"
    alternatives = second_page.locator(".alternatives button.time")
    assert alternatives.count() >= 1
    assert_fits(second_page)
    shots(second_page, "taken")
    alternatives.first.click()
    second_page.wait_for_selector("text=Thank you, you are booked")
    assert "Sam Second" in second_page.locator("dl.booking").inner_text()
    for watch in (first_watch, second_watch):
        watch.assert_clean()
    first.close()
    second.close()


def test_booking_works_without_javascript(browser, live_server, practice, shots):
    context, page, watch = open_page(browser, viewport=PHONE, java_script_enabled=False,
                                     timezone_id="America/New_York")
    page.goto(f"{live_server.url}/b/{practice.slug}?lang=de")
    assert page.get_attribute("html", "lang") == "de"
    page.click("a[data-service]")
    assert page.locator("#tz").input_value() == "Europe/Berlin"  # no script: the business's zone
    page.select_option("#tz", "America/New_York")
    page.click(".tz-form button")
    assert page.locator("#tz").input_value() == "America/New_York"
    pick_time(page, shots, "2027-02-05")
    page.fill("#name", "Nora NoScript")
    page.fill("#email", "nora@example.test")
    page.click("button.primary")
    page.wait_for_selector(".manage-url")
    assert "America/New York" in page.locator("dl.booking").inner_text()
    assert_fits(page)
    shots(page, "confirmation")
    watch.assert_clean()
    context.close()
