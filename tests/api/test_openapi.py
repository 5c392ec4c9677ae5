"""The OpenAPI document (GET /api/v1/openapi.json) is valid, covers the URL map exactly, and real
answers of every kind match what it says."""
from __future__ import annotations

import json

import pytest
import schemathesis
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from booking.web.api.openapi import DOCUMENT_PATH
from tests.api.conftest import WRONG_KEY
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.openapi import DOCUMENT, Conformance, documented_operations, rule_to_template

NINE = "2027-02-02T09:00:00+01:00"


class CheckedApi(Api):
    """An Api whose every answer is checked against the document."""

    def __init__(self, transport, conformance: Conformance) -> None:
        super().__init__(transport)
        self.conformance = conformance

    def call(self, method: str, path: str, body=None, key=None, raw=None, headers=None):
        response = super().call(method, path, body, key=key, raw=raw, headers=headers)
        self.conformance.check(method, path, response.status_code, response.mimetype, response.data)
        return response


def test_every_api_route_is_documented_and_nothing_else(app):
    routes = {(method, rule_to_template(rule.rule)) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = documented_operations()
    assert routes - documented == set(), "routes missing from booking/web/api/openapi.json"
    assert documented - routes == set(), "documented operations the app does not have"
    assert len(routes) >= 48


def test_the_document_is_valid_openapi_3_1():
    assert DOCUMENT["openapi"].startswith("3.1.")
    validate(DOCUMENT, cls=OpenAPIV31SpecValidator)
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(documented_operations())


def test_every_operation_says_what_it_answers():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), (method, path)
            public = operation.get("security") == []
            assert public or "401" in statuses, f"{method} {path}: a key-protected operation answers 401"
            if "requestBody" in operation:
                assert {"400", "422"} <= statuses, f"{method} {path}: bodies can be malformed or invalid"
            if "{" in path and path != "/api/v1/openapi.json":
                assert "404" in statuses, f"{method} {path}: an unknown id, slug or token is 404"


def test_served_without_auth_and_cacheable(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    assert response.headers["ETag"] and "max-age=" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data


@pytest.fixture(scope="module")
def conformance() -> Conformance:
    """Shared by the walks below and the test after them, which counts what they covered."""
    return Conformance()


@pytest.fixture
def checked(client, frozen_now, conformance) -> CheckedApi:
    return CheckedApi(client, conformance)


def test_answers_about_the_business_and_its_staff(checked):
    api = checked
    staff, other = setup_practice(api, staff=2).staff_ids
    api.json("GET", "/api/v1/business")
    api.json("PATCH", "/api/v1/business", {"quiet_hours_start": "22:00", "feedback_requests": True})
    api.json("PATCH", "/api/v1/business", {"timezone": "Mars/Olympus"}, expect=422)
    api.json("PATCH", "/api/v1/business", raw=b'{"name": ', expect=400)
    api.json("GET", "/api/v1/business", key="", expect=401)
    api.json("GET", "/api/v1/business", key=WRONG_KEY, expect=401)
    key_id = api.json("POST", "/api/v1/api-keys", expect=201)["id"]
    api.call("DELETE", f"/api/v1/api-keys/{key_id}")
    api.json("DELETE", f"/api/v1/api-keys/{key_id}", expect=404)
    api.json("GET", "/api/v1/staff")
    api.json("GET", f"/api/v1/staff/{staff}")
    api.json("PATCH", f"/api/v1/staff/{staff}", {"email": "anna@example.test", "timezone": "Europe/Vienna"})
    api.json("PUT", f"/api/v1/staff/{staff}/hours", {"mon": [["09:00", "24:00"]], "tue": [["09:00", "17:00"]]})
    api.json("PUT", f"/api/v1/staff/{staff}/hours", {"mon": [["10:00", "09:00"]], "xyz": []}, expect=422)
    api.json("PUT", f"/api/v1/staff/{staff}/overrides/2027-02-10", {"hours": []})
    api.json("PUT", f"/api/v1/staff/{staff}/overrides/2027-02-31", {"hours": []}, expect=422)
    api.call("DELETE", f"/api/v1/staff/{staff}/overrides/2027-02-10")
    api.json("DELETE", f"/api/v1/staff/{staff}/overrides/2027-02-10", expect=404)
    off = api.json("POST", f"/api/v1/staff/{other}/time-off",
                   {"start": "2027-03-01T00:00:00+01:00", "end": "2027-03-02T00:00:00+01:00", "reason": "Trip"},
                   expect=201)
    api.json("POST", f"/api/v1/staff/{other}/time-off", {"start": "2027-03-01T00:00:00", "end": "x"}, expect=422)
    api.call("DELETE", f"/api/v1/staff/{other}/time-off/{off['id']}")
    api.json("POST", f"/api/v1/staff/{staff}/delay", {"minutes": 15})
    api.json("POST", f"/api/v1/staff/{staff}/delay", {"minutes": -1}, expect=422)
    api.json("GET", "/api/v1/staff/999999", expect=404)
    api.call("DELETE", f"/api/v1/staff/{other}")


def test_answers_about_services_feeds_calendars_and_the_outbox(checked):
    api = checked
    practice = setup_practice(api, service={"price": "45.5", "description": "Talk"})
    staff, service = practice.staff_ids[0], practice.service_id
    api.json("GET", "/api/v1/services")
    api.json("GET", f"/api/v1/services/{service}")
    api.json("PATCH", f"/api/v1/services/{service}", {"price": None, "capacity": 2})
    api.json("PATCH", f"/api/v1/services/{service}", {"capacity": 0}, expect=422)
    extra = api.json("POST", "/api/v1/services", {"name": "Extra", "duration_minutes": 15, "staff_ids": [staff]},
                     expect=201)
    api.call("DELETE", f"/api/v1/services/{extra['id']}")
    for path in ("/api/v1/business/feed", f"/api/v1/staff/{staff}/feed"):
        api.json("GET", path)
        api.json("PATCH", path, {"busy_only": True})
        api.json("PATCH", path, {"busy_only": "yes"}, expect=422)
        api.json("POST", path + "/rotate")
    api.json("GET", f"/api/v1/staff/{staff}/calendars")
    api.json("POST", f"/api/v1/staff/{staff}/calendars", {"url": "ftp://example.test/cal.ics"}, expect=422)
    api.json("GET", "/api/v1/calendars/999999", expect=404)
    api.json("GET", "/api/v1/conflicts?all=1")
    api.json("POST", "/api/v1/conflicts/999999/resolve", {"action": "keep"}, expect=404)
    api.json("GET", "/api/v1/notifications")
    api.json("GET", "/api/v1/notifications?booking_id=x", expect=422)
    api.json("GET", "/api/v1/openapi.json", key="")


def test_answers_of_the_public_and_manage_api(checked):
    api = checked
    practice = setup_practice(api)
    slug, service = practice.slug, practice.service_id
    api.json("GET", f"/api/v1/public/{slug}", key="")
    api.json("GET", "/api/v1/public/no-such-practice", key="", expect=404)
    api.json("GET", f"/api/v1/public/{slug}/availability?service={service}&from=2027-02-02&to=2027-02-03"
             "&tz=America/New_York", key="")
    api.json("GET", f"/api/v1/public/{slug}/availability?service={service}&from=2027-02-02&to=2027-06-03", key="",
             expect=422)
    body = booking_body(practice, NINE, idempotency_key="first-try")
    token = api.json("POST", f"/api/v1/public/{slug}/bookings", body, key="", expect=201)["manage_token"]
    api.json("POST", f"/api/v1/public/{slug}/bookings", body, key="", expect=200)
    api.json("POST", f"/api/v1/public/{slug}/bookings", booking_body(practice, NINE), key="", expect=409)
    api.json("POST", f"/api/v1/public/{slug}/bookings", booking_body(practice, "2027-02-02T09:00:00"), key="",
             expect=422)
    api.json("POST", f"/api/v1/public/{slug}/bookings", raw=b"{", key="", expect=400)
    api.json("GET", f"/api/v1/manage/{token}", key="")
    assert api.call("GET", f"/api/v1/manage/{token}/ics", key="").status_code == 200
    api.json("POST", f"/api/v1/manage/{token}/reschedule", {"start": "2027-02-02T09:30:00+01:00"}, key="")
    api.json("POST", "/api/v1/manage/no-such-token/cancel", key="", expect=404)
    api.json("POST", f"/api/v1/manage/{token}/cancel", key="")
    api.json("POST", f"/api/v1/manage/{token}/reschedule", {"start": "2027-02-02T10:00:00+01:00"}, key="",
             expect=409)
    late = api.json("POST", f"/api/v1/public/{slug}/bookings", booking_body(practice, "2027-02-01T10:00:00+01:00"),
                    key="", expect=201)
    api.json("POST", f"/api/v1/manage/{late['manage_token']}/cancel", key="", expect=422)
    api.json("POST", "/api/v1/signup", {"business_name": "X", "slug": slug, "timezone": "Europe/Berlin",
                                        "owner_name": "O", "owner_email": "o@example.test",
                                        "owner_password": "long enough password"}, key="", expect=409)


def test_answers_about_bookings_in_the_management_api(checked):
    api = checked
    practice = setup_practice(api)
    api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, NINE), key="", expect=201)
    booking = api.json("POST", "/api/v1/bookings", booking_body(practice, "2027-02-03T10:00:00+01:00"),
                       expect=201)["id"]
    api.json("POST", "/api/v1/bookings", dict(booking_body(practice, NINE), service_id=999999), expect=404)
    api.json("POST", "/api/v1/bookings", booking_body(practice, NINE), expect=409)
    api.json("GET", "/api/v1/bookings?from=2027-02-01T00:00:00Z&status=confirmed")
    api.json("GET", "/api/v1/bookings?from=2027-02-01", expect=422)
    api.json("GET", f"/api/v1/bookings/{booking}")
    api.json("PATCH", f"/api/v1/bookings/{booking}", {"start": "2027-02-02T09:00:00+01:00"}, expect=409)
    api.json("PATCH", f"/api/v1/bookings/{booking}", {"status": "cancelled"})
    api.json("PATCH", f"/api/v1/bookings/{booking}", {"start": "2027-02-03T11:00:00+01:00"}, expect=409)
    api.json("PATCH", f"/api/v1/bookings/{booking}", {}, expect=422)
    api.json("GET", f"/api/v1/notifications?booking_id={booking}")


def test_whole_numbers_may_come_as_floats(checked):
    """The document says "integer", and for JSON (and JSON Schema) 15.0 is that integer: clients
    whose numbers are all floats are understood. A fraction is still refused."""
    api = checked
    practice = setup_practice(api)
    api.json("PATCH", "/api/v1/business", {"min_notice_minutes": 30.0, "reminder_offsets_minutes": [60.0]})
    assert api.json("GET", "/api/v1/business")["reminder_offsets_minutes"] == [60]
    service = api.json("POST", "/api/v1/services", {"name": "Float", "duration_minutes": 45.0,
                                                    "staff_ids": [float(practice.staff_ids[0])]}, expect=201)
    assert (service["duration_minutes"], service["staff_ids"]) == (45, practice.staff_ids)
    body = dict(booking_body(practice, NINE), service_id=float(practice.service_id))
    assert api.json("POST", "/api/v1/bookings", body, expect=201)["service_id"] == practice.service_id
    refused = api.json("PATCH", "/api/v1/business", {"max_advance_days": 30.5}, expect=422)
    assert refused["fields"] == {"max_advance_days": "must be a whole number"}


def test_the_walks_above_saw_most_of_the_document(conformance):
    operations = {(method, path) for method, path, _status in conformance.seen}
    assert len(operations) >= 40, sorted(documented_operations() - operations)
    assert len(conformance.seen) >= 70


def test_the_check_itself_refuses_what_breaks_the_document(client):
    """The conformance check is not vacuous: a datetime without an offset, a 422 without `fields`,
    a 409 slot_unavailable without alternatives and an undocumented status all fail it."""
    practice = setup_practice(Api(client))
    booked = Api(client).json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, NINE),
                              key="", expect=201)
    check = Conformance().check
    path = f"/api/v1/public/{practice.slug}/bookings"
    check("POST", path, 201, "application/json", json.dumps(booked).encode())
    wrong = [(201, dict(booked, start="2027-02-02T09:00:00")), (201, dict(booked, surprise=1)),
             (422, {"error": "invalid", "message": "The input is not valid."}),
             (409, {"error": "slot_unavailable", "message": "Taken."}), (403, {"error": "forbidden", "message": "No."})]
    for status, body in wrong:
        with pytest.raises(AssertionError):
            check("POST", path, status, "application/json", json.dumps(body).encode())
