"""Owner settings for services: create and edit every field POST/PATCH /api/v1/services takes
(read back through the API and the public page), staff assignment, bad input kept and explained,
deactivate and reactivate; staff accounts get 403 on every route, another business's service 404."""
from __future__ import annotations

import re

import pytest

from tests.conftest import FROZEN_NOW
from tests.support.factories import setup_practice
from tests.support.workspace import form_token, log_in_new_staff

LIST = "/app/settings/services"
NEW = f"{LIST}/new"


@pytest.fixture
def practice(api):
    return setup_practice(api, staff=2)


def service_form(html: str, staff_ids: list[int], **overrides: str) -> dict:
    data = {"csrf_token": form_token(html), "name": "Deep tissue massage", "description": "Bring a towel.",
            "duration_minutes": "45", "buffer_before_minutes": "5", "buffer_after_minutes": "10",
            "slot_interval_minutes": "15", "capacity": "1", "price": "65.50",
            "staff_ids": [str(i) for i in staff_ids]}
    data.update(overrides)
    return data


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>(?:([^<]*)</textarea>)?', html)
    if tag.group(1) is not None:
        return tag.group(1).strip()
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def checked_staff(html: str) -> list[int]:
    return sorted(int(v) for v in re.findall(r'<input checked[^>]*name="staff_ids"[^>]*value="(\d+)"', html))


def field_error(html: str, field_id: str) -> str:
    return re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html).group(1)


def created_id(api, name: str) -> int:
    return next(s["id"] for s in api.json("GET", "/api/v1/services")["services"] if s["name"] == name)


def test_a_new_service_is_stored_as_the_api_would_and_offered_publicly(owner, api, practice):
    response = owner.post(NEW, data=service_form(owner.get(NEW).get_data(as_text=True), practice.staff_ids[1:]))
    assert response.status_code == 303 and response.headers["Location"].endswith(LIST)
    service = api.json("GET", f"/api/v1/services/{created_id(api, 'Deep tissue massage')}")
    assert service == {"id": service["id"], "name": "Deep tissue massage", "description": "Bring a towel.",
                       "price": "65.50", "duration_minutes": 45, "buffer_before_minutes": 5,
                       "buffer_after_minutes": 10, "slot_interval_minutes": 15, "capacity": 1,
                       "staff_ids": practice.staff_ids[1:]}
    public = api.json("GET", f"/api/v1/public/{practice.slug}", key="")
    assert {"id": service["id"], "name": "Deep tissue massage", "duration_minutes": 45, "capacity": 1,
            "staff_ids": practice.staff_ids[1:]} in [{k: s[k] for k in ("id", "name", "duration_minutes", "capacity",
                                                                       "staff_ids")} for s in public["services"]]
    listing = owner.get(LIST).get_data(as_text=True)
    assert "The service Deep tissue massage was added." in listing and "65.50" in listing and "45 min" in listing


def test_blank_optional_fields_take_the_apis_defaults(owner, api, practice):
    html = owner.get(NEW).get_data(as_text=True)
    owner.post(NEW, data=service_form(html, [], name="Quick check", description="", buffer_before_minutes="",
                                      buffer_after_minutes="", slot_interval_minutes="", capacity="", price=""))
    service = api.json("GET", f"/api/v1/services/{created_id(api, 'Quick check')}")
    assert (service["description"], service["price"], service["buffer_before_minutes"],
            service["buffer_after_minutes"], service["slot_interval_minutes"], service["capacity"],
            service["staff_ids"]) == (None, None, 0, 0, 45, 1, [])
    assert "nobody: it cannot be booked" in owner.get(LIST).get_data(as_text=True)


def test_a_price_is_read_in_the_pages_language(owner, api):
    html = owner.get(f"{NEW}?lang=de").get_data(as_text=True)
    assert '<html lang="de">' in html
    owner.post(NEW, data=service_form(html, [], name="Massage DE", price="1.234,5"))
    assert api.json("GET", f"/api/v1/services/{created_id(api, 'Massage DE')}")["price"] == "1234.50"
    page = owner.get(f"{LIST}/{created_id(api, 'Massage DE')}").get_data(as_text=True)
    assert input_value(page, "price") == "1.234,50"


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": " "}, "name", "Please enter a name."),
    ({"duration_minutes": ""}, "duration_minutes", "Please enter a number."),
    ({"duration_minutes": "0"}, "duration_minutes", "Enter a number from 1 to 1440."),
    ({"duration_minutes": "ten"}, "duration_minutes", "Enter a whole number such as 30."),
    ({"buffer_after_minutes": "1441"}, "buffer_after_minutes", "Enter a number from 0 to 1440."),
    ({"capacity": "0"}, "capacity", "Enter a number from 1 to 1000."),
    ({"price": "-3"}, "price", "Enter an amount such as 45.00"),
    ({"price": "100000000"}, "price", "Enter an amount such as 45.00"),
    ({"price": "lots"}, "price", "Enter an amount such as 45.00"),
    ({"description": "x" * 4001}, "description", "Please use at most 4000 characters."),
])
def test_bad_input_is_explained_next_to_its_field_and_kept(owner, api, practice, overrides, field, message):
    html = owner.get(NEW).get_data(as_text=True)
    response = owner.post(NEW, data=service_form(html, practice.staff_ids[:1], **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in field_error(html, field)
    assert re.search(rf'<(?:input|textarea)[^>]*aria-invalid="true"[^>]*id="{field}"', html)
    assert input_value(html, field) == list(overrides.values())[0].strip() or field == "name"
    assert input_value(html, "description") == ("x" * 4001 if field == "description" else "Bring a towel.")
    assert checked_staff(html) == practice.staff_ids[:1]
    assert len(api.json("GET", "/api/v1/services")["services"]) == 1


def test_staff_of_another_business_cannot_be_assigned(owner, api, practice):
    other = setup_practice(api)
    html = owner.get(NEW).get_data(as_text=True)
    response = owner.post(NEW, data=service_form(html, [practice.staff_ids[0], other.staff_ids[0]]))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "staff_ids") == "Choose staff members from the list."
    assert len(api.json("GET", "/api/v1/services", key=practice.key)["services"]) == 1


def test_editing_changes_fields_and_staff_assignment(owner, api, practice):
    path = f"{LIST}/{practice.service_id}"
    html = owner.get(path).get_data(as_text=True)
    assert input_value(html, "name") == "Consultation" and input_value(html, "duration_minutes") == "30"
    assert input_value(html, "slot_interval_minutes") == "" and checked_staff(html) == practice.staff_ids
    response = owner.post(path, data=service_form(html, practice.staff_ids[1:], name="Long consultation",
                                                  duration_minutes="60", slot_interval_minutes="", price="",
                                                  buffer_before_minutes="0", buffer_after_minutes="0"))
    assert response.status_code == 303
    service = api.json("GET", f"/api/v1/services/{practice.service_id}")
    assert (service["name"], service["duration_minutes"], service["slot_interval_minutes"], service["price"],
            service["staff_ids"]) == ("Long consultation", 60, 60, None, practice.staff_ids[1:])
    query = f"service={practice.service_id}&staff=any&from=2027-02-03&to=2027-02-03&tz=Europe/Berlin"
    found = api.json("GET", f"/api/v1/public/{practice.slug}/availability?{query}", key="")["slots"]
    assert [slot["start"][11:16] for slot in found] == ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00",
                                                          "16:00"]
    assert {tuple(slot["staff_ids"]) for slot in found} == {(practice.staff_ids[1],)}


def test_a_deactivated_staff_member_keeps_their_services_through_an_edit(owner, api, practice):
    api.json("DELETE", f"/api/v1/staff/{practice.staff_ids[1]}", expect=204)
    path = f"{LIST}/{practice.service_id}"
    html = owner.get(path).get_data(as_text=True)
    assert checked_staff(html) == practice.staff_ids[:1] and "Staff 2" not in html
    owner.post(path, data=service_form(html, practice.staff_ids[:1], name="Renamed"))
    staff_page = f"/app/settings/staff/{practice.staff_ids[1]}"
    owner.post(f"{staff_page}/reactivate", data={"csrf_token": form_token(html)})
    assert api.json("GET", f"/api/v1/services/{practice.service_id}")["staff_ids"] == practice.staff_ids


def test_deactivating_and_reactivating_a_service(owner, api, practice):
    path = f"{LIST}/{practice.service_id}"
    html = owner.get(path).get_data(as_text=True)
    assert owner.post(f"{path}/deactivate", data={"csrf_token": form_token(html)}).status_code == 303
    api.json("GET", f"/api/v1/services/{practice.service_id}", expect=404)
    assert api.json("GET", f"/api/v1/public/{practice.slug}", key="")["services"] == []
    listing = owner.get(LIST).get_data(as_text=True)
    assert "can no longer be booked" in listing and 'data-state="inactive"' in listing
    page = owner.get(path).get_data(as_text=True)
    assert 'data-state="inactive"' in page and "Reactivate Consultation" in page
    assert owner.post(f"{path}/reactivate", data={"csrf_token": form_token(html)}).status_code == 303
    assert api.json("GET", f"/api/v1/services/{practice.service_id}")["name"] == "Consultation"


SERVICE_ROUTES = [("GET", LIST), ("GET", NEW), ("POST", NEW), ("GET", f"{LIST}/{{id}}"), ("POST", f"{LIST}/{{id}}"),
                  ("POST", f"{LIST}/{{id}}/deactivate"), ("POST", f"{LIST}/{{id}}/reactivate")]


@pytest.mark.parametrize("method, template", SERVICE_ROUTES)
def test_staff_accounts_get_403(client, app, api, practice, method, template):
    log_in_new_staff(client, app, practice, FROZEN_NOW)
    html = client.get("/app/calendars").get_data(as_text=True)
    path = template.format(id=practice.service_id)
    response = client.open(path, method=method, data=service_form(html, practice.staff_ids, name="Hijacked")
                           if method == "POST" else None)
    assert response.status_code == 403
    assert [s["name"] for s in api.json("GET", "/api/v1/services")["services"]] == ["Consultation"]


@pytest.mark.parametrize("method, template", [r for r in SERVICE_ROUTES if "{id}" in r[1]])
def test_another_businesss_service_is_not_found(owner, api, method, template):
    other = setup_practice(api)
    html = owner.get(LIST).get_data(as_text=True)
    path = template.format(id=other.service_id)
    response = owner.open(path, method=method, data=service_form(html, [], name="Hijacked")
                          if method == "POST" else None)
    assert response.status_code == 404
    assert api.json("GET", f"/api/v1/services/{other.service_id}", key=other.key)["name"] == "Consultation"
