"""The one-machine runtime: SQLite built by the migrations, the demo command, rate limits."""
from __future__ import annotations

from sqlalchemy import func, select

from booking.extensions import db, limiter
from booking.models import Booking, Business
from tests.conftest import build_app
from tests.support.factories import Api, booking_body, setup_practice


def test_sqlite_books_and_refuses_the_same_slot(sqlite_api):
    practice = setup_practice(sqlite_api, timezone="America/New_York")
    start = "2027-03-15T09:00:00-04:00"  # the Monday after the spring change
    first = sqlite_api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start),
                            expect=201, key="")
    assert first["start"] == start
    clash = sqlite_api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, start),
                            expect=409, key="")
    assert clash["alternatives"][0]["start"] == "2027-03-15T09:30:00-04:00"


def test_demo_fills_once_and_prints_the_login(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "/b/demo" in first.output and "owner@demo.example.com" in first.output
    second = runner.invoke(args=["demo"])
    assert "already exists" in second.output
    with sqlite_app.app_context():
        business = db.session.scalar(select(Business).where(Business.slug == "demo"))
        count = db.session.scalar(select(func.count()).select_from(Booking)
                                  .where(Booking.business_id == business.id))
    assert count >= 5


def test_signup_and_public_booking_are_rate_limited(tmp_path, frozen_now):
    app = build_app(f"sqlite:///{tmp_path / 'limits.sqlite3'}", RATELIMIT_ENABLED=True)
    api = Api(app.test_client())
    try:
        statuses = [api.call("POST", "/api/v1/signup", {"business_name": "X"}, key="").status_code
                    for _ in range(4)]
        body = api.call("POST", "/api/v1/signup", {}, key="").get_json()
    finally:
        limiter.enabled = False  # the limiter is one object per process; the other apps run without it
        limiter.reset()
    assert statuses[:3] == [422, 422, 422] and statuses[3] == 429
    assert body["error"] == "rate_limited" and body["message"]


def test_any_staff_goes_to_the_least_busy_member(api):
    practice = setup_practice(api, staff=2)
    path = f"/api/v1/public/{practice.slug}/bookings"
    api.json("POST", path, booking_body(practice, "2027-02-02T09:00:00+01:00", staff_id=practice.staff_ids[0]),
             expect=201, key="")
    chosen = api.json("POST", path, booking_body(practice, "2027-02-02T11:00:00+01:00"), expect=201, key="")
    assert chosen["staff_id"] == practice.staff_ids[1]
    tie = api.json("POST", path, booking_body(practice, "2027-02-03T11:00:00+01:00"), expect=201, key="")
    assert tie["staff_id"] == practice.staff_ids[0]  # no bookings that day: the stable order decides
