"""Acceptance: the German UI end to end (issue 3, item 7). For a business whose locale is "de" and a
browser set to de-DE in Berlin, a customer books on the public page (with a typing mistake in the
email address first) and opens the manage link; then the owner logs in, marks the customer as
arrived, takes a phone booking for them found by part of their name, and walks the customer page,
reports and settings. At desktop width and on a 360 px phone.

Every page is checked for German for real: <html lang="de">, German dates and 24-hour times, no
English month or weekday names, no English sentence of the catalogue in the visible text (every
msgid of three or more words whose German translation differs: a missing or wrong translation) and
no small English words (text nobody marked for translation). Axe checks each page, screenshots are
kept, and any console error or failed request fails the test (Watch)."""
from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.pofile import read_po

from tests.browser.conftest import DESKTOP, PHONE, Watch, log_in_browser
from tests.browser.test_booking_flow import assert_fits
from tests.support.factories import Api, setup_practice
from tests.support.servers import ROOT

pytestmark = pytest.mark.browser

GERMAN_CATALOGUE = ROOT / "booking" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(\(\w+\))?[sdif]|\{\w*\}")
# English names that German spells differently (April, August, September and November it shares).
ENGLISH_DATE_WORDS = re.compile(r"\b(January|February|March|May|June|July|October|December|Monday|Tuesday"
                                r"|Wednesday|Thursday|Friday|Saturday|Sunday|Tue|Wed|Thu)\b")
TWELVE_HOUR_CLOCK = re.compile(r"\b(AM|PM)\b|\d\s?[ap]\.m\.")  # case matters: German "am" means "on"
# Small English words German does not use: they give away text that is not even in the catalogue
# (a string nobody marked for translation). Links are left out (a token may contain "-to-").
ENGLISH_WORDS = re.compile(r"\b(the|and|your|you|with|this|are|is|of|to|for|from|not|on|at|by)\b")
LINK = re.compile(r"\S+://\S+")
CUSTOMER = ("Jana Jungblut", "jana.jungblut@example.test")
TODAY = "Montag, 1. Februar 2027"  # the pinned clock: 2027-02-01, 08:00 in Berlin
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]


@cache
def catalogue():
    with GERMAN_CATALOGUE.open("rb") as po:
        return read_po(po, locale="de")


def german(msgid: str) -> str:
    """The catalogue's German for an English message, so a wording fix in the .po keeps this test green."""
    message = catalogue().get(msgid)
    assert message is not None and message.string, f"not translated: {msgid}"
    return message.string[0] if isinstance(message.string, tuple) else message.string  # a plural: the singular


@cache
def english_sentences() -> tuple[str, ...]:
    """Every message of three or more words whose German differs and that has no placeholder: if one
    of these shows on a German page, something is not translated (or not marked for translation)."""
    found = []
    for message in catalogue():
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        translated = message.string[0] if isinstance(message.string, tuple) else message.string
        if msgid and len(msgid.split()) >= 3 and not PLACEHOLDER.search(msgid) and translated != msgid:
            found.append(" ".join(msgid.split()))
    return tuple(found)


def visible_text(page) -> str:
    """What people read or hear: the body's rendered text, the title and the accessible names."""
    names = page.evaluate("""() => [...document.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')]
        .map((el) => [el.getAttribute('aria-label'), el.getAttribute('title'), el.getAttribute('placeholder'),
                      el.getAttribute('alt')].filter(Boolean).join(' ')).join('\\n')""")
    return " ".join(f"{page.title()}\n{page.inner_text('body')}\n{names}".split())


def assert_german(page) -> str:
    """The page speaks German: its language, no English sentence of the catalogue, no English
    words, month or weekday names, no 12-hour times. Returns the visible text."""
    assert page.get_attribute("html", "lang") == "de", page.url
    text = visible_text(page)
    folded = text.casefold()
    leaks = [sentence for sentence in english_sentences() if sentence.casefold() in folded]
    assert not leaks, f"English on the German page {page.url}: {leaks}"
    words = sorted(set(ENGLISH_WORDS.findall(LINK.sub(" ", text))))
    assert not words, f"English words on {page.url}: {words}"
    dates = ENGLISH_DATE_WORDS.findall(text)
    assert not dates, f"English dates on {page.url}: {dates}"
    assert not TWELVE_HOUR_CLOCK.search(text), f"12-hour time on {page.url}"
    return text


def check_german(page, axe, shots, step: str, dates: tuple[str, ...] = ()) -> str:
    """A screenshot (first, so a failing page is kept too), the German checks with the dates the
    page must show, the phone fit and the axe check; returns the visible text."""
    shots(page, step)
    text = assert_german(page)
    for expected in dates:
        assert expected in text, f"{expected!r} not on {page.url}"
    assert_fits(page)
    axe(page)
    return text


def settle(page) -> None:
    """Everything fetched (the icon comes after "load"): leaving earlier aborts it, a Watch failure."""
    page.wait_for_load_state("networkidle")


def open_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Watch(page)


@pytest.fixture
def german_practice(app, frozen_now):
    """One staff member, Mon-Fri 09:00-12:00 and 13:00-17:00, a 30-minute service; locale "de"."""
    api = Api(app.test_client())
    practice = setup_practice(api, service={"name": "Erstberatung"})
    api.json("PATCH", "/api/v1/business", {"locale": "de", "name": "Praxis am Markt"})
    api.json("PATCH", f"/api/v1/staff/{practice.staff_ids[0]}", {"name": "Dr. Anna Weber"})
    return practice


def book_online(page, base: str, practice, axe, shots, watch) -> str:
    """The customer's way through the public page, today at 09:00; returns the manage link."""
    page.goto(f"{base}/b/{practice.slug}")
    assert page.title().startswith(german("Book an appointment"))
    check_german(page, axe, shots, "01-services")
    page.click("a[data-service]")
    page.wait_for_selector("td.free a[data-date='2027-02-01']")
    check_german(page, axe, shots, "02-calendar", dates=("Februar 2027",))
    page.click("td.free a[data-date='2027-02-01']")
    page.wait_for_selector("#times a.time")
    assert page.locator("#times a.time").first.inner_text().strip() == "09:00"
    check_german(page, axe, shots, "03-times", dates=("09:00",))
    page.locator("#times a.time").first.click()
    page.wait_for_selector("form #name")
    check_german(page, axe, shots, "04-details", dates=(TODAY, "09:00"))
    give_details(page, axe, shots, watch)
    page.wait_for_selector(".manage-url")
    check_german(page, axe, shots, "06-confirmation", dates=(TODAY, "09:00"))
    return page.get_attribute("a[data-link=manage]", "href")


def give_details(page, axe, shots, watch) -> None:
    """A slip in the email address first: explained in German next to the field, the input kept."""
    page.fill("#name", CUSTOMER[0])
    page.fill("#email", "jana.jungblut@example")
    page.fill("#notes", "Bitte Rückruf vorher")
    with watch.expect(422):
        page.click("button.primary")
        page.wait_for_selector("#email-error")
    assert page.locator("#email-error").inner_text().strip() == german(
        "Please enter a valid email address, like name@example.com.")
    assert page.get_attribute("#email", "aria-invalid") == "true"
    assert page.input_value("#name") == CUSTOMER[0] and page.input_value("#notes") == "Bitte Rückruf vorher"
    check_german(page, axe, shots, "05-email-error", dates=(TODAY,))
    page.fill("#email", CUSTOMER[1])
    page.click("button.primary")


def open_manage_link(page, manage_url: str, axe, shots) -> None:
    page.goto(manage_url)
    settle(page)
    assert page.locator("h1").inner_text() == german("Your booking")
    assert page.locator("p.cutoff").count() == 1  # today's appointment: past the 24-hour cut-off
    text = check_german(page, axe, shots, "07-manage", dates=(TODAY, "09:00"))
    assert CUSTOMER[0] in text


def log_in(page, base: str, email: str, axe, shots) -> None:
    page.goto(f"{base}/login")
    settle(page)
    assert page.locator("h1").inner_text() == german("Log in")
    check_german(page, axe, shots, "08-login")
    log_in_browser(page, base, email)


def open_from_nav(page, msgid: str) -> None:
    """Clicks the workspace menu entry whose German label is exactly the translation of `msgid`."""
    page.click(f'nav.workspace-nav >> text="{german(msgid)}"')


def mark_arrived(page, base: str, axe, shots) -> None:
    """Start page, the day calendar, the booking's page: "arrived" in German, and pressed."""
    page.goto(f"{base}/app/")
    text = check_german(page, axe, shots, "09-start", dates=(TODAY, "09:00"))
    assert CUSTOMER[0] in text
    open_from_nav(page, "Calendar")
    page.wait_for_url(re.compile(r"/app/calendar/day$"))
    block = page.locator("li.cal-booking", has_text=CUSTOMER[0])
    assert block.count() == 1 and "09:00" in block.inner_text()
    check_german(page, axe, shots, "10-day-calendar", dates=(TODAY,))
    block.locator("a").click()
    page.wait_for_url(re.compile(r"/app/bookings/\d+$"))
    check_german(page, axe, shots, "11-booking", dates=(TODAY, "09:00"))
    arrived = page.locator("button[name=status][value=arrived]")
    assert arrived.inner_text().strip() == german("Arrived")
    arrived.click()
    page.wait_for_selector("[data-status=arrived]")
    text = check_german(page, axe, shots, "12-arrived", dates=(TODAY,))
    assert german("Arrived") in page.locator("[data-status=arrived]").inner_text()
    assert "Bitte Rückruf vorher" in text


def book_by_phone(page, axe, shots) -> None:
    """The phone booking form: the customer found by part of their name, a free time on Wednesday."""
    page.click("a[data-link=new-booking]")
    page.wait_for_selector("form.phone-booking")
    check_german(page, axe, shots, "13-phone-form", dates=(TODAY,))
    page.fill("#q", "jungbl")
    choice = page.locator("#customer-results .customer-choice")
    choice.first.wait_for()
    assert choice.count() == 1 and CUSTOMER[0] in choice.first.inner_text()
    assert page.locator("#customer-count").inner_text().strip() == german(
        "%(num)s customer found").replace("%(num)s", "1")
    check_german(page, axe, shots, "14-customer-found")
    choice.first.click()
    page.wait_for_selector("[data-chosen-customer]:not([hidden])")
    page.fill("#day", "2027-02-03")
    page.click("button[name=action][value=times]")
    slot = ".slot-times input[value='2027-02-03T10:00:00+01:00']"
    page.wait_for_selector(slot)
    check_german(page, axe, shots, "15-phone-times", dates=("Mittwoch, 3. Februar 2027", "10:00"))
    page.click(f"{slot} + label")
    page.fill("#notes", "Ruft aus dem Büro an")
    page.click("button[name=action][value=book]")
    page.wait_for_url(re.compile(r"/app/bookings/\d+$"))
    booked = german("Booked: %(customer)s, %(when)s.") % {"customer": CUSTOMER[0], "when": "Mi., 3. Feb., 10:00"}
    assert page.locator("[role=status]").inner_text().strip() == booked
    check_german(page, axe, shots, "16-phone-booked", dates=("3. Februar", "10:00"))


def walk_customer_and_reports(page, base: str, axe, shots) -> None:
    page.click("dl.customer a[data-link=customer]")
    page.wait_for_selector("dl.counts")
    assert page.locator("[data-count=bookings]").inner_text() == "2"
    check_german(page, axe, shots, "17-customer", dates=(TODAY, "03.02.2027, 10:00"))
    open_from_nav(page, "Customers")
    page.wait_for_selector("tr[data-customer]")
    check_german(page, axe, shots, "18-customers")
    open_from_nav(page, "Reports")
    page.click("a[data-preset=this_month]")  # February: both bookings
    page.wait_for_url(re.compile(r"/app/reports\?.*2027-02-28"))
    check_german(page, axe, shots, "19-reports", dates=("01.02.2027", "28.02.2027"))
    page.goto(f"{base}/app/calendar/week")
    page.wait_for_selector(".cal-overview")
    check_german(page, axe, shots, "20-week", dates=("Mo. 01.02.27", "So. 07.02.27"))


def walk_settings(page, base: str, axe, shots) -> None:
    open_from_nav(page, "Settings")
    page.wait_for_url(re.compile(r"/app/settings$"))
    check_german(page, axe, shots, "21-settings")
    page.click("a[href='/app/settings/business']")
    page.wait_for_selector("form.settings")
    check_german(page, axe, shots, "22-business")
    page.goto(f"{base}/app/settings/staff")
    page.locator("a[href$='/hours']").first.click()
    page.wait_for_url(re.compile(r"/app/settings/staff/\d+/hours$"))
    text = check_german(page, axe, shots, "23-hours")
    assert all(day in text for day in ("Montag", "Dienstag", "Sonntag")), text[:500]


@pytest.mark.parametrize("viewport", SIZES)
def test_the_german_ui_end_to_end(browser, live_server, german_practice, axe, shots, viewport):
    base = live_server.url
    customer, page, customer_watch = open_page(browser, viewport)
    manage_url = book_online(page, base, german_practice, axe, shots, customer_watch)
    open_manage_link(page, manage_url, axe, shots)
    customer_watch.assert_clean()
    customer.close()

    context, page, watch = open_page(browser, viewport)
    log_in(page, base, f"owner@{german_practice.slug}.test", axe, shots)
    mark_arrived(page, base, axe, shots)
    book_by_phone(page, axe, shots)
    walk_customer_and_reports(page, base, axe, shots)
    walk_settings(page, base, axe, shots)
    watch.assert_clean()
    context.close()


def test_the_german_check_catches_english(browser):
    """The checks above are only worth something if they fail on a page that is not German."""
    assert len(english_sentences()) > 200
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html lang="de"><title>Buchungen</title><p>Montag, 1. Februar 2027, 09:00</p></html>')
    assert_german(page)
    for body, problem in (
            (f"<p>{english_sentences()[0]}</p>", "English on the German page"),
            ("<p>Wir melden uns, sobald the time is free.</p>", "English words"),
            ("<p>Montag, 1. February 2027</p>", "English dates"),
            ("<p>Beginn 9:00 AM</p>", "12-hour time"),
            ('<button aria-label="Choose a time">X</button>', "English")):
        page.set_content(f'<html lang="de"><title>Buchungen</title>{body}</html>')
        with pytest.raises(AssertionError, match=problem):
            assert_german(page)
    context.close()
