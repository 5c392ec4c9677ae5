"""The workspace calendar: day and week views on a time grid, per staff member and for the whole
practice. Bookings by status, breaks, time off, imported busy times (never their titles), calendar
conflicts, running-late estimates, navigation, tenant scoping, and the two clock-change days.
The clock is pinned to Monday 2027-02-01 08:00 Berlin; the practice works Mon-Fri 09-12 and 13-17."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from sqlalchemy import event

from booking.extensions import db
from booking.models import Booking
from tests.calendars.feed_server import FeedServer, Route, ics
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Practice, booking_body, setup_practice
from tests.support.workspace import log_in, log_in_new_staff

SECRET_TITLE = "Root canal at Dr Secret"


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.parts = tag, attrs, []
        self.bookings: set[str] = set()  # data-booking values of the links inside

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Page(HTMLParser):
    """Every element of a page with its attributes and its whole text (no third-party parser)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html, self.elements, self._open = html, [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        for parent in self._open if "data-booking" in element.attrs else ():
            parent.bookings.add(element.attrs["data-booking"])
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def all(self, cls: str, tag: str | None = None) -> list[Element]:
        """Elements with class `cls` (and tag `tag`), in document order."""
        return [e for e in self.elements if cls in e.classes and tag in (None, e.tag)]

    def one(self, cls: str, tag: str | None = None) -> Element:
        found = self.all(cls, tag)
        assert len(found) == 1, f"{cls} {tag}: {len(found)} found"
        return found[0]

    def booking(self, booking_id: int) -> Element:
        """The grid block (li) holding the link to a booking."""
        return next(e for e in self.elements if e.tag == "li" and "cal-booking" in e.classes
                    and str(booking_id) in e.bookings)


def style(element: Element) -> dict[str, float]:
    return {key: float(value.rstrip("%")) for key, value in
            (part.split(":") for part in element.attrs["style"].split(";") if part)}


def book(api, practice: Practice, start: str, staff: int, name: str, **extra) -> int:
    body = booking_body(practice, start, staff_id=practice.staff_ids[staff], **extra)
    body["customer"]["name"] = name
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")["id"]


def set_status(api, booking_id: int, status: str) -> None:
    api.json("PATCH", f"/api/v1/bookings/{booking_id}", {"status": status})


def sync_busy(api, app, practice: Practice, staff: int, feed: bytes) -> None:
    """Imports `feed` the real way: a calendar subscribed over HTTP from a server on 127.0.0.1."""
    with FeedServer() as server:
        server.routes["/private.ics"] = Route(body=feed, headers={"Content-Type": "text/calendar"})
        app.config["ALLOW_PRIVATE_CALENDAR_URLS"] = True
        try:
            calendar = api.json("POST", f"/api/v1/staff/{practice.staff_ids[staff]}/calendars",
                                {"url": server.url("/private.ics"), "name": "My private life"}, expect=201)
            assert api.json("POST", f"/api/v1/calendars/{calendar['id']}/sync")["status"] == "ok"
        finally:
            app.config["ALLOW_PRIVATE_CALENDAR_URLS"] = False


@pytest.fixture
def day(api, app, client):
    """Tuesday 2027-02-02 with two staff members and one of everything."""
    practice = setup_practice(api, staff=2)
    ids = {"arrived": book(api, practice, "2027-02-02T09:00:00+01:00", 0, "Ada Arrived"),
           "completed": book(api, practice, "2027-02-02T09:30:00+01:00", 0, "Carl Completed"),
           "no_show": book(api, practice, "2027-02-02T10:00:00+01:00", 0, "Nora Noshow"),
           "cancelled": book(api, practice, "2027-02-02T11:00:00+01:00", 0, "Cora Cancelled"),
           "conflict": book(api, practice, "2027-02-02T14:00:00+01:00", 1, "Conny Conflict"),
           "late": book(api, practice, "2027-02-02T15:00:00+01:00", 1, "Eve Estimate")}
    for status in ("arrived", "completed", "no_show", "cancelled"):
        set_status(api, ids[status], status)
    api.json("POST", f"/api/v1/staff/{practice.staff_ids[1]}/time-off",
             {"start": "2027-02-02T10:00:00+01:00", "end": "2027-02-02T11:00:00+01:00", "reason": "Dentist"},
             expect=201)
    sync_busy(api, app, practice, 1, ics(f"DTSTART:20270202T130000Z\nDTEND:20270202T140000Z\nSUMMARY:{SECRET_TITLE}"))
    sync_busy(api, app, practice, 0, ics(f"DTSTART:20270202T150000Z\nDTEND:20270202T160000Z\nSUMMARY:{SECRET_TITLE}"))
    with database(app) as session:
        late = session.get(Booking, ids["late"])
        late.estimated_start_utc = late.start_utc + timedelta(minutes=20)
        session.commit()
    assert log_in(client, f"owner@{practice.slug}.test").status_code == 302
    return practice, ids


def get_page(client, path: str, status: int = 200) -> Page:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return Page(response.get_data(as_text=True))


def test_the_practice_day_shows_each_staff_member_as_a_column(client, day):
    practice, ids = day
    page = get_page(client, "/app/calendar/day?date=2027-02-02")
    assert "<title>Calendar for Feb 2, 2027" in page.html and '<html lang="en">' in page.html
    assert "Calendar for Tuesday, February 2, 2027" in page.one("cal-page").text
    columns = page.all("cal-col")
    assert [c.attrs["data-staff"] for c in columns] == [str(i) for i in practice.staff_ids]
    heads = page.all("cal-head")
    assert [h.text for h in heads] == ["Staff 1 9:00 AM–12:00 PM, 1:00 PM–5:00 PM",
                                       "Staff 2 9:00 AM–12:00 PM, 1:00 PM–5:00 PM"]
    region = page.one("cal-scroll")
    assert region.attrs["tabindex"] == "0" and region.attrs["role"] == "region" and region.attrs["aria-label"]


def test_bookings_show_time_customer_service_and_status(client, day):
    practice, ids = day
    page = get_page(client, "/app/calendar/day?date=2027-02-02")
    arrived = page.booking(ids["arrived"])
    assert "cal-arrived" in arrived.classes
    assert arrived.text == "9:00 AM–9:30 AM Arrived Ada Arrived Consultation"
    # 08:00-18:00 is 600 minutes: 09:00 is 10 % down, and half an hour is 5 %.
    assert style(arrived) == {"top": 10.0, "height": 5.0}
    assert "cal-completed" in page.booking(ids["completed"]).classes
    assert "Completed" in page.booking(ids["completed"]).text
    assert "cal-no_show" in page.booking(ids["no_show"]).classes
    assert "Missed" in page.booking(ids["no_show"]).text
    assert f'/app/bookings/{ids["arrived"]}"' in page.html
    late = page.booking(ids["late"])
    assert "cal-confirmed" in late.classes and "expected 3:20 PM" in late.text


def test_cancelled_bookings_are_hidden_until_asked_for(client, day):
    practice, ids = day
    page = get_page(client, "/app/calendar/day?date=2027-02-02")
    assert f'data-booking="{ids["cancelled"]}"' not in page.html
    toggle = page.one("cal-toggle")
    assert toggle.text == "Show 1 cancelled booking"
    shown = get_page(client, "/app/calendar/day?date=2027-02-02&cancelled=1")
    assert "cal-cancelled" in shown.booking(ids["cancelled"]).classes
    assert "Cancelled" in shown.booking(ids["cancelled"]).text
    assert shown.one("cal-toggle").text == "Hide cancelled bookings"
    # The date form keeps the choice.
    assert '<input type="hidden" name="cancelled" value="1">' in shown.html


def test_breaks_working_hours_and_time_off(client, day):
    practice, ids = day
    page = get_page(client, "/app/calendar/day?date=2027-02-02")
    breaks = page.all("cal-break", "li")
    assert [b.text for b in breaks] == ["Break 12:00 PM–1:00 PM", "Break 12:00 PM–1:00 PM"]
    assert style(breaks[0]) == {"top": 40.0, "height": 10.0}
    # Working hours are the white bands; time off cuts the second member's morning in two.
    opens = [style(e) for e in page.all("cal-open")]
    assert opens == [{"top": 10.0, "height": 30.0}, {"top": 50.0, "height": 40.0},
                     {"top": 10.0, "height": 10.0}, {"top": 30.0, "height": 10.0}, {"top": 50.0, "height": 40.0}]
    off = page.one("cal-off", "li")
    assert off.text == "10:00 AM–11:00 AM Time off Dentist"
    assert style(off) == {"top": 20.0, "height": 10.0}


def test_imported_busy_times_show_as_busy_without_titles_and_conflicts_are_flagged(client, day):
    practice, ids = day
    page = get_page(client, "/app/calendar/day?date=2027-02-02")
    busy = page.all("cal-busy", "li")
    assert [b.text for b in busy] == ["4:00 PM–5:00 PM Busy", "2:00 PM–3:00 PM Busy"]
    assert SECRET_TITLE not in page.html and "My private life" not in page.html
    conflict = page.booking(ids["conflict"])
    assert "cal-conflict" in conflict.classes and "Calendar conflict" in conflict.text
    # The booking and the busy time it clashes with sit side by side, not on top of each other.
    busy_at_two = next(b for b in busy if b.text.startswith("2:00"))
    assert style(conflict)["width"] == 50.0 and style(busy_at_two)["width"] == 50.0
    assert {style(conflict)["left"], style(busy_at_two)["left"]} == {0.0, 50.0}
    assert "cal-conflict" not in page.booking(ids["arrived"]).classes


def test_one_staff_member_and_unknown_ones(client, day, api):
    practice, ids = day
    page = get_page(client, f"/app/calendar/day?date=2027-02-02&staff={practice.staff_ids[1]}")
    assert [c.attrs["data-staff"] for c in page.all("cal-col")] == [str(practice.staff_ids[1])]
    assert "Calendar of Staff 2 for Tuesday, February 2, 2027" in page.html
    assert f'data-booking="{ids["arrived"]}"' not in page.html
    other = setup_practice(api)
    for path in ("day", "week"):
        assert client.get(f"/app/calendar/{path}?staff={other.staff_ids[0]}").status_code == 404
        assert client.get(f"/app/calendar/{path}?staff=999999999").status_code == 404
        assert client.get(f"/app/calendar/{path}?staff=abc").status_code == 404
        assert client.get(f"/app/calendar/{path}?staff=-1").status_code == 404
    assert "Staff 1" not in client.get(f"/app/calendar/day?staff={other.staff_ids[0]}").get_data(as_text=True)


@pytest.mark.parametrize("asked", ["", "?date=", "?date=yesterday", "?date=2027-02-30", "?date=0001-01-01",
                                   "?date=9999-12-31", "?date=2027-02-01T10:00"])
def test_a_bad_or_missing_date_means_today(client, day, asked):
    page = get_page(client, f"/app/calendar/day{asked}")
    assert "Calendar for Monday, February 1, 2027" in page.html
    assert 'id="cal-date" name="date" value="2027-02-01"' in page.html
    # Now (08:00) is the top line of today's column.
    assert all(style(now) == {"top": 0.0} for now in page.all("cal-now"))


def test_navigation_links_and_the_date_form(client, day):
    practice, ids = day
    staff = practice.staff_ids[0]
    page = get_page(client, f"/app/calendar/day?date=2027-02-02&staff={staff}")
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*>(Previous day|Today|Next day|Day|Week)</a>', page.html))
    by_text = {text: href.replace("&amp;", "&") for href, text in links.items()}
    assert by_text["Previous day"] == f"/app/calendar/day?date=2027-02-01&staff={staff}"
    assert by_text["Next day"] == f"/app/calendar/day?date=2027-02-03&staff={staff}"
    assert by_text["Today"] == f"/app/calendar/day?staff={staff}"
    assert by_text["Week"] == f"/app/calendar/week?date=2027-02-02&staff={staff}"
    assert 'aria-current="page">Day</a>' in page.html
    form = page.one("cal-pick")
    assert form.attrs["method"] == "get" and form.attrs["action"] == "/app/calendar/day"
    assert '<label for="cal-date">Date</label>' in page.html and '<label for="cal-staff">Staff</label>' in page.html
    assert f'<option value="{staff}" selected>Staff 1</option>' in page.html
    assert '<option value="">Whole practice</option>' in page.html
    # The booking links lead to the booking's page, and that page exists.
    assert client.get(f"/app/bookings/{ids['arrived']}").status_code == 200
    week = get_page(client, f"/app/calendar/week?date=2027-02-02&staff={staff}")
    week_links = {text: href.replace("&amp;", "&") for href, text in re.findall(
        r'<a href="([^"]+)"[^>]*>(Previous week|This week|Next week)</a>', week.html)}
    assert week_links["Previous week"] == f"/app/calendar/week?date=2027-01-26&staff={staff}"
    assert week_links["Next week"] == f"/app/calendar/week?date=2027-02-09&staff={staff}"


def test_the_workspace_links_to_the_calendar(client, day):
    start = client.get("/app/?date=2027-02-02").get_data(as_text=True)
    assert '<a href="/app/calendar/day">Calendar</a>' in start
    assert 'href="/app/calendar/day?date=2027-02-02" data-link="calendar"' in start
    page = get_page(client, "/app/calendar/week")
    assert '<a href="/app/calendar/day" aria-current="page">Calendar</a>' in page.html


def test_a_staff_members_week_has_a_column_per_day(client, day):
    practice, ids = day
    page = get_page(client, f"/app/calendar/week?date=2027-02-03&staff={practice.staff_ids[0]}")
    # The week starts on the first day of the language's week: Monday for en, de and es (CLDR).
    assert [c.attrs["data-day"] for c in page.all("cal-col")] == [
        "2027-02-01", "2027-02-02", "2027-02-03", "2027-02-04", "2027-02-05", "2027-02-06", "2027-02-07"]
    assert "Week of Staff 1, Feb 1, 2027 to Feb 7, 2027" in page.html
    heads = page.all("cal-head")
    assert heads[0].text == "Mon 2/1/27 Today 9:00 AM–12:00 PM, 1:00 PM–5:00 PM" and "cal-today" in heads[0].classes
    assert heads[6].text == "Sun 2/7/27 Not working"
    assert 'href="/app/calendar/day?date=2027-02-02&amp;staff=' in page.html
    assert style(page.booking(ids["arrived"])) == {"top": 10.0, "height": 5.0}
    assert "cal-conflict" not in page.booking(ids["arrived"]).classes
    assert len(page.all("cal-break", "li")) == 5 and len(page.all("cal-busy", "li")) == 1


def test_the_practices_week_is_a_staff_by_day_overview(client, day):
    practice, ids = day
    page = get_page(client, "/app/calendar/week?date=2027-02-02")
    assert "Week Feb 1, 2027 to Feb 7, 2027" in page.html
    region = page.one("cal-overview")
    assert region.attrs["tabindex"] == "0" and region.attrs["role"] == "region"
    cell = next(e for e in page.elements if e.tag == "td" and e.attrs.get("data-staff") == str(practice.staff_ids[1])
                and e.attrs.get("data-day") == "2027-02-02")
    assert cell.text == ("9:00 AM–12:00 PM, 1:00 PM–5:00 PM 10:00 AM–11:00 AM Time off Dentist "
                         "2:00 PM Conny Conflict Calendar conflict 2:00 PM–3:00 PM Busy "
                         "3:00 PM Eve Estimate expected 3:20 PM")
    assert SECRET_TITLE not in page.html
    assert f'data-booking="{ids["cancelled"]}"' not in page.html
    assert f'href="/app/calendar/week?date=2027-02-02&amp;staff={practice.staff_ids[0]}">Staff 1</a>' in page.html


def test_a_staff_account_sees_the_calendar(client, app, day):
    practice, ids = day
    client.post("/logout")
    member = app.test_client()
    log_in_new_staff(member, app, practice, FROZEN_NOW)
    for path in ("/app/calendar/day?date=2027-02-02", "/app/calendar/week?date=2027-02-02",
                 f"/app/calendar/week?date=2027-02-02&staff={practice.staff_ids[1]}"):
        page = get_page(member, path)
        assert f'data-booking="{ids["late"]}"' in page.html


def test_a_group_class_is_one_block_listing_its_customers(client, api, app):
    practice = setup_practice(api, service={"name": "Yoga", "duration_minutes": 60, "capacity": 3})
    first = book(api, practice, "2027-02-02T09:00:00+01:00", 0, "Gina Group")
    second = book(api, practice, "2027-02-02T09:00:00+01:00", 0, "Hugo Group")
    log_in(client, f"owner@{practice.slug}.test")
    page = get_page(client, "/app/calendar/day?date=2027-02-02")
    block = page.one("cal-group")
    assert block.text == "9:00 AM–10:00 AM Yoga 2 of 3 places Gina Group Hugo Group"
    assert f'data-booking="{first}"' in page.html and f'data-booking="{second}"' in page.html
    assert style(block) == {"top": 10.0, "height": 10.0}


def test_a_deactivated_staff_member_keeps_a_column_while_they_have_bookings(client, day, api):
    practice, ids = day
    api.json("DELETE", f"/api/v1/staff/{practice.staff_ids[1]}", expect=204)
    page = get_page(client, "/app/calendar/day?date=2027-02-02")
    assert [c.attrs["data-staff"] for c in page.all("cal-col")] == [str(i) for i in practice.staff_ids]
    assert f'data-booking="{ids["late"]}"' in page.html
    # Not on a day without their bookings, and not in the staff switch.
    assert len(get_page(client, "/app/calendar/day?date=2027-02-03").all("cal-col")) == 1
    assert f'<option value="{practice.staff_ids[1]}"' not in page.html


def count_statements(app, client, path: str) -> int:
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_bookings(client, api, app):
    practice = setup_practice(api, staff=3)
    log_in(client, f"owner@{practice.slug}.test")
    book(api, practice, "2027-02-03T09:00:00+01:00", 0, "Only One")
    few = count_statements(app, client, "/app/calendar/day?date=2027-02-03")
    for n in range(12):
        start = datetime(2027, 2, 3, 13, tzinfo=timezone(timedelta(hours=1))) + timedelta(minutes=30 * (n // 3))
        book(api, practice, start.isoformat(), n % 3, f"Customer {n}")
    many = count_statements(app, client, "/app/calendar/day?date=2027-02-03")
    assert many == few, (few, many)


# --- clock changes: Europe/Berlin springs forward on 2027-03-28 and falls back on 2027-10-31 -----

@pytest.fixture
def night_shift(api, client):
    """One staff member working 01:00-04:00 on both clock-change Sundays: two real hours in
    spring, four in autumn (SPEC "Domain rules")."""
    practice = setup_practice(api, service={"duration_minutes": 30})
    staff = practice.staff_ids[0]
    for day in ("2027-03-28", "2027-10-31"):
        api.json("PUT", f"/api/v1/staff/{staff}/overrides/{day}", {"hours": [["01:00", "04:00"]]})
    log_in(client, f"owner@{practice.slug}.test")
    return practice


def hour_labels(page: Page) -> list[str]:
    axis = page.one("cal-axis")
    return re.findall(r"\d+:\d\d [AP]M", axis.text)


def test_the_spring_forward_day_has_23_hours(client, api, night_shift):
    practice = night_shift
    booked = book(api, practice, "2027-03-28T03:00:00+02:00", 0, "Early Bird")
    page = get_page(client, "/app/calendar/day?date=2027-03-28")
    assert "The clocks go forward on this day, so it has 23 hours." in page.html
    # 01:00 to 18:00 on the wall clock is 16 real hours: there is no 2 o'clock.
    assert hour_labels(page)[:4] == ["1:00 AM", "3:00 AM", "4:00 AM", "5:00 AM"]
    assert len(hour_labels(page)) == 16
    assert page.one("cal-grid").attrs["style"].endswith("--minutes: 960")
    (window,) = page.all("cal-open")
    assert style(window) == {"top": 0.0, "height": pytest.approx(100 * 120 / 960, abs=1e-3)}
    # 03:00 CEST is one real hour after 01:00 CET.
    assert style(page.booking(booked))["top"] == pytest.approx(100 * 60 / 960, abs=1e-3)
    assert "3:00 AM–3:30 AM" in page.booking(booked).text


def test_the_fall_back_day_has_25_hours(client, api, night_shift):
    practice = night_shift
    first = book(api, practice, "2027-10-31T02:30:00+02:00", 0, "First Two-Thirty")
    second = book(api, practice, "2027-10-31T02:30:00+01:00", 0, "Second Two-Thirty")
    page = get_page(client, "/app/calendar/day?date=2027-10-31")
    assert "The clocks go back on this day, so it has 25 hours." in page.html
    assert hour_labels(page)[:5] == ["1:00 AM", "2:00 AM", "2:00 AM", "3:00 AM", "4:00 AM"]
    assert page.one("cal-grid").attrs["style"].endswith("--minutes: 1080")
    (window,) = page.all("cal-open")
    assert style(window)["height"] == pytest.approx(100 * 240 / 1080, abs=1e-3)
    # The two 02:30s are an hour apart, one under the other, each in the full width.
    assert style(page.booking(first)) == {"top": pytest.approx(100 * 90 / 1080, abs=1e-3),
                                          "height": pytest.approx(100 * 30 / 1080, abs=1e-3)}
    assert style(page.booking(second))["top"] == pytest.approx(100 * 150 / 1080, abs=1e-3)


@pytest.mark.parametrize("day, lengths", [("2027-03-28", "forward"), ("2027-10-31", "back")])
def test_the_week_of_a_clock_change_lines_days_up_by_the_wall_clock(client, api, night_shift, day, lengths):
    practice = night_shift
    page = get_page(client, f"/app/calendar/week?date={day}&staff={practice.staff_ids[0]}&lang=de")
    columns = page.all("cal-col")
    assert columns[-1].attrs["data-day"] == day  # Sunday closes a German week
    assert page.one("cal-change").text in page.all("cal-head")[-1].text  # only that day says so
    # The axis runs 01:00-18:00 by the wall clock in every column (17 hours), named from a steady day.
    assert page.one("cal-grid").attrs["style"].endswith("--minutes: 1020")
    assert re.findall(r"\d\d:\d\d", page.one("cal-axis").text)[:3] == ["01:00", "02:00", "03:00"]
    window = page.all("cal-open", "li")[-1]  # Sunday's only window, 01:00-04:00 by the wall clock
    assert style(window)["top"] == 0.0
    assert style(window)["height"] == pytest.approx(100 * 180 / 1020, abs=1e-3)
