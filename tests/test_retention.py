"""The retention job (booking.operations.retention, run daily by booking.jobs): customers away for
longer than the business's retention_months are erased, cancelled bookings older than that are
deleted, and reports show the same figures afterwards.

Everything is made through the API at pinned moments in the past; the job then runs at
FROZEN_NOW (2027-02-01 07:00 UTC). With the default 24 months the cutoff is 2025-02-01 07:00 UTC.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import func, select

from booking.clock import pinned
from booking.extensions import db
from booking.jobs import run_retention
from booking.models import Booking, BookingEvent, Business, Customer, Notification, PurgedCancellation
from booking.notify.dispatch import dispatch_due
from booking.operations.privacy import ERASED_NAME, erase_customer
from booking.operations.reports import build_report
from booking.operations.retention import apply_retention, retention_cutoff, tally_starts
from booking.reports.periods import Period
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.workspace import log_in

BERLIN = ZoneInfo("Europe/Berlin")  # the practice's zone (setup_practice)
MADE_AT = datetime(2024, 6, 3, 6, tzinfo=timezone.utc)  # Monday: the old bookings are made
SETTLED_AT = datetime(2024, 7, 1, 6, tzinfo=timezone.utc)  # statuses recorded afterwards
JUNE_2024 = Period(date(2024, 6, 1), date(2024, 6, 30))
REPORT = "/app/reports?from=2024-06-01&to=2024-06-30"


def at(day: int, hour: int, month: int = 6, year: int = 2024) -> str:
    return datetime(year, month, day, hour, tzinfo=BERLIN).isoformat()


def book(api: Api, practice, start: str, email: str, status: str | None = None, source_key: bool = False,
         staff: int = 0) -> int:
    body = booking_body(practice, start, email=email, staff_id=practice.staff_ids[staff])
    if source_key:  # a booking made on the public page: source "online"
        booking = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")
    else:
        booking = api.json("POST", "/api/v1/bookings", body, expect=201)
    if status:
        with pinned(SETTLED_AT):
            api.json("PATCH", f"/api/v1/bookings/{booking['id']}", {"status": status})
    return booking["id"]


@dataclass
class Fixture:
    practice: object
    gone: int  # customer ids: only old bookings: erased
    back: int  # old bookings and a recent one: untouched
    erased: int  # erased on request in 2024: left as it was
    completed_id: int
    cancelled_ids: list[int]
    recent_id: int


def _customer(app, email: str | None = None, customer_id: int | None = None) -> dict:
    with database(app) as session:
        where = Customer.email == email if email else Customer.id == customer_id
        row = session.scalar(select(Customer).where(where))
        return {"id": row.id, "name": row.name, "email": row.email, "phone": row.phone, "erased_at": row.erased_at}


def _erase(app, slug: str, email: str, now: datetime) -> None:
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == slug))
        erase_customer(business, session.scalar(select(Customer).where(Customer.email == email)), now, "user:1")
        session.commit()


@pytest.fixture
def old_practice(app, api) -> Fixture:
    with pinned(MADE_AT):
        practice = setup_practice(api, staff=2)
        gone, back, erased = (f"{name}-{practice.slug}@example.test" for name in ("gone", "back", "erased"))
        completed = book(api, practice, at(4, 9), gone, "completed")
        cancelled = [book(api, practice, at(4, 10), gone, "cancelled"),
                     book(api, practice, at(5, 9), back, "cancelled", source_key=True),
                     book(api, practice, at(12, 11), back, "cancelled"),
                     book(api, practice, at(12, 11), back, "cancelled", staff=1)]
        book(api, practice, at(5, 10), back, "no_show")
        book(api, practice, at(6, 9), erased, "completed")
    with pinned(SETTLED_AT):  # a colleague who left: only a cancelled booking in June
        assert api.call("DELETE", f"/api/v1/staff/{practice.staff_ids[1]}").status_code == 204
    ids = [_customer(app, email)["id"] for email in (gone, back, erased)]
    _erase(app, practice.slug, erased, SETTLED_AT)
    with pinned(datetime(2026, 9, 1, 6, tzinfo=timezone.utc)):  # five months before FROZEN_NOW
        recent = book(api, practice, at(2, 9, month=9, year=2026), back)
    return Fixture(practice, *ids, completed, cancelled, recent)


def _figures(app, slug: str):
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == slug))
        return build_report(business, JUNE_2024)[0]


def _page_figures(client) -> dict[str, str]:
    html = client.get(REPORT).get_data(as_text=True)
    return dict(re.findall(r'data-figure="([\w-]+)">([^<]*)<', html))


def _count(app, model, *where) -> int:
    with database(app) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_cutoff_is_calendar_months_back():
    assert retention_cutoff(FROZEN_NOW, 24) == datetime(2025, 2, 1, 7, tzinfo=timezone.utc)
    assert retention_cutoff(datetime(2027, 3, 31, tzinfo=timezone.utc), 1) == datetime(2027, 2, 28, tzinfo=timezone.utc)


def test_deleted_rows_are_tallied_per_start_and_source():
    nine, ten = (datetime(2024, 6, 4, hour, tzinfo=timezone.utc) for hour in (9, 10))
    rows = [(ten, "staff", 1), (nine, "online", 1), (ten, "staff", 1), (ten, "online", 1), (ten, "staff", 2)]
    assert tally_starts(rows) == [(nine, "online", 1, 1), (ten, "online", 1, 1), (ten, "staff", 1, 2),
                                  (ten, "staff", 2, 1)]
    assert tally_starts([]) == []


def test_the_job_erases_the_gone_purges_old_cancellations_and_keeps_the_reports(app, client, frozen_now,
                                                                                 old_practice):
    fx = old_practice
    assert log_in(client, f"owner@{fx.practice.slug}.test").status_code == 302
    figures_before, page_before = _figures(app, fx.practice.slug), _page_figures(client)
    assert figures_before.by_status["cancelled"] == 4 and figures_before.total == 7
    assert [u.staff_id for u in figures_before.utilisation] == fx.practice.staff_ids
    back_before, erased_before = _customer(app, customer_id=fx.back), _customer(app, customer_id=fx.erased)
    assert back_before["erased_at"] is None and erased_before["erased_at"] == SETTLED_AT

    run_retention(app)

    gone = _customer(app, customer_id=fx.gone)
    assert gone["erased_at"] == FROZEN_NOW and gone["name"] == ERASED_NAME and gone["email"] is None
    assert _customer(app, customer_id=fx.back) == back_before  # a booking five months ago: untouched
    assert _customer(app, customer_id=fx.erased) == erased_before  # erased in 2024: left alone
    api = Api(client)
    api.key = fx.practice.key
    kept = api.json("GET", f"/api/v1/bookings/{fx.completed_id}")
    assert kept["status"] == "completed" and kept["customer"]["name"] == ERASED_NAME
    for booking_id in fx.cancelled_ids:
        api.json("GET", f"/api/v1/bookings/{booking_id}", expect=404)
        assert _count(app, Notification, Notification.booking_id == booking_id) == 0
        assert _count(app, BookingEvent, BookingEvent.booking_id == booking_id) == 0
    assert api.json("GET", f"/api/v1/bookings/{fx.recent_id}")["status"] == "confirmed"

    assert _figures(app, fx.practice.slug) == figures_before
    page_after = _page_figures(client)
    assert page_after.pop("purged").endswith(": 4.") and page_after == page_before
    csv_text = client.get(REPORT.replace("/reports?", "/reports/bookings.csv?")).get_data(as_text=True)
    assert ",cancelled," not in csv_text and csv_text.count("\r\n") == 4  # header + three kept bookings


def test_a_second_run_changes_nothing(app, frozen_now, old_practice):
    run_retention(app)
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == old_practice.practice.slug))
        tallies = session.scalar(select(func.sum(PurgedCancellation.count))
                                 .where(PurgedCancellation.business_id == business.id))
        bookings = session.scalar(select(func.count()).select_from(Booking).where(Booking.business_id == business.id))
    figures = _figures(app, old_practice.practice.slug)
    run_retention(app)
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == old_practice.practice.slug))
        result = apply_retention(business, FROZEN_NOW)
        session.commit()
        business_id = business.id
    assert (result.anonymised, result.purged, result.more) == (0, 0, False)
    assert tallies == 4 and _count(app, Booking, Booking.business_id == business_id) == bookings
    assert _count(app, PurgedCancellation, PurgedCancellation.business_id == business_id) == 4
    assert _figures(app, old_practice.practice.slug) == figures


def test_each_business_uses_its_own_retention_period(app, api, frozen_now):
    customers = {}
    with pinned(datetime(2025, 11, 3, 6, tzinfo=timezone.utc)):  # 15 months before FROZEN_NOW
        for months in (24, 12):
            practice = setup_practice(api, retention_months=months)
            email = f"kim-{practice.slug}@example.test"
            book(api, practice, at(4, 9, month=11, year=2025), email)
            book(api, practice, at(4, 10, month=11, year=2025), email, "cancelled")
            assert api.json("GET", "/api/v1/business")["retention_months"] == months
            customers[months] = _customer(app, email)["id"]
    run_retention(app)
    assert _customer(app, customer_id=customers[24])["erased_at"] is None
    assert _count(app, Booking, Booking.customer_id == customers[24]) == 2
    assert _customer(app, customer_id=customers[12])["erased_at"] == FROZEN_NOW
    assert _count(app, Booking, Booking.customer_id == customers[12]) == 1  # the cancelled one is gone


def test_a_message_being_sent_keeps_its_booking_until_the_next_run(app, frozen_now, old_practice):
    first = old_practice.cancelled_ids[0]
    with database(app) as session:
        row = session.scalar(select(Notification).where(Notification.booking_id == first))
        row.status, row.lease_expires_at = "sending", FROZEN_NOW + timedelta(minutes=5)
        session.commit()
    run_retention(app)
    assert _count(app, Booking, Booking.id == first) == 1
    assert _count(app, Booking, Booking.id.in_(old_practice.cancelled_ids[1:])) == 0
    with pinned(FROZEN_NOW + timedelta(minutes=6)):  # the lease ran out: the sender is gone
        run_retention(app)
    assert _count(app, Booking, Booking.id == first) == 0
    with app.app_context():
        report = dispatch_due(lambda: FROZEN_NOW + timedelta(minutes=7))
        db.session.remove()
    assert report.errors == [] and report.failed == 0


def test_a_business_another_worker_holds_is_skipped(app, pg_url, frozen_now, old_practice):
    gone_id = old_practice.gone
    with database(app) as session:
        business_id = session.scalar(select(Business.id).where(Business.slug == old_practice.practice.slug))
    plain_url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain_url) as other:  # another worker, in the middle of this business
        other.execute("SELECT id FROM businesses WHERE id = %s FOR NO KEY UPDATE", (business_id,))
        run_retention(app)
        assert _customer(app, customer_id=gone_id)["erased_at"] is None
    run_retention(app)
    assert _customer(app, customer_id=gone_id)["erased_at"] == FROZEN_NOW


def test_the_job_runs_on_sqlite(sqlite_app, sqlite_api):
    with pinned(MADE_AT):
        practice = setup_practice(sqlite_api)
        email = f"gone-{practice.slug}@example.test"
        book(sqlite_api, practice, at(4, 9), email, "completed")
        cancelled = book(sqlite_api, practice, at(4, 10), email, "cancelled")
    customer_id = _customer(sqlite_app, email)["id"]
    figures = _figures(sqlite_app, practice.slug)
    run_retention(sqlite_app)
    assert _customer(sqlite_app, customer_id=customer_id)["erased_at"] == FROZEN_NOW
    assert _count(sqlite_app, Booking, Booking.id == cancelled) == 0
    assert _count(sqlite_app, Notification, Notification.booking_id == cancelled) == 0  # the cascade works there too
    assert _figures(sqlite_app, practice.slug) == figures and figures.by_status["cancelled"] == 1



def test_the_job_erases_in_batches_until_none_is_left(app, api, frozen_now, monkeypatch):
    monkeypatch.setattr("booking.operations.retention.BATCH", 2)
    with pinned(MADE_AT):
        practice = setup_practice(api)
        emails = [f"c{n}-{practice.slug}@example.test" for n in range(5)]
        for hour, email in zip((9, 10, 11, 13, 14), emails):  # 12:00 is the lunch break
            book(api, practice, at(4, hour), email)
    ids = [_customer(app, email)["id"] for email in emails]
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == practice.slug))
        first = apply_retention(business, FROZEN_NOW)
        session.rollback()
    assert (first.anonymised, first.more) == (2, True)
    run_retention(app)
    assert [_customer(app, customer_id=n)["erased_at"] for n in ids] == [FROZEN_NOW] * 5
