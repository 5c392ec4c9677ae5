"""Acceptance: the owner opens the reports, picks a period, sees the server-drawn heat map and
its table, takes a quick period, downloads the CSV; on a desktop and at 360 px, axe-clean.
Any console error or failed request fails the test (tests/browser/conftest.py Watch)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, log_in_browser, open_berlin_page
from tests.browser.test_booking_flow import assert_fits
from tests.support.factories import Api, booking_body, setup_practice

pytestmark = pytest.mark.browser

# Tuesday 09:00 twice (two staff members) and Wednesday 10:00 once, Berlin time.
STARTS = [("2027-02-02T09:00:00+01:00", 0), ("2027-02-02T09:00:00+01:00", 1), ("2027-02-03T10:00:00+01:00", 0)]


@pytest.fixture
def practice(app, frozen_now):
    api = Api(app.test_client())
    practice = setup_practice(api, staff=2)
    for start, staff in STARTS:
        api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                 booking_body(practice, start, staff_id=practice.staff_ids[staff]), expect=201, key="")
    return practice


def logged_in_owner(browser, live_server, practice, viewport):
    """A page of the practice's owner, logged in through the form, on the workspace start page."""
    context, page, watch = open_berlin_page(browser, viewport)
    log_in_browser(page, live_server.url, f"owner@{practice.slug}.test")
    return context, page, watch


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_owner_changes_the_period_and_reads_the_heat_map(browser, live_server, practice, axe, shots, viewport):
    context, page, watch = logged_in_owner(browser, live_server, practice, viewport)
    page.click("nav a[href='/app/reports']")
    page.wait_for_selector("svg#heat-map")
    # The default period (the four weeks before Monday 2027-02-01) has no bookings yet.
    assert page.locator("[data-figure=total]").inner_text() == "0"
    assert_fits(page)
    axe(page)
    shots(page, "1-default")

    page.fill("#from", "2027-02-01")
    page.fill("#to", "2027-02-14")
    page.click("form.period-form button[type=submit]")
    page.wait_for_url("**/app/reports?from=2027-02-01&to=2027-02-14")
    assert page.locator("[data-figure=total]").inner_text() == "3"
    heat = page.locator("svg#heat-map")
    assert heat.is_visible() and heat.get_attribute("role") == "img"
    assert page.locator("svg#heat-map rect[data-cell='1-9']").get_attribute("data-count") == "2"
    assert page.locator("svg#heat-map rect[data-cell='2-10']").get_attribute("data-count") == "1"
    assert page.locator("svg#weeks-chart").is_visible()
    page.locator("details.chart-table summary", has_text="Busiest hours").click()
    assert page.locator("table.heat td[data-cell='1-9']").inner_text() == "2"
    assert_fits(page)
    axe(page)
    shots(page, "2-chosen-period")

    csv = context.request.get(live_server.url + page.get_attribute("a[data-link=csv]", "href"))
    assert csv.ok and csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert len(csv.text().strip().splitlines()) == 1 + len(STARTS)

    page.click("a[data-preset=last_month]")
    page.wait_for_url("**/app/reports?from=2027-01-01&to=2027-01-31")
    assert page.locator("a[data-preset=last_month]").get_attribute("aria-current") == "true"
    page.wait_for_selector("svg#heat-map")
    shots(page, "3-preset")
    watch.assert_clean()
    context.close()
