"""Tenant isolation: every workspace and management-API route, given business B's ids, refuses business A.

The routes come from `app.url_map`, so a new route is covered without editing this file. For every
integer URL argument we pass an id that belongs to business B and check that A gets 403/404 (or a
400/422 refusal), that B's rows did not change, and that none of B's marker names appear in the body.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking import create_app
from booking.clock import pinned
from booking.credentials import hash_password
from booking.models.bookings import Booking
from booking.models.calendars import CalendarConflict, CalendarFeed, ExternalCalendar
from booking.models.catalog import Service
from booking.models.customers import Customer
from booking.models.outbox import Notification, StaffDelay
from booking.models.staff import DateOverride, Staff, TimeOff, WeeklyHours
from booking.models.tenancy import Business
from booking.models.users import ApiKey, User
from tests.conftest import FROZEN_NOW, TEST_CONFIG
from tests.support.db_access import database
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.workspace import PASSWORD, form_token, log_in


MARKER = "ZZ-B-secret"
INT_ARGS = ("staff_id", "service_id", "booking_id", "calendar_id", "feed_id", "conflict_id", "time_off_id",
            "id", "key_id", "notification_id", "customer_id")
INT_ARGS += ("user_id",)  # item 5: login accounts in the owner's settings
OTHER_ARGS = {"day": "2027-02-03", "action": "cancel"}
REFUSED = {403, 404}
REFUSED_BEFORE_LOOKUP = {400, 422}

# A body that would be valid (so a missing ownership check would act) where that is simple.
API_BODIES = {
    "api.bookings.patch": {"status": "cancelled"},
    "api.staff.patch_staff": {"name": "Hijacked"},
    "api.services.patch_service": {"name": "Hijacked"},
    "api.calendars.patch_calendar": {"name": "Hijacked", "all_day_busy": False},
    "api.calendars.add_calendar": {"url": "https://calendar.example/hijack.ics"},
    "api.calendars.resolve_conflict": {"action": "cancel"},
    "api.feeds.patch_staff_feed": {"busy_only": True},
    "api.staff.put_hours": {"mon": [["10:00", "11:00"]]},
    "api.staff.put_override": {"hours": []},
    "api.staff.add_time_off": {"start": "2027-03-01T10:00:00+01:00", "end": "2027-03-01T11:00:00+01:00"},
    "api.notifications.delay": {"minutes": 5},
}
FORM_FIELDS = {"step": "5", "all_day_busy": "y", "busy_only": "1", "message": "Hijacked",
               "url": "https://calendar.example/hijack.ics", "name": "Hijacked"}


def _rules():
    app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI="sqlite://"))
    cases = []
    for rule in app.url_map.iter_rules():
        workspace = rule.endpoint.startswith("staff.")
        management = (rule.endpoint.startswith("api.") and rule.rule.startswith("/api/v1")
                      and not rule.endpoint.startswith(("api.public.", "api.manage.", "api.signup.")))
        if not (workspace or management):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append(pytest.param(rule.endpoint, rule.rule, method, sorted(rule.arguments),
                                      id=f"{method} {rule.rule}"))
    return cases


RULES = _rules()






def business_id(app, slug: str) -> int:
    with database(app) as session:
        return session.scalar(select(Business.id).where(Business.slug == slug))


def snapshot(app, bid: int) -> dict:
    """Every row business B owns, column by column."""
    def rows(session, model, where):
        return sorted(({c.name: getattr(r, c.name) for c in model.__table__.columns}
                       for r in session.scalars(select(model).where(where))), key=lambda d: d["id"])

    with database(app) as session:
        staff_ids = list(session.scalars(select(Staff.id).where(Staff.business_id == bid)))
        state = {m.__name__: rows(session, m, m.business_id == bid)
                 for m in (Staff, Service, Booking, Customer, ExternalCalendar, CalendarFeed, CalendarConflict,
                           Notification, ApiKey, User)}
        for m in (TimeOff, WeeklyHours, DateOverride, StaffDelay):
            state[m.__name__] = rows(session, m, m.staff_id.in_(staff_ids))
        for feed in state["CalendarFeed"]:
            feed.pop("last_fetched_at"), feed.pop("last_user_agent")
        return state


@pytest.fixture(scope="module")
def world(app):
    with pinned(FROZEN_NOW):
        api = Api(app.test_client())
        # Business B, with marker names everywhere.
        b = setup_practice(api, service={"name": f"{MARKER}-service-xyz"})
        api.json("PATCH", f"/api/v1/staff/{b.staff_ids[0]}", {"name": f"{MARKER}-staff-xyz"})
        api.json("POST", f"/api/v1/public/{b.slug}/bookings",
                 booking_body(b, "2027-02-02T10:00:00+01:00", staff_id=b.staff_ids[0],
                              customer={"name": f"{MARKER}-customer-xyz", "email": "zz-b-secret@example.test"}),
                 expect=201, key="")
        booking_b = api.json("GET", "/api/v1/bookings", key=b.key)["bookings"][0]["id"]
        app.config["ALLOW_PRIVATE_CALENDAR_URLS"] = True
        try:
            calendar_b = api.json("POST", f"/api/v1/staff/{b.staff_ids[0]}/calendars",
                                  {"url": "http://127.0.0.1:9/x.ics", "name": f"{MARKER}-calendar-xyz"},
                                  expect=201, key=b.key)["id"]
        finally:
            app.config["ALLOW_PRIVATE_CALENDAR_URLS"] = False
        api.json("GET", f"/api/v1/staff/{b.staff_ids[0]}/feed", key=b.key)
        time_off_b = api.json("POST", f"/api/v1/staff/{b.staff_ids[0]}/time-off",
                              {"start": "2027-02-10T10:00:00+01:00", "end": "2027-02-10T12:00:00+01:00",
                               "reason": f"{MARKER}-reason-xyz"}, expect=201, key=b.key)["id"]
        notification_b = api.json("GET", "/api/v1/notifications", key=b.key)["notifications"][0]["id"]
        bid = business_id(app, b.slug)
        with database(app) as session:
            # A failed message (so "resend" would act) and an open conflict (so "resolve" would act).
            session.get(Notification, notification_b).status = "failed"
            booking = session.get(Booking, booking_b)
            conflict = CalendarConflict(business_id=bid, booking_id=booking_b, calendar_id=calendar_b,
                                        busy_start_utc=booking.start_utc, busy_end_utc=booking.end_utc,
                                        detected_at=FROZEN_NOW)
            session.add(conflict)
            session.commit()
            conflict_b = conflict.id
            feed_b = session.scalar(select(CalendarFeed.id).where(CalendarFeed.business_id == bid))
            key_b = session.scalar(select(ApiKey.id).where(ApiKey.business_id == bid))
            user_b = session.scalar(select(User.id).where(User.business_id == bid))
            customer_b = session.scalar(select(Customer.id).where(Customer.business_id == bid))
        ids = {"staff_id": b.staff_ids[0], "service_id": b.service_id, "booking_id": booking_b,
               "calendar_id": calendar_b, "feed_id": feed_b, "conflict_id": conflict_b, "time_off_id": time_off_b,
               "id": booking_b, "key_id": key_b, "notification_id": notification_b, "customer_id": customer_b}
        ids["user_id"] = user_b  # item 5: the owner account of business B

        # Business A: an owner (logged in below), a staff user, its own booking, feed and failed message.
        a = setup_practice(api)
        api.json("POST", f"/api/v1/public/{a.slug}/bookings",
                 booking_body(a, "2027-02-02T11:00:00+01:00", staff_id=a.staff_ids[0]), expect=201, key="")
        api.json("GET", f"/api/v1/staff/{a.staff_ids[0]}/feed", key=a.key)
        aid = business_id(app, a.slug)
        with database(app) as session:
            session.add(User(business_id=aid, staff_id=a.staff_ids[0], email=f"staff@{a.slug}.test",
                             name="A Staff", password_hash=hash_password(PASSWORD), role="staff", active=True,
                             created_at=FROZEN_NOW - timedelta(days=1)))
            own_notification = session.scalar(select(Notification).where(Notification.business_id == aid))
            own_notification.status = "failed"
            session.commit()
            own = {"notification_id": own_notification.id,
                   "feed_id": session.scalar(select(CalendarFeed.id).where(CalendarFeed.business_id == aid))}
        owner = app.test_client()
        assert log_in(owner, f"owner@{a.slug}.test").status_code == 302
        token = form_token(owner.get("/app/calendars").get_data(as_text=True))
        yield {"api": Api(app.test_client()), "a": a, "b": b, "bid": bid, "ids": ids, "owner": owner,
               "token": token, "own": own}


def _assert_no_leak(app, world, before, response, where: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code != 500, f"{where}: 500"
    assert MARKER not in text and "zz-b-secret@" not in text, \
        f"LEAK {where}: response {response.status_code} shows business B's data: {text[:800]}"
    after = snapshot(app, world["bid"])
    changed = {k for k in before if before[k] != after[k]}
    assert not changed, f"LEAK {where}: business A changed business B's {sorted(changed)} ({response.status_code})"


@pytest.mark.parametrize("endpoint, rule, method, arguments", RULES)
def test_business_a_cannot_reach_business_b(app, world, endpoint, rule, method, arguments):
    with pinned(FROZEN_NOW):
        values = {name: world["ids"][name] if name in INT_ARGS else OTHER_ARGS[name] for name in arguments}
        unknown = [n for n in arguments if n not in INT_ARGS and n not in OTHER_ARGS]
        assert not unknown, f"{rule}: map URL argument(s) {unknown} to business B's ids"
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule)
        before = snapshot(app, world["bid"])
        if endpoint.startswith("staff."):
            data = dict(FORM_FIELDS, csrf_token=world["token"], staff_id=str(world["ids"]["staff_id"]))
            response = world["owner"].open(path, method=method, data=data if method != "GET" else None)
        else:
            body = API_BODIES.get(endpoint, {}) if method != "GET" else None
            response = world["api"].call(method, path, body, key=world["a"].key)
        where = f"{method} {path} ({endpoint})"
        _assert_no_leak(app, world, before, response, where)
        if any(name in INT_ARGS for name in arguments):
            assert response.status_code in REFUSED | REFUSED_BEFORE_LOOKUP, \
                f"LEAK? {where} answered {response.status_code} for business B's ids: " \
                f"{response.get_data(as_text=True)[:500]}"


OWNER_ONLY_GETS = {"/app/notifications", "/app/feeds"}
OWNER_ONLY_GETS |= {"/app/settings", "/app/settings/business", "/app/settings/users", "/app/settings/api-keys"}  # item 5
OWNER_ONLY_GETS |= {"/app/settings/staff", "/app/settings/services", "/app/settings/services/new"}  # item 5: staff, services
OWNER_ONLY_GETS |= {"/app/reports", "/app/reports/bookings.csv"}  # item 6: reports
WORKSPACE_GETS = sorted({rule for endpoint, rule, method, arguments in (p.values for p in RULES)
                         if endpoint.startswith("staff.") and method == "GET" and not arguments})


@pytest.fixture(scope="module")
def staff_client(app, world):
    client = app.test_client()
    with pinned(FROZEN_NOW):
        assert log_in(client, f"staff@{world['a'].slug}.test").status_code == 302
    return client


@pytest.mark.parametrize("path", WORKSPACE_GETS)
def test_staff_user_sees_workspace_pages_but_not_owner_only_ones(app, world, staff_client, path):
    with pinned(FROZEN_NOW):
        response = staff_client.get(path)
    assert response.status_code != 500
    assert MARKER not in response.get_data(as_text=True)
    if path in OWNER_ONLY_GETS:
        assert response.status_code == 403, f"staff user got {response.status_code} on owner-only {path}"
    else:
        assert response.status_code in (200, 403), f"{path}: {response.status_code}"


def test_owner_only_pages_are_known(world):
    assert OWNER_ONLY_GETS <= set(WORKSPACE_GETS)


@pytest.mark.parametrize("template, arg", [("/app/notifications/{}/resend", "notification_id"),
                                           ("/app/feeds/{}/rotate", "feed_id"),
                                           ("/app/feeds/{}/busy-only", "feed_id")])
def test_staff_user_cannot_use_owner_only_actions(app, world, staff_client, template, arg):
    with pinned(FROZEN_NOW):
        token = form_token(staff_client.get("/app/calendars").get_data(as_text=True))
        path = template.format(world["own"][arg])
        with database(app) as session:
            before = ({n.id: n.status for n in session.scalars(select(Notification))},
                      {f.id: (f.nonce, f.busy_only) for f in session.scalars(select(CalendarFeed))})
        response = staff_client.post(path, data={"csrf_token": token, "busy_only": "1"})
        assert response.status_code == 403, f"staff user POST {path} -> {response.status_code}"
        with database(app) as session:
            after = ({n.id: n.status for n in session.scalars(select(Notification))},
                     {f.id: (f.nonce, f.busy_only) for f in session.scalars(select(CalendarFeed))})
        assert before == after
