"""Acceptance: staff log in through /login and find their day on the calendar; a booking a customer
made on the public page shows up in the owner's day view and leads to its details. On a 360 px phone
and at desktop width; any console error, failed request or server error fails the test (Watch);
screenshots are kept and axe-core checks every calendar page."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from booking.models import Business, BusyBlock, CalendarConflict, ExternalCalendar
from tests.browser.conftest import DESKTOP, PHONE, log_in_browser, open_berlin_page
from tests.browser.test_booking_flow import assert_fits, pick_time
from tests.support.db_access import database
from tests.support.factories import Api, booking_body, setup_practice

pytestmark = pytest.mark.browser

UTC = timezone.utc
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


@pytest.fixture
def practice(app, frozen_now):
    """Three staff members. Tuesday 2027-02-02 has one of everything the grid draws (so axe checks
    the contrast of each): Walter at 10:00 with Staff 2, bookings in every status, time off, and
    an imported busy time that clashes with a booking."""
    api = Api(app.test_client())
    practice = setup_practice(api, staff=3)
    walter = book(api, practice, "10:00", 1, "Walter Walk-in")
    for hhmm, status in (("09:00", "arrived"), ("09:30", "completed"), ("11:00", "no_show"), ("11:30", "cancelled")):
        api.json("PATCH", f"/api/v1/bookings/{book(api, practice, hhmm, 0, status.title())}", {"status": status})
    api.json("POST", f"/api/v1/staff/{practice.staff_ids[2]}/time-off",
             {"start": "2027-02-02T14:00:00+01:00", "end": "2027-02-02T16:00:00+01:00", "reason": "Training"},
             expect=201)
    with database(app) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == practice.slug))
        calendar = ExternalCalendar(business_id=business_id, staff_id=practice.staff_ids[1],
                                    url="https://calendar.example/private.ics", created_at=frozen_now)
        session.add(calendar)
        session.flush()
        busy = (datetime(2027, 2, 2, 9, 0, tzinfo=UTC), datetime(2027, 2, 2, 9, 45, tzinfo=UTC))
        session.add(BusyBlock(calendar_id=calendar.id, staff_id=practice.staff_ids[1],
                              start_utc=busy[0], end_utc=busy[1]))
        session.add(CalendarConflict(business_id=business_id, booking_id=walter, calendar_id=calendar.id,
                                     busy_start_utc=busy[0], busy_end_utc=busy[1], detected_at=frozen_now))
        session.commit()
    return practice


def book(api: Api, practice, hhmm: str, staff: int, name: str) -> int:
    body = booking_body(practice, f"2027-02-02T{hhmm}:00+01:00", staff_id=practice.staff_ids[staff],
                        customer={"name": name, "email": f"{name.split()[0].lower()}@example.test"})
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")["id"]


def check_calendar_page(page, axe) -> None:
    """What every calendar page owes a phone and a keyboard: no sideways page scroll (the grid
    scrolls in its own labelled, focusable region), a title, labelled controls, no axe findings."""
    assert_fits(page)
    region = page.locator(".cal-scroll, .cal-overview").first
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert region.get_attribute("aria-label")
    axe(page)


@pytest.mark.parametrize("viewport", SIZES)
def test_log_in_and_walk_the_calendar(browser, live_server, practice, shots, axe, viewport):
    context, page, watch = open_berlin_page(browser, viewport)
    log_in_browser(page, live_server.url, f"owner@{practice.slug}.test")
    page.click("nav.workspace-nav >> text=Calendar")
    page.wait_for_url(re.compile(r"/app/calendar/day$"))
    assert "Monday, February 1, 2027" in page.locator("h1").inner_text()
    assert page.locator("ul.cal-col").count() == 3
    check_calendar_page(page, axe)
    shots(page, "1-today")
    # The date picker (a plain GET form) goes to Tuesday, where the booking is.
    page.fill("#cal-date", "2027-02-02")
    page.click(".cal-pick button[type=submit]")
    page.wait_for_url(re.compile(r"date=2027-02-02"))
    block = page.locator("li.cal-booking", has_text="Walter Walk-in")
    assert block.count() == 1 and "10:00" in block.inner_text() and "Calendar conflict" in block.inner_text()
    assert page.locator("li.cal-busy").inner_text().split()[-1] == "Busy"
    assert "Training" in page.locator("li.cal-off").inner_text()
    page.click("text=Show 1 cancelled booking")
    page.wait_for_url(re.compile(r"cancelled=1"))
    assert page.locator("li.cal-cancelled").count() == 1
    check_calendar_page(page, axe)
    shots(page, "2-tuesday")
    # Keyboard: the grid's scroll region takes focus, then Tab walks the staff heads to the bookings.
    page.focus(".cal-scroll")
    assert page.evaluate("document.activeElement.classList.contains('cal-scroll')")
    for _ in range(4):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('li.cal-booking') !== null")
    assert "Arrived" in page.evaluate("document.activeElement.textContent")  # 09:00, Staff 1
    page.click("text=Next day")
    page.wait_for_url(re.compile(r"date=2027-02-03"))
    page.click(".cal-switch >> text=Week")
    page.wait_for_url(re.compile(r"/app/calendar/week\?date=2027-02-03"))
    assert page.locator(".cal-overview tbody tr").count() == 3
    check_calendar_page(page, axe)
    shots(page, "3-practice-week")
    page.select_option("#cal-staff", str(practice.staff_ids[1]))
    page.click(".cal-pick button[type=submit]")
    page.wait_for_url(re.compile(rf"staff={practice.staff_ids[1]}"))
    assert page.locator("ul.cal-col").count() == 7
    assert page.locator("li.cal-booking", has_text="Walter Walk-in").count() == 1
    check_calendar_page(page, axe)
    shots(page, "4-staff-week")
    watch.assert_clean()
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_a_booking_made_on_the_public_page_shows_in_the_day_view(browser, live_server, practice, shots, axe,
                                                                  viewport):
    customer, customer_page, customer_watch = open_berlin_page(browser, PHONE)
    customer_page.goto(f"{live_server.url}/b/{practice.slug}")
    customer_page.click("a[data-service]")
    customer_page.click("a[data-staff=any]")  # several staff members: the customer may choose
    pick_time(customer_page, shots, "2027-02-04")
    customer_page.wait_for_selector("form #name")
    customer_page.fill("#name", "Paula Public")
    customer_page.fill("#email", "paula@example.test")
    customer_page.click("button.primary")
    customer_page.wait_for_selector("text=Thank you, you are booked")
    when = customer_page.locator(".when").first.inner_text()
    shots(customer_page, "1-booked")
    customer_watch.assert_clean()
    customer.close()

    context, page, watch = open_berlin_page(browser, viewport)
    log_in_browser(page, live_server.url, f"owner@{practice.slug}.test")
    page.click("a[data-link=calendar]")  # from the start page
    page.click("text=Next day")
    page.click("text=Next day")
    page.click("text=Next day")
    page.wait_for_url(re.compile(r"/app/calendar/day\?date=2027-02-04"))
    block = page.locator("li.cal-booking", has_text="Paula Public")
    assert block.count() == 1
    assert "9:00" in block.inner_text() and "9:00" in when  # the first free time, as the customer saw it
    assert "Consultation" in block.inner_text()
    check_calendar_page(page, axe)
    shots(page, "2-day-view")
    block.locator("a").click()
    page.wait_for_url(re.compile(r"/app/bookings/\d+$"))
    assert "Paula Public" in page.content()
    shots(page, "3-details")
    watch.assert_clean()
    context.close()
