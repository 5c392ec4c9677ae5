"""Acceptance: the owner changes a staff member's weekly hours in the editor (after a typing
mistake that is explained next to its row and keeps the input) and the public booking page then
offers the new times and no longer the removed ones; at desktop width and on a 360 px phone.
Any console error or failed request fails the test (Watch); the editor passes the axe check."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import DESKTOP, PHONE, open_berlin_page
from tests.browser.test_booking_flow import assert_fits
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.workspace import PASSWORD

pytestmark = pytest.mark.browser
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def practice(app, frozen_now):
    return setup_practice(Api(app.test_client()))  # Mon-Fri 09:00-12:00 and 13:00-17:00, 30-minute service


def settle(page) -> None:
    """Waits until the page has fetched everything (the icon comes after "load"): leaving a page
    earlier aborts that request, which Watch rightly counts as a failure."""
    page.wait_for_load_state("networkidle")


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    settle(page)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/app/**")
    settle(page)


def open_editor(page, base: str, staff_id: int) -> None:
    """From the settings overview, the way an owner gets there."""
    page.goto(f"{base}/app/settings")
    settle(page)
    page.click("a[href='/app/settings/staff']")
    page.wait_for_selector("h1:text('Staff and working hours')")
    settle(page)
    page.click(f"a[href='/app/settings/staff/{staff_id}/hours']")
    page.wait_for_selector("h1:text('Working hours of Staff 1')")
    settle(page)


def starts(day: str, *times: str) -> set[str]:
    """The epoch seconds the public page puts in data-start, for Berlin wall-clock times on `day`."""
    return {str(int(datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=BERLIN).timestamp())) for hhmm in times}


def offered(page, base: str, slug: str, day: str) -> set[str]:
    """The times the public booking page offers on `day`, reached by clicking as a customer does."""
    settle(page)
    page.goto(f"{base}/b/{slug}")
    settle(page)
    page.click("a[data-service]")
    page.wait_for_selector("table.month")
    settle(page)
    link = page.locator(f'td.free a[data-date="{day}"]')
    if link.count() == 0:
        return set()
    link.click()
    page.wait_for_selector("#times")
    settle(page)
    assert_fits(page)
    return {a.get_attribute("data-start") for a in page.locator("#times a.time").all()}


def test_owner_changes_weekly_hours_and_the_public_page_follows(browser, live_server, practice, axe, shots):
    base = live_server.url
    context, page, watch = open_berlin_page(browser, DESKTOP)
    log_in(page, base, f"owner@{practice.slug}.test")
    open_editor(page, base, practice.staff_ids[0])
    assert "Europe/Berlin" in page.locator(".zone-note").inner_text()
    axe(page)
    assert_fits(page)
    shots(page, "1-editor")
    page.fill("#sat-0-start", "10:00")
    page.fill("#sat-0-end", "14:00")
    page.fill("#mon-0-start", "10:00")  # Monday now starts an hour later
    page.fill("#tue-0-end", "08:00")  # a slip: the end before the start
    with watch.expect(422):
        page.locator("form.hours-form button[name=save]").last.click()
        page.wait_for_selector("#tue-0-error")
        settle(page)
    assert "end must be after the start" in page.inner_text("#tue-0-error")
    assert page.get_attribute("#tue-0-end", "aria-invalid") == "true"
    assert page.input_value("#sat-0-start") == "10:00" and page.input_value("#tue-0-end") == "08:00"
    axe(page)
    shots(page, "2-mistake")
    page.fill("#tue-0-end", "12:00")
    page.press("#tue-0-end", "Enter")  # Enter saves (not the first "Remove" button)
    page.wait_for_selector("text=The working hours of Staff 1 were saved.")
    settle(page)
    assert page.input_value("#sat-0-end") == "14:00" and page.input_value("#mon-0-start") == "10:00"
    shots(page, "3-saved")

    saturday = offered(page, base, practice.slug, "2027-02-06")
    assert saturday == starts("2027-02-06", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30")
    shots(page, "4-public-saturday")
    monday = offered(page, base, practice.slug, "2027-02-08")
    assert starts("2027-02-08", "10:00", "11:30", "13:00") <= monday
    assert not starts("2027-02-08", "09:00", "09:30") & monday
    watch.assert_clean()
    context.close()


def test_on_a_phone_rows_are_added_and_removed_and_the_public_page_follows(browser, live_server, practice, axe,
                                                                          shots):
    base = live_server.url
    context, page, watch = open_berlin_page(browser, PHONE)
    log_in(page, base, f"owner@{practice.slug}.test")
    open_editor(page, base, practice.staff_ids[0])
    assert_fits(page)
    axe(page)
    shots(page, "1-editor")
    # Wednesday: drop the afternoon range; Friday: a third range in the evening.
    page.click("button[name=remove_row][value=wed-1]")
    page.wait_for_selector("text=Not saved yet")
    settle(page)
    assert page.input_value("#wed-0-start") == "09:00" and page.input_value("#wed-1-start") == ""
    page.click("button[name=add_row][value=fri]")
    page.wait_for_selector("#fri-3-start")
    settle(page)
    page.fill("#fri-2-start", "18:00")
    page.fill("#fri-2-end", "20:00")
    assert_fits(page)
    axe(page)
    shots(page, "2-changed")
    page.locator("form.hours-form button[name=save]").first.click()
    page.wait_for_selector("text=The working hours of Staff 1 were saved.")
    settle(page)
    assert page.input_value("#fri-2-start") == "18:00"

    wednesday = offered(page, base, practice.slug, "2027-02-03")
    assert starts("2027-02-03", "09:00", "11:30") <= wednesday
    assert not starts("2027-02-03", "13:00", "16:30") & wednesday
    friday = offered(page, base, practice.slug, "2027-02-05")
    assert starts("2027-02-05", "09:00", "13:00", "18:00", "19:30") <= friday
    shots(page, "3-public-friday")
    watch.assert_clean()
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_staff_and_services_settings_pages_pass_axe_and_fit(browser, live_server, app, practice, axe, shots,
                                                                viewport):
    # A booking ahead, so the staff member's page shows the warning list of deactivation.
    Api(app.test_client()).json("POST", f"/api/v1/public/{practice.slug}/bookings",
                                booking_body(practice, "2027-02-03T10:00:00+01:00"), expect=201, key="")
    base = live_server.url
    context, page, watch = open_berlin_page(browser, viewport)
    log_in(page, base, f"owner@{practice.slug}.test")
    staff_page = f"/app/settings/staff/{practice.staff_ids[0]}"
    service_page = f"/app/settings/services/{practice.service_id}"
    pages = {"1-staff": "/app/settings/staff", "2-staff-member": staff_page, "3-services": "/app/settings/services",
             "4-new-service": "/app/settings/services/new", "5-service": service_page}
    for name, path in pages.items():
        page.goto(base + path)
        settle(page)
        assert_fits(page)
        axe(page)
        shots(page, name)
    # A form sent with mistakes: the messages next to the fields pass the check too.
    page.goto(base + "/app/settings/services/new")
    settle(page)
    page.fill("#duration_minutes", "0")
    with watch.expect(422):
        page.click("form.service-form button[type=submit]")
        page.wait_for_selector("#duration_minutes-error")
        settle(page)
    assert page.get_attribute("#duration_minutes", "aria-invalid") == "true"
    assert_fits(page)
    axe(page)
    shots(page, "6-service-mistakes")
    settle(page)
    page.goto(base + staff_page)
    settle(page)
    assert page.locator("[data-future-bookings] a[data-booking]").count() == 1
    watch.assert_clean()
    context.close()
