"""Calendar feeds (export) over HTTP: the API that hands out the private URLs, the .ics they
serve (conditional GET, rotation, busy only, cancellations, the window), fetch bookkeeping and
the owner's page. The clock is pinned to Monday 2027-02-01 08:00 Berlin (07:00 UTC)."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

from icalendar import Calendar
from sqlalchemy import select

from booking.clock import pinned
from booking.models import Booking, CalendarFeed
from tests.conftest import FROZEN_NOW
from tests.support.factories import Practice, booking_body, setup_practice, unique
from tests.support.workspace import log_in
from tests.support.db_access import database
from tests.support.workspace import add_staff_user, form_token

EVERY_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}




def path_of(url: str) -> str:
    return urlsplit(url).path


def book(api, practice: Practice, start: str, staff: int = 0, name: str = "Kim Customer") -> dict:
    body = booking_body(practice, start, staff_id=practice.staff_ids[staff],
                        customer={"name": name, "email": f"{unique('c')}@example.test"})
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")


def events_of(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    assert not calendar.errors
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def feed_uids(client, url: str) -> set[str]:
    response = client.get(path_of(url))
    assert response.status_code == 200
    return set(events_of(response.data))


def uid_of(app, booking_id: int) -> str:
    with database(app) as session:
        return session.get(Booking, booking_id).uid


def feed_row(app, url: str) -> CalendarFeed:
    token = path_of(url).rsplit("/", 1)[1].removesuffix(".ics")
    with database(app) as session:
        feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hashlib.sha256(
            token.encode()).hexdigest()))
        session.expunge(feed)
        return feed


# --- the API -------------------------------------------------------------------------------------

def test_the_api_hands_out_one_stable_url_per_staff_member_and_for_the_business(api):
    practice = setup_practice(api, staff=2)
    first = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/feed")
    assert set(first) == {"url", "busy_only"} and first["busy_only"] is False
    assert re.fullmatch(r"http://localhost/feeds/[A-Za-z0-9_-]{43}\.ics", first["url"])
    assert api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/feed") == first
    second = api.json("GET", f"/api/v1/staff/{practice.staff_ids[1]}/feed")
    business = api.json("GET", "/api/v1/business/feed")
    assert len({first["url"], second["url"], business["url"]}) == 3
    assert api.json("GET", "/api/v1/business/feed") == business


def test_feeds_belong_to_their_business_and_need_a_key(api, client, app):
    mine, theirs = setup_practice(api), setup_practice(api)
    api.key = mine.key
    for method, suffix in (("GET", ""), ("POST", "/rotate"), ("PATCH", "")):
        body = {"busy_only": True} if method == "PATCH" else None
        api.json(method, f"/api/v1/staff/{theirs.staff_ids[0]}/feed{suffix}", body, expect=404)
        assert api.call(method, f"/api/v1/staff/{mine.staff_ids[0]}/feed{suffix}", body, key="").status_code == 401
        assert api.call(method, f"/api/v1/business/feed{suffix}", body, key="wrong").status_code == 401
    api.json("GET", "/api/v1/staff/99999999999/feed", expect=404)
    their_booking = book(api, theirs, "2027-02-02T10:00:00+01:00")
    assert uid_of(app, their_booking["id"]) not in feed_uids(
        client, api.json("GET", "/api/v1/business/feed")["url"])


def test_a_staff_feed_shows_that_member_and_the_business_feed_everyone(api, client, app):
    practice = setup_practice(api, staff=2)
    anna, ben = book(api, practice, "2027-02-02T10:00:00+01:00", 0), book(api, practice, "2027-02-02T10:00:00+01:00", 1)
    staff_url = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}/feed")["url"]
    assert feed_uids(client, staff_url) == {uid_of(app, anna["id"])}
    assert feed_uids(client, api.json("GET", "/api/v1/business/feed")["url"]) == {uid_of(app, anna["id"]),
                                                                                 uid_of(app, ben["id"])}


def test_rotation_kills_the_old_url_at_once(api, client):
    practice = setup_practice(api)
    for base in (f"/api/v1/staff/{practice.staff_ids[0]}/feed", "/api/v1/business/feed"):
        old = api.json("GET", base)["url"]
        assert client.get(path_of(old)).status_code == 200
        new = api.json("POST", base + "/rotate")["url"]
        assert new != old and api.json("GET", base)["url"] == new
        assert client.get(path_of(old)).status_code == 404
        assert client.get(path_of(new)).status_code == 200
    assert client.get("/feeds/not-a-token.ics").status_code == 404


# --- serving ---------------------------------------------------------------------------------------

def test_the_feed_is_a_calendar_with_a_stable_etag_and_answers_304(api, client):
    practice = setup_practice(api)
    book(api, practice, "2027-02-02T10:00:00+01:00", name="Jürgen Groß 🙂")
    path = path_of(api.json("GET", "/api/v1/business/feed")["url"])
    first, second = client.get(path), client.get(path)
    assert first.status_code == 200 and first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert first.headers["ETag"] == f'"{hashlib.sha256(first.data).hexdigest()}"'
    assert "max-age" in first.headers["Cache-Control"] and "private" in first.headers["Cache-Control"]
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    etag = first.headers["ETag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}'):
        cached = client.get(path, headers={"If-None-Match": header})
        assert cached.status_code == 304 and cached.data == b"" and cached.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_the_body_changes_when_a_booking_does_and_the_old_etag_no_longer_matches(api, client):
    practice = setup_practice(api)
    booking = book(api, practice, "2027-02-02T10:00:00+01:00")
    path = path_of(api.json("GET", "/api/v1/business/feed")["url"])
    before = client.get(path)
    api.json("POST", f"/api/v1/manage/{booking['manage_token']}/reschedule", {"start": "2027-02-02T11:00:00+01:00"},
             key="")
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    (event,) = events_of(after.data).values()
    assert event["SEQUENCE"] == 1 and event.start == datetime(2027, 2, 2, 10, tzinfo=timezone.utc)


def test_busy_only_hides_customers_and_services(api, client):
    practice = setup_practice(api)
    book(api, practice, "2027-02-02T10:00:00+01:00", name="Jürgen Groß")
    base = f"/api/v1/staff/{practice.staff_ids[0]}/feed"
    path = path_of(api.json("GET", base)["url"])
    assert "Jürgen Groß" in client.get(path).get_data(as_text=True)
    assert api.json("PATCH", base, {"busy_only": True}) == {"url": f"http://localhost{path}", "busy_only": True}
    hidden = client.get(path).get_data(as_text=True)
    assert "Jürgen" not in hidden and "Consultation" not in hidden and "DESCRIPTION" not in hidden
    (event,) = events_of(hidden.encode()).values()
    assert event["SUMMARY"] == "Busy" and event.start == datetime(2027, 2, 2, 9, tzinfo=timezone.utc)
    api.json("PATCH", base, {"busy_only": "yes"}, expect=422)
    api.json("PATCH", base, {}, expect=422)
    api.json("PATCH", base, {"busy_only": False})
    assert "Jürgen Groß" in client.get(path).get_data(as_text=True)


def test_a_cancelled_booking_leaves_the_feed(api, client, app):
    practice = setup_practice(api)
    kept, cancelled = book(api, practice, "2027-02-02T10:00:00+01:00"), book(api, practice, "2027-02-03T10:00:00+01:00")
    url = api.json("GET", "/api/v1/business/feed")["url"]
    assert feed_uids(client, url) == {uid_of(app, kept["id"]), uid_of(app, cancelled["id"])}
    api.json("POST", f"/api/v1/manage/{cancelled['manage_token']}/cancel", key="")
    body = client.get(path_of(url)).data
    assert set(events_of(body)) == {uid_of(app, kept["id"])} and b"CANCELLED" not in body


def test_the_feed_covers_the_past_30_and_the_next_365_days(api, client, app):
    practice = setup_practice(api, hours=EVERY_DAY)
    with pinned(datetime(2026, 12, 1, 7, tzinfo=timezone.utc)):  # book what is past by FROZEN_NOW
        too_old = book(api, practice, "2026-12-31T10:00:00+01:00")   # ends 31.9 days before now
        recent = book(api, practice, "2027-01-03T10:00:00+01:00")    # 29 days before
    soon = book(api, practice, "2028-01-31T10:00:00+01:00")          # 364 days ahead
    too_far = book(api, practice, "2028-02-02T10:00:00+01:00")       # 366 days ahead
    uids = feed_uids(client, api.json("GET", "/api/v1/business/feed")["url"])
    assert uids == {uid_of(app, recent["id"]), uid_of(app, soon["id"])}
    assert uid_of(app, too_old["id"]) not in uids and uid_of(app, too_far["id"]) not in uids


def test_fetches_are_recorded_with_the_user_agent(api, client, app):
    setup_practice(api)
    url = api.json("GET", "/api/v1/business/feed")["url"]
    assert feed_row(app, url).last_fetched_at is None
    client.get(path_of(url), headers={"User-Agent": "Google-Calendar-Importer"})
    row = feed_row(app, url)
    assert row.last_fetched_at == FROZEN_NOW and row.last_user_agent == "Google-Calendar-Importer"
    later = FROZEN_NOW + timedelta(seconds=30)
    with pinned(later):
        client.get(path_of(url), headers={"User-Agent": "Google-Calendar-Importer"})
        assert feed_row(app, url).last_fetched_at == FROZEN_NOW  # polled again within a minute: not rewritten
        etag = client.get(path_of(url)).headers["ETag"]
        client.get(path_of(url), headers={"User-Agent": "Thunderbird/128 " + "x" * 400, "If-None-Match": etag})
    row = feed_row(app, url)
    assert row.last_fetched_at == later and row.last_user_agent == ("Thunderbird/128 " + "x" * 400)[:300]


# --- the owner's page ------------------------------------------------------------------------------





def test_the_owner_page_lists_every_feed_with_subscribe_links(api, client, app):
    practice = setup_practice(api, staff=2)
    api.json("PATCH", f"/api/v1/staff/{practice.staff_ids[1]}", {"name": "Zoë <b>Ünal</b>"})
    business_url = api.json("GET", "/api/v1/business/feed")["url"]
    client.get(path_of(business_url), headers={"User-Agent": "Google-Calendar-Importer"})
    log_in(client, f"owner@{practice.slug}.test")
    page = client.get("/app/feeds")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    webcal = business_url.replace("http://", "webcal://")
    assert business_url in html and f'href="{webcal}"' in html
    assert f'href="https://calendar.google.com/calendar/render?cid={quote(webcal, safe="")}"' in html
    for staff_id in practice.staff_ids:
        assert api.json("GET", f"/api/v1/staff/{staff_id}/feed")["url"] in html
    assert "Zoë &lt;b&gt;Ünal&lt;/b&gt;" in html and "<b>" not in html and "Google-Calendar-Importer" in html
    assert html.count('data-fetched') == 3 and "never" in html


def test_the_owner_rotates_and_switches_busy_only_from_the_page(api, client, app):
    practice = setup_practice(api)
    old_url = api.json("GET", "/api/v1/business/feed")["url"]
    log_in(client, f"owner@{practice.slug}.test")
    html = client.get("/app/feeds").get_data(as_text=True)
    feed_id = feed_row(app, old_url).id
    assert client.post(f"/app/feeds/{feed_id}/rotate").status_code == 400  # no CSRF token
    answer = client.post(f"/app/feeds/{feed_id}/rotate", data={"csrf_token": form_token(html)})
    assert answer.status_code == 303 and client.get(path_of(old_url)).status_code == 404
    new_url = api.json("GET", "/api/v1/business/feed")["url"]
    assert new_url != old_url and new_url in client.get("/app/feeds").get_data(as_text=True)
    client.post(f"/app/feeds/{feed_id}/busy-only", data={"csrf_token": form_token(html), "busy_only": "1"})
    assert api.json("GET", "/api/v1/business/feed")["busy_only"] is True
    client.post(f"/app/feeds/{feed_id}/busy-only", data={"csrf_token": form_token(html)})
    assert api.json("GET", "/api/v1/business/feed")["busy_only"] is False


def test_staff_accounts_and_other_practices_cannot_touch_the_feeds(api, client, app):
    practice, other = setup_practice(api), setup_practice(api)
    api.key = other.key
    other_feed = feed_row(app, api.json("GET", "/api/v1/business/feed")["url"]).id
    staff_client = app.test_client()
    log_in(staff_client, add_staff_user(app, practice, FROZEN_NOW))
    assert staff_client.get("/app/feeds").status_code == 403
    assert staff_client.post("/app/feeds/1/rotate", data={}).status_code in (400, 403)
    log_in(client, f"owner@{practice.slug}.test")
    token = form_token(client.get("/app/feeds").get_data(as_text=True))
    assert client.post(f"/app/feeds/{other_feed}/rotate", data={"csrf_token": token}).status_code == 404
