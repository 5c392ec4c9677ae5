"""axe-core (WCAG 2.1 A/AA) on every kind of page a customer, a staff member or an owner sees:
no serious or critical violation, at desktop and phone width, and the basics checked by hand
(a title, the page's language, every input labelled). New workspace pages join WORKSPACE_PAGES."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from booking.models import Booking
from tests.browser.conftest import DESKTOP, PHONE, log_in_browser, open_berlin_page
from tests.browser.test_booking_flow import assert_fits
from tests.support.db_access import database
from tests.support.factories import Api, booking_body, setup_practice

pytestmark = pytest.mark.browser

# Workspace pages by path template; {staff}, {booking} and {customer} come from the practice.
WORKSPACE_PAGES = [
    "/app/",
    "/app/bookings/{booking}",
    "/app/calendars",
    "/app/conflicts",
    "/app/notifications",
    "/app/feeds",
    "/app/reports",
    "/app/calendar/day",
    "/app/calendar/week?staff={staff}",
    "/app/bookings/new",
    "/app/bookings/{booking}/move",
    "/app/customers",
    "/app/customers/{customer}",
    "/app/customers/{customer}/edit",
    "/app/customers/{customer}/erase",
    "/app/settings",
    "/app/settings/business",
    "/app/settings/users",
    "/app/settings/api-keys",
    "/app/settings/staff",
    "/app/settings/staff/{staff}",
    "/app/settings/staff/{staff}/hours",
    "/app/settings/services",
    "/app/settings/services/new",
]


@pytest.fixture
def practice(app, frozen_now):
    api = Api(app.test_client())
    practice = setup_practice(api)
    booking = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                       booking_body(practice, "2027-02-01T09:00:00+01:00"), expect=201, key="")
    practice.booking = booking
    with database(app) as session:
        practice.customer_id = session.scalar(select(Booking.customer_id).where(Booking.id == booking["id"]))
    return practice


def path_of(url: str) -> str:
    """The path and query of an absolute link (the app names its own host there)."""
    return urlsplit(url)._replace(scheme="", netloc="").geturl()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_public_and_manage_pages_pass_axe(browser, live_server, practice, axe, viewport):
    context, page, watch = open_berlin_page(browser, viewport)
    base = live_server.url
    for path in (f"/b/{practice.slug}",
                 f"/b/{practice.slug}/calendar?service={practice.service_id}&staff=any&tz=Europe/Berlin&date=2027-02-02",
                 f"/b/{practice.slug}/book?service={practice.service_id}&staff=any&tz=Europe/Berlin"
                 "&start=2027-02-02T09%3A00%3A00%2B01%3A00",
                 path_of(practice.booking["manage_url"]),
                 "/login"):
        page.goto(base + path)
        assert_fits(page)
        axe(page)
    watch.assert_clean()
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_workspace_pages_pass_axe(browser, live_server, practice, axe, shots, viewport):
    context, page, watch = open_berlin_page(browser, viewport)
    log_in_browser(page, live_server.url, f"owner@{practice.slug}.test")
    ids = {"staff": practice.staff_ids[0], "booking": practice.booking["id"], "customer": practice.customer_id}
    for template in WORKSPACE_PAGES:
        page.goto(live_server.url + template.format(**ids))
        assert_fits(page)
        axe(page)
    shots(page, "last-workspace-page")
    watch.assert_clean()
    context.close()


def test_the_axe_check_catches_a_serious_violation(browser, axe):
    """The check above is only worth something if it fails on a bad page."""
    context, page, _ = open_berlin_page(browser, DESKTOP)
    page.set_content('<html lang="en"><title>Bad</title><main><input type="text" name="q">'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></html>')
    with pytest.raises(AssertionError, match="label|image-alt"):
        axe(page)
    context.close()
