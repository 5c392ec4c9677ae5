"""The public booking pages and the manage page, driven like a browser without JavaScript."""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlsplit

from tests.support.factories import booking_body, setup_practice

BERLIN_9 = "2027-02-02T09:00:00+01:00"


class FormReader(HTMLParser):
    """Inputs, textareas, checked radios and submit buttons of a page, by name."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") == "radio" and "checked" not in a:
                return
            self.values.setdefault(a["name"], a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""
        elif tag == "button" and a.get("name"):
            self.buttons.append((a["name"], a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def hrefs(html: str, pattern: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html) if re.search(pattern, unescape(h))]


def details_url(slug: str, service_id: int, start: str = BERLIN_9, tz: str = "Europe/Berlin") -> str:
    return f"/b/{slug}/book?service={service_id}&staff=any&tz={quote(tz, safe='')}&start={quote(start, safe='')}"


def submit_details(client, slug: str, service_id: int, start: str = BERLIN_9, **typed):
    form = FormReader(page(client, details_url(slug, service_id, start))).values
    form.update({"name": "Kim Customer", "email": "kim@example.test"}, **typed)
    return client.post(f"/b/{slug}/book", data=form)


def test_the_whole_flow_without_javascript(client, api, practice):
    start = page(client, f"/b/{practice.slug}")
    assert "Consultation" in start and "30 min" in start and '<html lang="en">' in start
    calendar = page(client, hrefs(start, r"/calendar\?")[0])
    day = page(client, hrefs(calendar, r"date=2027-02-02")[0])
    first_time = hrefs(day, r"/book\?")[0]
    assert parse_qs(urlsplit(first_time).query)["start"] == [BERLIN_9]
    form = FormReader(page(client, first_time)).values
    assert form["csrf_token"] and form["start"] == BERLIN_9
    form.update(name="Kim Customer", email="Kim@Example.test", phone="+49 30 1234", notes="First visit")
    response = client.post(f"/b/{practice.slug}/book", data=form)
    assert response.status_code == 303
    token = re.fullmatch(r"/m/([^/?]+)/booked\?tz=Europe/Berlin", response.headers["Location"]).group(1)
    confirmation = page(client, response.headers["Location"])
    assert "Thank you" in confirmation and "Tuesday, February 2, 2027" in confirmation
    assert f"http://localhost/m/{token}" in confirmation
    assert f'href="/api/v1/manage/{token}/ics"' in confirmation
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in confirmation
    assert "20270202T080000Z%2F20270202T083000Z" in confirmation
    assert client.get(f"/api/v1/manage/{token}/ics").mimetype == "text/calendar"
    booking = api.json("GET", f"/api/v1/manage/{token}")
    assert booking["source"] == "online" and booking["customer"]["email"] == "kim@example.test"
    assert booking["start"] == BERLIN_9 and booking["notes"] == "First visit"


def test_a_service_offered_by_several_staff_asks_who(client, api):
    practice = setup_practice(api, staff=2)
    start = page(client, f"/b/{practice.slug}")
    choose = page(client, hrefs(start, r"/staff\?")[0])
    assert "Anyone available" in choose and "Staff 2" in choose
    calendar = page(client, hrefs(choose, rf"staff={practice.staff_ids[1]}")[0])
    assert "With: Staff 2" in calendar


def test_the_month_marks_days_with_free_times(client, practice):
    base = f"/b/{practice.slug}/calendar?service={practice.service_id}&staff=any&tz=Europe/Berlin"
    february = page(client, base)
    free = set(re.findall(r'data-date="(\d{4}-\d\d-\d\d)"', february))
    assert {"2027-02-01", "2027-02-02", "2027-02-26"} <= free
    assert not {"2027-02-06", "2027-02-07"} & free  # the weekend is closed
    assert "February 2027" in february and "Previous month" not in february
    march = page(client, hrefs(february, r"month=2027-03")[0])
    assert "March 2027" in march and "2027-03-01" in march
    for junk in ("&month=2027-13", "&month=abc", "&date=2027-02-30", "&month=0001-01", "&date=2027-1-1"):
        assert "February 2027" in page(client, base + junk)
    assert 'class="title">' in page(client, base + "&date=9999-12-31")  # the last bookable month


def test_switching_the_time_zone_changes_the_times(client, practice):
    base = f"/b/{practice.slug}/calendar?service={practice.service_id}&staff=any&date=2027-02-02"
    berlin = page(client, base)
    assert ">9:00\u202fAM<" in berlin
    new_york = page(client, base + "&tz=America/New_York")
    assert re.findall(r'class="time"[^>]*>([^<]+)<', new_york)[0] == "3:00\u202fAM"
    assert '<option value="America/New_York" selected>' in new_york
    link = hrefs(new_york, r"/book\?")[0]
    assert parse_qs(urlsplit(link).query)["start"] == ["2027-02-02T03:00:00-05:00"]
    assert ">9:00\u202fAM<" in page(client, base + "&tz=Mars/Olympus")  # unknown: the business's zone


def test_invalid_input_is_shown_at_its_field_and_kept(client, practice):
    response = submit_details(client, practice.slug, practice.service_id, name="Ann Example",
                              email="not-an-email", notes="Bring the <b>old</b> results")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Ann Example"' in html and "Bring the &lt;b&gt;old&lt;/b&gt; results" in html
    email = re.search(r"<input [^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in email and 'aria-describedby="email-hint email-error"' in email
    assert 'id="email-error"' in html and 'href="#email"' in html
    sms = submit_details(client, practice.slug, practice.service_id, preferred_channel="sms")
    assert sms.status_code == 422 and 'id="phone-error"' in sms.get_data(as_text=True)


def test_a_taken_time_offers_alternatives_and_keeps_what_was_typed(client, api, practice):
    form = FormReader(page(client, details_url(practice.slug, practice.service_id))).values
    api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, BERLIN_9),
             expect=201, key="")
    form.update(name="Lee Late", email="lee@example.test", phone="0170 555")
    response = client.post(f"/b/{practice.slug}/book", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Sorry, this time was just taken" in html
    kept = FormReader(html)
    assert kept.values["name"] == "Lee Late" and kept.values["email"] == "lee@example.test"
    assert "start" not in kept.values  # the buttons carry the new start
    assert ("start", "2027-02-02T09:30:00+01:00") in kept.buttons
    again = dict(kept.values, start="2027-02-02T09:30:00+01:00")
    booked = client.post(f"/b/{practice.slug}/book", data=again)
    assert booked.status_code == 303 and "/booked" in booked.headers["Location"]


def test_sending_the_form_twice_books_once(client, practice):
    form = FormReader(page(client, details_url(practice.slug, practice.service_id))).values
    form.update(name="Kim", email="kim@example.test")
    first = client.post(f"/b/{practice.slug}/book", data=form)
    second = client.post(f"/b/{practice.slug}/book", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]


def test_a_form_reused_for_another_time_asks_to_send_again(client, practice):
    form = FormReader(page(client, details_url(practice.slug, practice.service_id))).values
    form.update(name="Kim", email="kim@example.test")
    assert client.post(f"/b/{practice.slug}/book", data=form).status_code == 303
    # Back button, another time, the same page's idempotency key.
    reused = client.post(f"/b/{practice.slug}/book", data=dict(form, start="2027-02-02T10:00:00+01:00"))
    html = reused.get_data(as_text=True)
    assert reused.status_code == 409 and "already used" in html
    resent = client.post(f"/b/{practice.slug}/book", data=FormReader(html).values)
    assert resent.status_code == 303


def test_bad_input_never_gives_a_server_error(client, practice):
    slug, service = practice.slug, practice.service_id
    page(client, "/b/no-such-practice", 404)
    page(client, "/m/not-a-token", 404)
    for query in ("", "?service=abc", "?service=999999999999999", "?service=99999", "?service=%C2%B2"):
        page(client, f"/b/{slug}/calendar{query}", 404)
    assert page(client, f"/b/{slug}/calendar?service={service}&staff=nobody&tz=%00") != ""
    naive = client.get(details_url(slug, service, start="2027-02-02T09:00:00"))
    assert naive.status_code == 302 and "/calendar" in naive.headers["Location"]
    form = FormReader(page(client, details_url(slug, service))).values
    posted = client.post(f"/b/{slug}/book", data=dict(form, start="tomorrow", name="A", email="a@example.test"))
    assert posted.status_code == 422 and "Please choose a time again" in posted.get_data(as_text=True)
    for start in ("9999-12-31T23:30:00-12:00", "0001-01-01T00:00:00+14:00", "2027-02-02T09:00:00.5+01:00"):
        assert client.get(details_url(slug, service, start=start)).status_code in (200, 302)
        assert client.post(f"/b/{slug}/book", data=dict(form, start=start, name="A", email="a@example.test")
                           ).status_code in (409, 422)
    nul = client.post(f"/b/{slug}/book", data=dict(form, name="Kim\x00", notes="\x00", email="k@example.test",
                                                     idempotency_key="k\x00"))
    assert nul.status_code == 303
    assert client.post(f"/b/{slug}/book", data=dict(form, service="x")).status_code == 404
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    assert client.post(f"/b/{slug}/book", data=no_csrf).status_code == 400


def test_typed_markup_is_escaped(client, practice):
    response = submit_details(client, practice.slug, practice.service_id, name="<script>alert(1)</script>")
    html = page(client, response.headers["Location"])
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_language_switch_and_zone_detection_script(client, practice):
    html = page(client, f"/b/{practice.slug}?lang=de")
    assert '<html lang="de">' in html and hrefs(html, r"lang=es") and hrefs(html, r"lang=en")
    calendar = page(client, f"/b/{practice.slug}/calendar?service={practice.service_id}")  # remembered
    assert '<html lang="de">' in calendar and "Februar 2027" in calendar
    assert 'src="/static/tz.js"' in calendar  # no tz in the address: the browser may supply its own
    assert 'src="/static/tz.js"' not in page(client, f"/b/{practice.slug}/calendar?service="
                                                   f"{practice.service_id}&tz=Europe/Berlin")


def _book(api, practice, start: str) -> str:
    body = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start),
                    expect=201, key="")
    return body["manage_token"]


def test_manage_reschedule_then_cancel(client, api, practice):
    token = _book(api, practice, "2027-02-10T09:00:00+01:00")
    show = page(client, f"/m/{token}?tz=Europe/Berlin")
    assert "Wednesday, February 10, 2027" in show and "Confirmed" in show
    picker = page(client, hrefs(show, r"/reschedule")[0])
    day = page(client, hrefs(picker, r"date=2027-02-11")[0])
    confirm = page(client, hrefs(day, r"/reschedule/confirm\?.*T10(:|%3A)00")[0])
    assert "Move your booking?" in confirm
    moved = client.post(f"/m/{token}/reschedule", data=FormReader(confirm).values)
    assert moved.status_code == 303
    after = page(client, moved.headers["Location"])
    assert "Thursday, February 11, 2027" in after and "Your appointment was moved." in after
    cancel_page = page(client, hrefs(after, r"/cancel")[0])
    cancelled = client.post(f"/m/{token}/cancel", data=FormReader(cancel_page).values)
    assert cancelled.status_code == 303
    final = page(client, cancelled.headers["Location"])
    assert "This booking was cancelled." in final and not hrefs(final, r"/reschedule|/cancel")
    assert api.json("GET", f"/api/v1/manage/{token}")["status"] == "cancelled"


def test_reschedule_to_a_taken_time_offers_alternatives(client, api, practice):
    token = _book(api, practice, "2027-02-10T09:00:00+01:00")
    target = "2027-02-11T10:00:00+01:00"
    confirm = page(client, f"/m/{token}/reschedule/confirm?tz=Europe/Berlin&start={quote(target, safe='')}")
    _book(api, practice, target)
    response = client.post(f"/m/{token}/reschedule", data=FormReader(confirm).values)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Sorry, this time was just taken" in html
    assert ("start", "2027-02-11T10:30:00+01:00") in FormReader(html).buttons


def test_after_the_cutoff_the_page_says_so(client, api, practice):
    token = _book(api, practice, "2027-02-01T10:00:00+01:00")  # two hours from the frozen now
    show = page(client, f"/m/{token}")
    assert "cut-off for changes online has passed" in show
    assert not hrefs(show, r"/reschedule|/cancel")
    later = quote("2027-02-03T10:00:00+01:00", safe="")
    assert client.get(f"/m/{token}/reschedule/confirm?start={later}").status_code == 302
    assert client.get(f"/m/{token}/cancel").status_code == 302
    # A page left open from before the cut-off still posts: the answer is friendly, not an error.
    csrf = FormReader(page(client, f"/m/{token}/unsubscribe")).values["csrf_token"]  # a token of the session
    late = client.post(f"/m/{token}/reschedule", data={"csrf_token": csrf, "start": "2027-02-03T10:00:00+01:00"})
    assert late.status_code == 422 and "Please contact" in late.get_data(as_text=True)
    assert client.post(f"/m/{token}/cancel", data={"csrf_token": csrf}).status_code == 422
    assert api.json("GET", f"/api/v1/manage/{token}")["status"] == "confirmed"
