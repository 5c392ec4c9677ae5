"""Owner settings for staff members: add, edit (name, email, time zone) with the API's validation,
deactivate (their future bookings are listed, never cancelled) and reactivate; staff accounts get
403 on every route, another business's staff 404. The clock is Monday 2027-02-01 08:00 Berlin."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.models import Booking
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import booking_body, setup_practice
from tests.support.workspace import form_token, log_in_new_staff

LIST = "/app/settings/staff"


def post(client, path: str, data: dict[str, str], page: str = LIST):
    """A POST the way the browser sends it: with the CSRF token of a page of the session."""
    return client.post(path, data=dict(data, csrf_token=form_token(client.get(page).get_data(as_text=True))))


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def selected_option(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"', select_html)
    return chosen.group(1) if chosen else None


def field_error(html: str, field_id: str) -> str:
    """The message shown next to a field, tied to it by aria-describedby and marked aria-invalid."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', html).group(0)
    assert "aria-invalid" in tag and f"{field_id}-error" in tag, tag
    return re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html).group(1)


def test_the_list_shows_every_staff_member_with_its_state(owner, api, practice):
    api.json("POST", "/api/v1/staff", {"name": "Dr. Rückert", "timezone": "Europe/Vienna"}, expect=201)
    response = owner.get(LIST)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Staff and working hours" in html
    assert "Staff 1" in html and "Dr. Rückert" in html and "Europe/Vienna" in html
    assert f'href="/app/settings/staff/{practice.staff_ids[0]}/hours"' in html
    assert html.count('data-state="active"') == 2
    assert 'href="/app/settings"' in html  # the way back to the settings overview


def test_adding_a_staff_member_stores_what_the_api_would(owner, api):
    response = post(owner, LIST, {"name": "  Ana Ortiz ", "email": "Ana.Ortiz@Example.TEST",
                                  "timezone": "America/New_York"})
    assert response.status_code == 303
    new_id = int(re.search(r"/app/settings/staff/(\d+)/hours$", response.headers["Location"]).group(1))
    stored = api.json("GET", f"/api/v1/staff/{new_id}")
    assert stored["name"] == "Ana Ortiz" and stored["email"] == "ana.ortiz@example.test"
    assert stored["timezone"] == "America/New_York"
    assert "Ana Ortiz was added" in owner.get(response.headers["Location"]).get_data(as_text=True)


def test_a_staff_member_without_own_zone_follows_the_business(owner, api):
    response = post(owner, LIST, {"name": "Ben", "email": "", "timezone": ""})
    new_id = int(response.headers["Location"].split("/")[-2])
    assert api.json("GET", f"/api/v1/staff/{new_id}")["timezone"] is None
    assert "wall-clock times in Europe/Berlin" in owner.get(response.headers["Location"]).get_data(as_text=True)


def test_bad_input_is_explained_next_to_its_field_and_kept(owner, api, practice):
    response = post(owner, LIST, {"name": "   ", "email": "not-an-address", "timezone": "Mars/Olympus"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "name") == "Please enter a name."
    assert "valid email address" in field_error(html, "email")
    assert field_error(html, "timezone") == "Choose a time zone from the list."
    assert input_value(html, "email") == "not-an-address"
    assert selected_option(html, "timezone") == "Mars/Olympus"
    assert 'class="error-summary"' in html
    assert [member["id"] for member in api.json("GET", "/api/v1/staff")["staff"]] == practice.staff_ids


def test_editing_changes_name_email_and_zone_as_patch_would(owner, api, practice):
    path = f"{LIST}/{practice.staff_ids[0]}"
    page = owner.get(path).get_data(as_text=True)
    assert input_value(page, "name") == "Staff 1" and selected_option(page, "timezone") is None
    response = post(owner, path, {"name": "Dr. Weiß", "email": "WEISS@example.test", "timezone": "Europe/London"},
                    page=path)
    assert response.status_code == 303 and response.headers["Location"].endswith(path)
    stored = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")
    assert (stored["name"], stored["email"], stored["timezone"]) == ("Dr. Weiß", "weiss@example.test",
                                                                    "Europe/London")
    page = owner.get(path).get_data(as_text=True)
    assert "Saved." in page and selected_option(page, "timezone") == "Europe/London"
    post(owner, path, {"name": "Dr. Weiß", "email": "", "timezone": ""}, page=path)
    stored = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")
    assert stored["email"] is None and stored["timezone"] is None


def test_an_invalid_edit_changes_nothing(owner, api, practice):
    path = f"{LIST}/{practice.staff_ids[0]}"
    response = post(owner, path, {"name": "x" * 201, "email": "", "timezone": ""}, page=path)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "name") == "Please use at most 200 characters."
    assert input_value(html, "name") == "x" * 201
    assert api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")["name"] == "Staff 1"


def _book(api, practice, start: str) -> int:
    body = booking_body(practice, start, staff_id=practice.staff_ids[0])
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")["id"]


def _availability(api, practice, day: str) -> list[dict]:
    query = f"service={practice.service_id}&staff=any&from={day}&to={day}&tz=Europe/Berlin"
    return api.json("GET", f"/api/v1/public/{practice.slug}/availability?{query}", key="")["slots"]


def test_deactivating_lists_future_bookings_and_keeps_them(owner, api, practice, app):
    later = _book(api, practice, "2027-02-03T10:00:00+01:00")
    past = _book(api, practice, "2027-02-01T09:00:00+01:00")  # 08:00 now: not yet over, still listed
    path = f"{LIST}/{practice.staff_ids[0]}"
    page = owner.get(path).get_data(as_text=True)
    assert 'data-future-bookings="2"' in page
    assert f'href="/app/bookings/{later}"' in page and f'href="/app/bookings/{past}"' in page
    assert "They stay when you deactivate" in page
    response = post(owner, f"{path}/deactivate", {}, page=path)
    assert response.status_code == 303
    page = owner.get(path).get_data(as_text=True)
    assert "can no longer be booked. 2 bookings still need a decision" in page
    assert 'data-state="inactive"' in page and f'href="/app/bookings/{later}"' in page
    # Not bookable any more, through every door; the bookings themselves are untouched.
    api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}", expect=404)
    assert api.json("GET", f"/api/v1/public/{practice.slug}", key="")["staff"] == []
    assert _availability(api, practice, "2027-02-04") == []
    with database(app) as session:
        assert {b.status for b in session.scalars(select(Booking).where(Booking.id.in_([later, past])))} \
            == {"confirmed"}
    assert 'data-state="inactive"' in owner.get(LIST).get_data(as_text=True)


def test_reactivating_makes_the_staff_member_bookable_again(owner, api, practice):
    path = f"{LIST}/{practice.staff_ids[0]}"
    post(owner, f"{path}/deactivate", {}, page=path)
    assert "No upcoming bookings." in owner.get(path).get_data(as_text=True)
    response = post(owner, f"{path}/reactivate", {}, page=path)
    assert response.status_code == 303
    assert "can be booked again" in owner.get(path).get_data(as_text=True)
    assert api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")["name"] == "Staff 1"
    assert len(_availability(api, practice, "2027-02-04")) == 14  # 09-12 and 13-17, every 30 minutes


STAFF_ROUTES = [("GET", "{list}"), ("POST", "{list}"), ("GET", "{list}/{id}"), ("POST", "{list}/{id}"),
                ("POST", "{list}/{id}/deactivate"), ("POST", "{list}/{id}/reactivate")]


@pytest.mark.parametrize("method, template", STAFF_ROUTES)
def test_staff_accounts_get_403(client, app, practice, api, method, template):
    log_in_new_staff(client, app, practice, FROZEN_NOW)
    path = template.format(list=LIST, id=practice.staff_ids[0])
    token = form_token(client.get("/app/calendars").get_data(as_text=True))
    response = client.open(path, method=method, data={"csrf_token": token, "name": "Hijacked"})
    assert response.status_code == 403
    assert api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")["name"] == "Staff 1"
    assert len(api.json("GET", "/api/v1/staff")["staff"]) == 1


@pytest.mark.parametrize("method, template", [r for r in STAFF_ROUTES if "{id}" in r[1]])
def test_another_businesss_staff_member_is_not_found(owner, api, method, template):
    other = setup_practice(api)
    path = template.format(list=LIST, id=other.staff_ids[0])
    response = post(owner, path, {"name": "Hijacked"}) if method == "POST" else owner.get(path)
    assert response.status_code == 404
    assert api.json("GET", f"/api/v1/staff/{other.staff_ids[0]}", key=other.key)["name"] == "Staff 1"
