"""The render cache behind the feeds (booking.operations.feed_cache): a poll is answered from
memory, a change committed in this process shows at once, a change made by another process
within REVALIDATE_AFTER, and the same rows always give the same body and ETag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from sqlalchemy import text

from booking.clock import pinned
from booking.extensions import db
from booking.operations.feed_cache import ALL, REVALIDATE_AFTER, Entry, FeedDocument, RenderedFeeds
from tests.conftest import FROZEN_NOW
from tests.support.factories import booking_body, setup_practice, unique

NOW = datetime(2027, 2, 1, 7, tzinfo=timezone.utc)


def entry(business_id: int, size: int = 10, busy_only: bool = False, inputs: object = "rows") -> Entry:
    return Entry(business_id=business_id, busy_only=busy_only, inputs=inputs,
                 document=FeedDocument(body=b"x" * size, etag="e"), checked_at=NOW)


def test_an_entry_is_trusted_for_a_minute_then_only_for_the_same_inputs():
    cache = RenderedFeeds()
    cache.put("a", entry(1))
    assert cache.fresh("a", False, NOW + REVALIDATE_AFTER - timedelta(seconds=1)) is not None
    assert cache.fresh("a", True, NOW) is None  # busy only switched: written anew
    later = NOW + REVALIDATE_AFTER
    assert cache.fresh("a", False, later) is None
    assert cache.matching("a", "other rows", later) is None
    assert cache.matching("a", "rows", later) is not None
    assert cache.fresh("a", False, later + timedelta(seconds=5)) is not None  # checked again at `later`
    assert cache.fresh("a", False, NOW - timedelta(seconds=1)) is None  # a clock that went back


def test_the_cache_keeps_within_its_budget_and_forgets_by_business():
    cache = RenderedFeeds(max_entries=3, max_bytes=100)
    for key, business in (("a", 1), ("b", 1), ("c", 2)):
        cache.put(key, entry(business, size=30))
    cache.fresh("a", False, NOW)  # recently used
    cache.put("d", entry(3, size=30))  # 120 bytes: the least recently used ("b") goes
    assert set(cache.items) == {"a", "c", "d"} and cache.size == 90
    cache.forget_businesses({1})
    assert set(cache.items) == {"c", "d"} and cache.size == 60
    cache.forget_businesses({ALL})
    assert not cache.items and cache.size == 0


def book(api, practice, start: str, name: str, email: str | None = None) -> dict:
    body = booking_body(practice, start, customer={"name": name, "email": email or f"{unique('c')}@example.test"})
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")


def test_renaming_a_service_or_a_returning_customer_shows_at_once(api, client):
    practice = setup_practice(api)
    book(api, practice, "2027-02-02T10:00:00+01:00", "Jürgen Groß", email="j@example.test")
    path = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    assert "Consultation – Jürgen Groß" in client.get(path).get_data(as_text=True)
    api.json("PATCH", f"/api/v1/services/{practice.service_id}", {"name": "Beratung"})
    assert "Beratung – Jürgen Groß" in client.get(path).get_data(as_text=True)
    book(api, practice, "2027-02-03T10:00:00+01:00", "Jürgen Groß-Ünal", email="j@example.test")
    body = client.get(path).get_data(as_text=True)
    assert "Jürgen Groß\r\n" not in body and body.count("Beratung – Jürgen Groß-Ünal\r\n") == 2


def test_a_change_made_by_another_process_shows_within_a_minute(api, client, app):
    practice = setup_practice(api)
    book(api, practice, "2027-02-02T10:00:00+01:00", "Kim")
    path = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    first = client.get(path)
    with app.app_context():  # plain SQL: as another process would, unseen by this one's session hooks
        db.session.execute(text("UPDATE services SET name = 'Elsewhere renamed' WHERE id = :id"),
                           {"id": practice.service_id})
        db.session.commit()
        db.session.remove()
    cached = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304  # trusted for up to REVALIDATE_AFTER
    with pinned(FROZEN_NOW + REVALIDATE_AFTER):
        fresh = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert fresh.status_code == 200 and "Elsewhere renamed – Kim" in fresh.get_data(as_text=True)
        same = client.get(path)
    with pinned(FROZEN_NOW + 3 * REVALIDATE_AFTER):  # checked again: same rows, same bytes and ETag
        again = client.get(path)
    assert again.data == same.data == fresh.data and again.headers["ETag"] == fresh.headers["ETag"]
