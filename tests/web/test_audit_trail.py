"""The audit trail: every owner/staff write of the workspace and every management-API write leaves
exactly one AuditEntry naming its actor (the login, or the API key) and target, with no secret in
its details. The table below is held to the URL map: a new write route fails
test_every_write_route_is_in_the_table until it is audited here (or excused, with the reason).
Owners read the trail, newest first and paged, at /app/settings/audit; staff accounts get 403."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from booking.clock import pinned
from booking.models import ApiKey, AuditEntry, Business, CalendarFeed, Customer, Notification, User
from booking.operations.accounts import INVITED_PREFIX
from booking.operations.audit import Actor, record_change
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Api, booking_body, setup_practice, unique
from tests.support.workspace import add_staff_user, form_token, log_in

CALENDAR_URL = "http://127.0.0.1:9/private-secret-address"  # + a unique name: one connection each
# Changes to bookings have their own trail (BookingEvent); these routes are not settings either.
EXCUSED = {
    "api.bookings.create": "a booking: BookingEvent", "api.bookings.patch": "a booking: BookingEvent",
    "api.calendars.resolve_conflict": "a booking: BookingEvent",
    "staff.resolve_conflict": "a booking: BookingEvent", "staff.booking_status": "a booking: BookingEvent",
    "staff.move_booking_page": "a booking: BookingEvent", "staff.new_booking": "a booking: BookingEvent",
    "api.public.book": "customers, not owners or staff", "api.manage.cancel": "customers (manage link)",
    "api.manage.reschedule": "customers (manage link)",
    "api.calendars.sync_calendar": "reads the calendar now; changes no setting",
    "staff.sync_calendar_now": "reads the calendar now; changes no setting",
    "api.signup.signup": "audited in the new business: test_sign_up_opens_the_new_business_trail",
}


@dataclass
class World:
    app: object
    api: Api
    owner: object
    practice: object
    business_id: int
    owner_id: int
    key_id: int
    token: str
    secrets: list[str] = field(default_factory=list)  # what must never reach an entry's details

    def form(self, path: str, **data):
        return self.owner.post(path, data={"csrf_token": self.token, **data})

    def call(self, method: str, path: str, body=None):
        return self.api.call(method, path, body)

    @property
    def staff_id(self) -> int:
        return self.practice.staff_ids[0]


@pytest.fixture(scope="module")
def world(app):
    with pinned(FROZEN_NOW):
        api = Api(app.test_client())
        practice = setup_practice(api, staff=2)
        owner = app.test_client()
        assert log_in(owner, f"owner@{practice.slug}.test").status_code == 302
        with database(app) as session:
            business_id = session.scalar(select(Business.id).where(Business.slug == practice.slug))
            owner_id = session.scalar(select(User.id).where(User.email == f"owner@{practice.slug}.test"))
            key_id = session.scalar(select(ApiKey.id).where(ApiKey.prefix == practice.key[:8],
                                                            ApiKey.business_id == business_id))
        token = form_token(owner.get("/app/settings/users").get_data(as_text=True))
        yield World(app, api, owner, practice, business_id, owner_id, key_id, token,
                    secrets=[practice.key, CALENDAR_URL, "private-secret-address", "correct horse battery"])


@pytest.fixture(autouse=True)
def private_calendar_urls(app, monkeypatch):
    # The calendars added below live on 127.0.0.1 (nothing is fetched: they are only stored).
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", True)


# --- what the cases change ---------------------------------------------------------------------

def new_staff(w: World) -> dict:
    return {"target": w.api.json("POST", "/api/v1/staff", {"name": unique("Staff")}, expect=201)["id"]}


def new_service(w: World) -> dict:
    body = {"name": unique("Service"), "duration_minutes": 30, "staff_ids": [w.staff_id]}
    return {"target": w.api.json("POST", "/api/v1/services", body, expect=201)["id"]}


def new_time_off(w: World) -> dict:
    body = {"start": "2027-03-01T10:00:00+01:00", "end": "2027-03-01T11:00:00+01:00"}
    return {"target": w.api.json("POST", f"/api/v1/staff/{w.staff_id}/time-off", body, expect=201)["id"]}


def new_override(w: World) -> dict:
    w.api.json("PUT", f"/api/v1/staff/{w.staff_id}/overrides/2027-03-02", {"hours": [["10:00", "11:00"]]})
    return {"target": w.staff_id}


def new_calendar(w: World) -> dict:
    body = {"url": calendar_url(), "name": unique("Calendar")}
    return {"target": w.api.json("POST", f"/api/v1/staff/{w.staff_id}/calendars", body, expect=201)["id"]}


def calendar_url() -> str:
    return f"{CALENDAR_URL}/{unique('cal')}.ics"


def new_key(w: World) -> dict:
    created = w.api.json("POST", "/api/v1/api-keys", expect=201)
    w.secrets.append(created["api_key"])
    return {"target": created["id"]}


def staff_feed(w: World) -> dict:
    w.api.json("GET", f"/api/v1/staff/{w.staff_id}/feed")
    with database(w.app) as session:
        return {"target": session.scalar(select(CalendarFeed.id).where(CalendarFeed.staff_id == w.staff_id))}


def business_feed(w: World) -> dict:
    w.api.json("GET", "/api/v1/business/feed")
    with database(w.app) as session:
        return {"target": session.scalar(select(CalendarFeed.id).where(
            CalendarFeed.business_id == w.business_id, CalendarFeed.staff_id.is_(None)))}


def booked(w: World) -> tuple[int, str]:
    """A booking of a new customer (a working day of its own, so none clash): (booking id, email)."""
    day = next(DAYS)
    email = f"{unique('kim')}@example.test"
    body = w.api.json("POST", f"/api/v1/public/{w.practice.slug}/bookings",
                      booking_body(w.practice, f"{day.isoformat()}T09:00:00+02:00", staff_id=w.staff_id, email=email),
                      expect=201, key="")
    return body["id"], email


# Mondays to Fridays from April 2027 (summer time in Berlin), where the practice works 09:00-17:00.
DAYS = (day for day in (date(2027, 4, 1) + timedelta(days=n) for n in range(200)) if day.weekday() < 5)


def new_customer(w: World) -> dict:
    _booking_id, email = booked(w)
    with database(w.app) as session:
        return {"target": session.scalar(select(Customer.id).where(Customer.email == email)), "email": email}


def failed_message(w: World) -> dict:
    booking_id, _email = booked(w)
    with database(w.app) as session:
        row = session.scalar(select(Notification).where(Notification.booking_id == booking_id))
        row.status = "failed"
        session.commit()
        return {"target": row.id}


def invited_login(w: World) -> dict:
    with database(w.app) as session:
        user = User(business_id=w.business_id, email=f"{unique('invited')}@example.test", name="Ina Invited",
                    role="staff", active=True, password_hash=INVITED_PREFIX + "x", created_at=FROZEN_NOW)
        session.add(user)
        session.commit()
        return {"target": user.id}


def nothing(_w: World) -> dict:
    return {}


# --- the table ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    endpoint: str
    action: str
    target_type: str
    act: Callable[[World, dict], object]
    prep: Callable[[World], dict] = nothing

    @property
    def by_api(self) -> bool:
        return self.endpoint.startswith("api.")


def hours_post(**days) -> dict:
    data = {"save": "1"}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        rows = days.get(day, [("", "")])
        data[f"{day}-rows"] = str(len(rows))
        for n, (start, end) in enumerate(rows):
            data[f"{day}-{n}-start"], data[f"{day}-{n}-end"] = start, end
    return data


BUSINESS_FORM = {"name": "Renamed Practice", "timezone": "Europe/Berlin", "locale": "en", "min_notice_minutes": "0",
                 "max_advance_days": "3000", "cancellation_cutoff_hours": "24", "reminders-0-amount": "1",
                 "reminders-0-unit": "days", "delay_notice_threshold_minutes": "10", "quiet_hours_start": "21:00",
                 "quiet_hours_end": "08:00", "retention_months": "24"}
SETTINGS, STAFF = "/app/settings", "/app/settings/staff"

WORKSPACE = [
    Case("staff.settings_business", "business.update", "business",
         lambda w, ids: w.form(f"{SETTINGS}/business", **BUSINESS_FORM)),
    Case("staff.settings_api_key_create", "api_key.create", "api_key", lambda w, ids: w.form(f"{SETTINGS}/api-keys")),
    Case("staff.settings_api_key_revoke", "api_key.revoke", "api_key",
         lambda w, ids: w.form(f"{SETTINGS}/api-keys/{ids['target']}/revoke"), new_key),
    Case("staff.settings_user_invite", "user.invite", "user",
         lambda w, ids: w.form(f"{SETTINGS}/users/invite", name="Lea", email=f"{unique('lea')}@example.test",
                               role="staff", staff_id="")),
    Case("staff.settings_user_resend", "user.invite_resend", "user",
         lambda w, ids: w.form(f"{SETTINGS}/users/{ids['target']}/resend"), invited_login),
    Case("staff.settings_user_role", "user.role", "user",
         lambda w, ids: w.form(f"{SETTINGS}/users/{ids['target']}/role", role="owner"), invited_login),
    Case("staff.settings_user_active", "user.active", "user",
         lambda w, ids: w.form(f"{SETTINGS}/users/{ids['target']}/active", active="0"), invited_login),
    Case("staff.settings_staff_add", "staff.create", "staff",
         lambda w, ids: w.form(STAFF, name="Added Here", email="", timezone="")),
    Case("staff.settings_staff_edit", "staff.update", "staff",
         lambda w, ids: w.form(f"{STAFF}/{ids['target']}", name="Renamed Here", email="", timezone=""), new_staff),
    Case("staff.settings_staff_deactivate", "staff.deactivate", "staff",
         lambda w, ids: w.form(f"{STAFF}/{ids['target']}/deactivate"), new_staff),
    Case("staff.settings_staff_reactivate", "staff.reactivate", "staff",
         lambda w, ids: w.form(f"{STAFF}/{ids['target']}/reactivate"), new_staff),
    Case("staff.settings_hours", "staff.hours", "staff",
         lambda w, ids: w.form(f"{STAFF}/{ids['target']}/hours", **hours_post(mon=[("10:00", "12:00")])), new_staff),
    Case("staff.settings_override_save", "staff.override_set", "staff",
         lambda w, ids: w.form(f"{STAFF}/{w.staff_id}/overrides", day="2027-02-03", closed="hours",
                               **{"override-rows": "1", "override-0-start": "10:00", "override-0-end": "11:00"})),
    Case("staff.settings_override_delete", "staff.override_delete", "staff",
         lambda w, ids: w.form(f"{STAFF}/{w.staff_id}/overrides/2027-03-02/delete"), new_override),
    Case("staff.settings_time_off_add", "time_off.add", "time_off",
         lambda w, ids: w.form(f"{STAFF}/{w.staff_id}/time-off", start_local="2027-02-03T09:00",
                               end_local="2027-02-03T11:00", reason="")),
    Case("staff.settings_time_off_delete", "time_off.delete", "time_off",
         lambda w, ids: w.form(f"{STAFF}/{w.staff_id}/time-off/{ids['target']}/delete"), new_time_off),
    Case("staff.settings_service_new", "service.create", "service",
         lambda w, ids: w.form(f"{SETTINGS}/services/new", name="New Here", duration_minutes="30",
                               staff_ids=[str(w.staff_id)])),
    Case("staff.settings_service_edit", "service.update", "service",
         lambda w, ids: w.form(f"{SETTINGS}/services/{ids['target']}", name="Edited Here", duration_minutes="45",
                               staff_ids=[str(w.staff_id)]), new_service),
    Case("staff.settings_service_deactivate", "service.deactivate", "service",
         lambda w, ids: w.form(f"{SETTINGS}/services/{ids['target']}/deactivate"), new_service),
    Case("staff.settings_service_reactivate", "service.reactivate", "service",
         lambda w, ids: w.form(f"{SETTINGS}/services/{ids['target']}/reactivate"), new_service),
    Case("staff.customer_edit", "customer.update", "customer",
         lambda w, ids: w.form(f"/app/customers/{ids['target']}/edit", name="Kim Changed", email=ids["email"],
                               phone="", preferred_channel="email", locale="", notes=""), new_customer),
    Case("staff.customer_erase", "customer.erase", "customer",
         lambda w, ids: w.form(f"/app/customers/{ids['target']}/erase", confirm="y"), new_customer),
    Case("staff.add_calendar", "calendar.add", "calendar",
         lambda w, ids: w.form("/app/calendars", staff_id=str(w.staff_id), url=calendar_url(), name="Private",
                               all_day_busy="y")),
    Case("staff.set_all_day", "calendar.update", "calendar",
         lambda w, ids: w.form(f"/app/calendars/{ids['target']}/all-day"), new_calendar),
    Case("staff.delete_calendar", "calendar.delete", "calendar",
         lambda w, ids: w.form(f"/app/calendars/{ids['target']}/delete"), new_calendar),
    Case("staff.rotate_calendar_feed", "feed.rotate", "feed",
         lambda w, ids: w.form(f"/app/feeds/{ids['target']}/rotate"), staff_feed),
    Case("staff.set_calendar_feed_busy_only", "feed.busy_only", "feed",
         lambda w, ids: w.form(f"/app/feeds/{ids['target']}/busy-only", busy_only="1"), staff_feed),
    Case("staff.resend_notification", "notification.resend", "notification",
         lambda w, ids: w.form(f"/app/notifications/{ids['target']}/resend"), failed_message),
    Case("staff.report_staff_delay", "staff.delay", "staff",
         lambda w, ids: w.form(f"/app/staff/{w.staff_id}/delay", step="5")),
]

API = [
    Case("api.business.patch_business", "business.update", "business",
         lambda w, ids: w.call("PATCH", "/api/v1/business", {"name": "Renamed by API"})),
    Case("api.business.new_api_key", "api_key.create", "api_key", lambda w, ids: w.call("POST", "/api/v1/api-keys")),
    Case("api.business.delete_api_key", "api_key.revoke", "api_key",
         lambda w, ids: w.call("DELETE", f"/api/v1/api-keys/{ids['target']}"), new_key),
    Case("api.staff.create_staff", "staff.create", "staff",
         lambda w, ids: w.call("POST", "/api/v1/staff", {"name": "By API"})),
    Case("api.staff.patch_staff", "staff.update", "staff",
         lambda w, ids: w.call("PATCH", f"/api/v1/staff/{ids['target']}", {"name": "Renamed by API"}), new_staff),
    Case("api.staff.delete_staff", "staff.deactivate", "staff",
         lambda w, ids: w.call("DELETE", f"/api/v1/staff/{ids['target']}"), new_staff),
    Case("api.staff.put_hours", "staff.hours", "staff",
         lambda w, ids: w.call("PUT", f"/api/v1/staff/{ids['target']}/hours", {"mon": [["10:00", "12:00"]]}),
         new_staff),
    Case("api.staff.put_override", "staff.override_set", "staff",
         lambda w, ids: w.call("PUT", f"/api/v1/staff/{w.staff_id}/overrides/2027-03-03", {"hours": []})),
    Case("api.staff.delete_override", "staff.override_delete", "staff",
         lambda w, ids: w.call("DELETE", f"/api/v1/staff/{w.staff_id}/overrides/2027-03-02"), new_override),
    Case("api.staff.add_time_off", "time_off.add", "time_off",
         lambda w, ids: w.call("POST", f"/api/v1/staff/{w.staff_id}/time-off",
                               {"start": "2027-03-04T10:00:00+01:00", "end": "2027-03-04T12:00:00+01:00"})),
    Case("api.staff.delete_time_off", "time_off.delete", "time_off",
         lambda w, ids: w.call("DELETE", f"/api/v1/staff/{w.staff_id}/time-off/{ids['target']}"), new_time_off),
    Case("api.services.create_service", "service.create", "service",
         lambda w, ids: w.call("POST", "/api/v1/services", {"name": "By API", "duration_minutes": 20,
                                                            "staff_ids": [w.staff_id]})),
    Case("api.services.patch_service", "service.update", "service",
         lambda w, ids: w.call("PATCH", f"/api/v1/services/{ids['target']}", {"price": "12.50"}), new_service),
    Case("api.services.delete_service", "service.deactivate", "service",
         lambda w, ids: w.call("DELETE", f"/api/v1/services/{ids['target']}"), new_service),
    Case("api.calendars.add_calendar", "calendar.add", "calendar",
         lambda w, ids: w.call("POST", f"/api/v1/staff/{w.staff_id}/calendars", {"url": calendar_url()})),
    Case("api.calendars.patch_calendar", "calendar.update", "calendar",
         lambda w, ids: w.call("PATCH", f"/api/v1/calendars/{ids['target']}", {"all_day_busy": False}), new_calendar),
    Case("api.calendars.delete_calendar", "calendar.delete", "calendar",
         lambda w, ids: w.call("DELETE", f"/api/v1/calendars/{ids['target']}"), new_calendar),
    Case("api.feeds.rotate_staff_feed", "feed.rotate", "feed",
         lambda w, ids: w.call("POST", f"/api/v1/staff/{w.staff_id}/feed/rotate"), staff_feed),
    Case("api.feeds.patch_staff_feed", "feed.busy_only", "feed",
         lambda w, ids: w.call("PATCH", f"/api/v1/staff/{w.staff_id}/feed", {"busy_only": True}), staff_feed),
    Case("api.feeds.rotate_business_feed", "feed.rotate", "feed",
         lambda w, ids: w.call("POST", "/api/v1/business/feed/rotate"), business_feed),
    Case("api.feeds.patch_business_feed", "feed.busy_only", "feed",
         lambda w, ids: w.call("PATCH", "/api/v1/business/feed", {"busy_only": True}), business_feed),
    Case("api.notifications.delay", "staff.delay", "staff",
         lambda w, ids: w.call("POST", f"/api/v1/staff/{w.staff_id}/delay", {"minutes": 10})),
]
CASES = WORKSPACE + API


def entries_after(app, business_id: int, after_id: int) -> list[AuditEntry]:
    with database(app) as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.business_id == business_id,
                                                             AuditEntry.id > after_id).order_by(AuditEntry.id)))
        session.expunge_all()
        return rows


def last_entry_id(app) -> int:
    with database(app) as session:
        return session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0


def secrets_in(response) -> list[str]:
    """Secrets an answer hands out (a new API key's), which its entry must not repeat."""
    text = response.get_data(as_text=True)
    return re.findall(r"bk_[A-Za-z0-9_-]{20,}", text)


def test_every_write_route_is_in_the_table(app):
    writes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith(("staff.", "api.")) and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    audited = {case.endpoint for case in CASES}
    assert writes - audited - set(EXCUSED) == set(), "write routes without an audit case"
    assert audited | set(EXCUSED) <= writes, "cases or excuses for routes that do not exist"
    assert not audited & set(EXCUSED)


@pytest.mark.parametrize("case", CASES, ids=[case.endpoint for case in CASES])
def test_each_write_leaves_one_entry_with_its_actor(app, world, frozen_now, case):
    ids = case.prep(world)
    before = last_entry_id(app)
    response = case.act(world, ids)
    assert response.status_code in (200, 201, 204, 303), response.get_data(as_text=True)[:600]
    [entry] = entries_after(app, world.business_id, before)
    assert (entry.action, entry.target_type, entry.at_utc) == (case.action, case.target_type, FROZEN_NOW)
    assert entry.target_id is not None and entry.target_id == ids.get("target", entry.target_id)
    if case.by_api:
        assert (entry.actor_api_key_id, entry.actor_user_id) == (world.key_id, None)
        assert entry.actor_display == world.practice.key[:8]  # the key's public prefix, never the secret
    else:
        assert (entry.actor_user_id, entry.actor_api_key_id, entry.actor_display) == (world.owner_id, None, "Owner")
    details = json.dumps(entry.details).lower()
    for secret in world.secrets + secrets_in(response):
        assert secret.lower() not in details, f"{case.action} keeps a secret in its details"
    assert not {"password", "token", "secret", "url"} & set(re.findall(r'"(\w+)":', details))


def test_details_say_what_changed(app, world, frozen_now):
    staff_id, customer = new_staff(world)["target"], new_customer(world)
    before = last_entry_id(app)
    world.call("PATCH", f"/api/v1/staff/{staff_id}", {"name": "Maria Neu", "timezone": "Europe/Madrid"})
    world.call("PUT", f"/api/v1/staff/{staff_id}/hours", {"tue": [["09:00", "12:30"], ["14:00", "18:00"]]})
    world.form(f"/app/customers/{customer['target']}/edit", name="Kim Private", email=customer["email"],
               phone="+49 170 1234567", preferred_channel="email", locale="", notes="")
    rename, hours, edit = entries_after(app, world.business_id, before)
    assert rename.details == {"changes": {"name": "Maria Neu", "timezone": "Europe/Madrid"}}
    assert hours.details["hours"]["tue"] == ["09:00-12:30", "14:00-18:00"] and hours.details["hours"]["mon"] == []
    # A customer's values are not kept (erasure must be able to remove them): only which fields changed.
    assert edit.details == {"fields": ["name", "phone"]}
    assert "Kim Private" not in json.dumps(edit.details) and "1234567" not in json.dumps(edit.details)


def test_a_staff_accounts_change_names_that_account(app, world, frozen_now):
    email = add_staff_user(app, world.practice, FROZEN_NOW - timedelta(days=1))
    staff = app.test_client()
    assert log_in(staff, email).status_code == 302
    customer = new_customer(world)
    token = form_token(staff.get(f"/app/customers/{customer['target']}/edit").get_data(as_text=True))
    before = last_entry_id(app)
    response = staff.post(f"/app/customers/{customer['target']}/edit",
                          data={"csrf_token": token, "name": "Kim By Staff", "email": customer["email"], "phone": "",
                                "preferred_channel": "email", "locale": "", "notes": ""})
    assert response.status_code == 303
    [entry] = entries_after(app, world.business_id, before)
    with database(app) as session:
        staff_id = session.scalar(select(User.id).where(User.email == email))
    assert (entry.action, entry.actor_user_id, entry.actor_display) == ("customer.update", staff_id, "Sam Staff")


def test_a_refused_change_leaves_no_entry(app, world, frozen_now):
    before = last_entry_id(app)
    assert world.form(STAFF, name="", email="", timezone="").status_code == 422
    assert world.call("PATCH", "/api/v1/business", {"timezone": "Mars/Base"}).status_code == 422
    assert entries_after(app, world.business_id, before) == []


def test_sign_up_opens_the_new_business_trail(app, api, frozen_now):
    practice = setup_practice(api)
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == practice.slug))
        first = session.scalar(select(AuditEntry).where(AuditEntry.business_id == business.id)
                               .order_by(AuditEntry.id).limit(1))
        owner = session.scalar(select(User).where(User.business_id == business.id))
        assert (first.action, first.target_id, first.actor_user_id) == ("business.signup", business.id, owner.id)
        assert first.details == {"name": business.name, "slug": practice.slug}


# --- the owner's page --------------------------------------------------------------------------

def test_the_owner_reads_the_trail_newest_first_in_pages(app, api, client, frozen_now):
    practice = setup_practice(api)
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == practice.slug))
        for n in range(55):
            record_change(business, Actor(display=f"Person {n}", user_id=None), "staff.update", ("staff", n + 1),
                          FROZEN_NOW, changes={"name": f"Name {n}"})
        session.commit()
    assert log_in(client, f"owner@{practice.slug}.test").status_code == 302
    assert 'href="/app/settings/audit"' in client.get("/app/settings").get_data(as_text=True)
    first = client.get("/app/settings/audit").get_data(as_text=True)
    rows = re.findall(r'<tr data-audit="(\d+)" data-action="([\w.]+)">', first)
    assert len(rows) == 50 and [int(i) for i, _ in rows] == sorted((int(i) for i, _ in rows), reverse=True)
    assert "Person 54" in first and "Changed a staff member" in first and "Name 54" in first
    assert 'rel="next" href="/app/settings/audit?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/app/settings/audit?page=2").get_data(as_text=True)
    assert "Person 0" in second and "Person 54" not in second and "Signed up the business" in second
    assert 'rel="next"' not in second
    assert client.get("/app/settings/audit?page=%C2%B2").status_code == 200  # not a number: page 1


def test_an_api_keys_entry_shows_the_key_not_a_person(owner, api, practice, frozen_now):
    api.json("POST", "/api/v1/staff", {"name": "Via Key"}, expect=201)
    page = owner.get("/app/settings/audit").get_data(as_text=True)
    assert f"API key {practice.key[:8]}\u2026" in page and practice.key not in page


def test_staff_accounts_cannot_read_the_trail(app, client, practice, frozen_now):
    email = add_staff_user(app, practice, FROZEN_NOW - timedelta(days=1))
    assert log_in(client, email).status_code == 302
    assert client.get("/app/settings/audit").status_code == 403


def test_the_trail_page_speaks_german(owner, frozen_now):
    page = owner.get("/app/settings/audit?lang=de").get_data(as_text=True)
    assert "Änderungsprotokoll" in page and "Das Unternehmen registriert" in page
