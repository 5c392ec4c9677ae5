"""The render cache behind the feeds (booking.operations.feed_cache): a poll is answered from
memory while the business's change stamp stays, a change committed by any process of the app
shows at once, one made behind the app's back within FULL_CHECK_EVERY, and the same rows always
give the same body and ETag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from booking.clock import pinned
from booking.extensions import db
from booking.jobs import run_retention
from booking.models import Business, FeedChange
from booking.operations.feed_cache import KEEP_CHANGES, change_stamp
from booking.operations.feed_cache import ALL, FULL_CHECK_EVERY, Entry, FeedDocument, RenderedFeeds
from tests.conftest import FROZEN_NOW
from tests.support.factories import booking_body, setup_practice, unique

NOW = datetime(2027, 2, 1, 7, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


STAMP = (3, 1, 3)


def entry(business_id: int, size: int = 10, busy_only: bool = False, inputs: object = "rows") -> Entry:
    return Entry(business_id=business_id, busy_only=busy_only, inputs=inputs, stamp=STAMP,
                 document=FeedDocument(body=b"x" * size, etag="e"), checked_at=NOW)


def test_an_entry_is_trusted_under_its_stamp_for_a_while_then_only_for_the_same_inputs():
    cache = RenderedFeeds()
    cache.put("a", entry(1))
    assert cache.current("a", False, STAMP, NOW + FULL_CHECK_EVERY - timedelta(seconds=1)) is not None
    assert cache.current("a", True, STAMP, NOW) is None  # busy only switched: written anew
    assert cache.current("a", False, (4, 1, 4), NOW) is None  # something changed
    later = NOW + FULL_CHECK_EVERY
    assert cache.current("a", False, STAMP, later) is None  # the periodic full check is due
    assert cache.matching("a", "other rows", (4, 1, 4), later) is None
    assert cache.matching("a", "rows", (4, 1, 4), later) is not None  # same rows: same document
    assert cache.current("a", False, (4, 1, 4), later + timedelta(seconds=5)) is not None
    assert cache.current("a", False, STAMP, later) is None  # the stamp it was checked under moved on
    assert cache.current("a", False, (4, 1, 4), later - timedelta(seconds=1)) is None  # a clock that went back


def test_the_cache_keeps_within_its_budget_and_forgets_by_business():
    cache = RenderedFeeds(max_entries=3, max_bytes=100)
    for key, business in (("a", 1), ("b", 1), ("c", 2)):
        cache.put(key, entry(business, size=30))
    cache.current("a", False, STAMP, NOW)  # recently used
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


def rename_in_another_process(app, service_id: int, name: str) -> None:
    """Rename the service through the app's models in a separate Python process, as a second
    gunicorn worker or `flask worker` would: this process's cache hears nothing of it."""
    script = ("import sys\n"
              "from booking import create_app\nfrom booking.extensions import db\nfrom booking.models import Service\n"
              "app = create_app({'SQLALCHEMY_DATABASE_URI': sys.argv[1], 'SCHEDULER': 'off', 'TESTING': True})\n"
              "with app.app_context():\n"
              "    db.session.get(Service, int(sys.argv[2])).name = sys.argv[3]\n"
              "    db.session.commit()\n")
    subprocess.run([sys.executable, "-c", script, app.config["SQLALCHEMY_DATABASE_URI"], str(service_id), name],
                   check=True, cwd=ROOT, timeout=120)


def test_a_change_made_by_another_process_of_the_app_shows_at_once(api, client, app):
    practice = setup_practice(api)
    book(api, practice, "2027-02-02T10:00:00+01:00", "Kim")
    path = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    first = client.get(path)
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    rename_in_another_process(app, practice.service_id, "Renamed elsewhere")
    fresh = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and "Renamed elsewhere – Kim" in fresh.get_data(as_text=True)
    assert client.get(path, headers={"If-None-Match": fresh.headers["ETag"]}).status_code == 304


def test_a_change_behind_the_apps_back_shows_after_the_full_check(api, client, app):
    practice = setup_practice(api)
    book(api, practice, "2027-02-02T10:00:00+01:00", "Kim")
    path = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    first = client.get(path)
    with app.app_context():  # plain SQL, as a database console would: no change is recorded
        db.session.execute(text("UPDATE services SET name = 'Console renamed' WHERE id = :id"),
                           {"id": practice.service_id})
        db.session.commit()
        db.session.remove()
    cached = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304  # trusted under the unchanged stamp for up to FULL_CHECK_EVERY
    with pinned(FROZEN_NOW + FULL_CHECK_EVERY):
        fresh = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert fresh.status_code == 200 and "Console renamed – Kim" in fresh.get_data(as_text=True)
        same = client.get(path)
    with pinned(FROZEN_NOW + 3 * FULL_CHECK_EVERY):  # checked again: same rows, same bytes and ETag
        again = client.get(path)
    assert again.data == same.data == fresh.data and again.headers["ETag"] == fresh.headers["ETag"]


def recorded(business_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(FeedChange).where(FeedChange.business_id == business_id))


def test_changes_are_recorded_with_their_commit_and_pruned_after_two_days(api, app):
    practice = setup_practice(api)
    with app.app_context():
        business_id = db.session.scalar(select(Business.id).where(Business.slug == practice.slug))
        before, stamp = recorded(business_id), change_stamp(business_id)
        db.session.execute(text("SELECT 1"))
        db.session.commit()  # a commit that changed nothing records nothing
        assert recorded(business_id) == before and change_stamp(business_id) == stamp
    book(api, practice, "2027-02-02T10:00:00+01:00", "Kim")
    with app.app_context():
        assert recorded(business_id) > before and change_stamp(business_id)[2] > stamp[2]
        db.session.rollback()
        with pinned(FROZEN_NOW + KEEP_CHANGES + timedelta(minutes=1)):
            run_retention(app)
        assert recorded(business_id) == 0
        db.session.remove()
