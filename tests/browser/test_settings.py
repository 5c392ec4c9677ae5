"""Acceptance: an owner logs in, changes the business's policies (after a typing mistake that is
explained next to its field), creates an API key that is shown once and works, invites a person
whose set-password link logs them in; every settings page passes the axe WCAG check, fits a
360 px phone, and nothing fails on the way (Watch: console errors, failed requests)."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from booking.models import User
from booking.operations.accounts import set_password_token
from tests.browser.conftest import DESKTOP, PHONE, log_in_browser, open_berlin_page
from tests.browser.test_booking_flow import assert_fits
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Api, setup_practice, unique

pytestmark = pytest.mark.browser


@pytest.fixture
def practice(app, frozen_now):
    return setup_practice(Api(app.test_client()))


def edit_policies(page, axe, shots, watch) -> None:
    page.click("a[href='/app/settings/business']")
    page.wait_for_selector("h1:text('Business and policies')")
    axe(page)
    shots(page, "2-business")
    page.fill("#min_notice_minutes", "90")
    page.fill("#cancellation_cutoff_hours", "6")
    page.fill("#reminders-2-amount", "3")
    page.select_option("#reminders-2-unit", "hours")
    page.fill("#quiet_hours_start", "22:30")
    page.check("#feedback_requests")
    page.fill("#max_advance_days", "0")  # a slip of the finger first
    with watch.expect(422):
        page.click("form.settings button[type=submit]")
        page.wait_for_selector("#max_advance_days-error")
    assert page.get_attribute("#max_advance_days", "aria-invalid") == "true"
    assert page.input_value("#min_notice_minutes") == "90"  # what was typed is kept
    axe(page)
    shots(page, "3-business-error")
    page.fill("#max_advance_days", "60")
    page.click("form.settings button[type=submit]")
    page.wait_for_selector("text=The settings are saved.")
    axe(page)


def create_api_key(page, base: str, axe, shots) -> str:
    page.goto(f"{base}/app/settings")
    page.click("a[href='/app/settings/api-keys']")
    page.wait_for_selector("h1:text('API keys')")
    axe(page)
    page.click("button:text('Create a new key')")
    page.wait_for_selector("[data-secret]")
    secret = page.input_value("[data-secret]")
    axe(page)
    shots(page, "4-new-key")
    page.goto(f"{base}/app/settings/api-keys")
    assert secret not in page.content() and page.locator("[data-secret]").count() == 0
    return secret


def test_the_owner_edits_policies_and_creates_an_api_key(browser, app, live_server, practice, shots, axe):
    context, page, watch = open_berlin_page(browser, DESKTOP)
    log_in_browser(page, live_server.url, f"owner@{practice.slug}.test")
    page.click("nav a[href='/app/settings']")
    page.wait_for_selector("h1:text('Settings')")
    axe(page)
    shots(page, "1-index")
    edit_policies(page, axe, shots, watch)
    business = Api(app.test_client()).json("GET", "/api/v1/business", key=practice.key)
    assert (business["min_notice_minutes"], business["max_advance_days"], business["cancellation_cutoff_hours"],
            business["quiet_hours_start"], business["feedback_requests"]) == (90, 60, 6, "22:30", True)
    assert business["reminder_offsets_minutes"] == [1440, 180, 120]

    secret = create_api_key(page, live_server.url, axe, shots)
    answer = requests.get(f"{live_server.url}/api/v1/business", headers={"Authorization": f"Bearer {secret}"},
                          timeout=30)
    assert answer.status_code == 200 and answer.json()["slug"] == practice.slug
    watch.assert_clean()
    context.close()


def test_settings_pages_fit_a_phone_and_an_invitation_logs_the_person_in(browser, app, live_server, practice,
                                                                         shots, axe):
    context, page, watch = open_berlin_page(browser, PHONE)
    log_in_browser(page, live_server.url, f"owner@{practice.slug}.test")
    for path in ("/app/settings", "/app/settings/business", "/app/settings/api-keys", "/app/settings/users"):
        page.goto(live_server.url + path)
        assert_fits(page)
        axe(page)
    email = f"{unique('mia')}@example.test"
    page.fill("#name", "Mia Neu")
    page.fill("#email", email)
    page.select_option("#staff_id", str(practice.staff_ids[0]))
    page.click("button:text('Send invitation')")
    page.wait_for_selector(f"text=Invitation sent to {email}.")
    assert page.locator("[data-pending]").count() == 1
    axe(page)
    shots(page, "1-users-phone")
    watch.assert_clean()
    context.close()

    with database(app) as session:
        mia = session.scalar(select(User).where(User.email == email))
        with app.test_request_context():
            token = set_password_token(mia, FROZEN_NOW)
    context, page, watch = open_berlin_page(browser, PHONE)
    page.goto(f"{live_server.url}/set-password/{token}")
    page.wait_for_selector("h1:text('Choose your password')")
    axe(page)
    shots(page, "2-set-password")
    page.fill("#password", "a long and new passphrase")
    page.fill("#confirm", "a long and new passphrase")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/app/")
    assert "Mia Neu" in page.content()
    assert page.locator("nav a[href='/app/settings']").count() == 0  # staff: no settings
    watch.assert_clean()
    context.close()
