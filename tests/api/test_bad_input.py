"""Every endpoint refuses bad input with the API.md error shape, never a 500.

Paths are templates over two practices set up once (tests/api/conftest.py): {staff}, {booking}, ...
are mine, {o_staff}, {o_booking}, ... belong to the other practice, {none} is an id nobody has.
"""
from __future__ import annotations

import pytest

from tests.api.conftest import WRONG_KEY, assert_error

MALFORMED = b'{"name": "x",'
NAIVE = "2027-02-03T09:00:00"
AWARE = "2027-02-03T09:00:00+01:00"
CUSTOMER = {"name": "Kim", "email": "kim@example.test"}


def booking(**changes):
    body = {"service_id": "{service}", "staff_id": None, "start": AWARE, "customer": CUSTOMER}
    body.update(changes)
    return body


# (method, path template, JSON body (or raw bytes), status, error code, a field named in "fields")
BAD_INPUT = [
    # sign-up
    ("POST", "/api/v1/signup", MALFORMED, 400, "bad_request", None),
    ("POST", "/api/v1/signup", [], 422, "invalid", "body"),
    ("POST", "/api/v1/signup", {}, 422, "invalid", "owner_password"),
    ("POST", "/api/v1/signup", {"business_name": 5, "timezone": "Europe/Berlin", "owner_name": "O",
                                "owner_email": "o@x.test", "owner_password": "long enough pw"}, 422, "invalid",
     "business_name"),
    ("POST", "/api/v1/signup", {"business_name": "B", "timezone": "Mars/Olympus", "owner_name": "O",
                                "owner_email": "o@x.test", "owner_password": "long enough pw"}, 422, "invalid",
     "timezone"),
    ("POST", "/api/v1/signup", {"business_name": "B", "timezone": "Europe/Berlin", "owner_name": "O",
                                "owner_email": "not-an-email", "owner_password": "long enough pw"}, 422,
     "invalid", "owner_email"),
    ("POST", "/api/v1/signup", {"business_name": "B", "timezone": "Europe/Berlin", "owner_name": "O",
                                "owner_email": "o@x.test", "owner_password": "short"}, 422, "invalid",
     "owner_password"),
    ("POST", "/api/v1/signup", {"business_name": "B", "slug": "Not A Slug!", "timezone": "Europe/Berlin",
                                "owner_name": "O", "owner_email": "o@x.test", "owner_password": "long enough pw"},
     422, "invalid", "slug"),
    ("POST", "/api/v1/signup", {"business_name": "B", "slug": "{slug}", "timezone": "Europe/Berlin",
                                "owner_name": "O", "owner_email": "o2@x.test", "owner_password": "long enough pw"},
     409, "conflict", None),
    ("POST", "/api/v1/signup", {"business_name": "B\u0000", "timezone": "Europe/Berlin", "owner_name": "O",
                                "owner_email": "o@x.test", "owner_password": "long enough pw"}, 422, "invalid",
     "business_name"),
    # business
    ("PATCH", "/api/v1/business", MALFORMED, 400, "bad_request", None),
    ("PATCH", "/api/v1/business", ["name"], 422, "invalid", "body"),
    ("PATCH", "/api/v1/business", {"min_notice_minutes": "60"}, 422, "invalid", "min_notice_minutes"),
    ("PATCH", "/api/v1/business", {"max_advance_days": True}, 422, "invalid", "max_advance_days"),
    ("PATCH", "/api/v1/business", {"cancellation_cutoff_hours": -1}, 422, "invalid", "cancellation_cutoff_hours"),
    ("PATCH", "/api/v1/business", {"timezone": "Europe/Nowhere"}, 422, "invalid", "timezone"),
    ("PATCH", "/api/v1/business", {"locale": "fr"}, 422, "invalid", "locale"),
    ("PATCH", "/api/v1/business", {"locale": ["de"]}, 422, "invalid", "locale"),
    ("PATCH", "/api/v1/business", {"name": ""}, 422, "invalid", "name"),
    ("PATCH", "/api/v1/business", {"name": None}, 422, "invalid", "name"),
    ("PATCH", "/api/v1/business", {"reminder_offsets_minutes": [0]}, 422, "invalid", "reminder_offsets_minutes"),
    ("PATCH", "/api/v1/business", {"reminder_offsets_minutes": "1440"}, 422, "invalid",
     "reminder_offsets_minutes"),
    ("PATCH", "/api/v1/business", {"delay_notice_threshold_minutes": 1.5}, 422, "invalid",
     "delay_notice_threshold_minutes"),
    ("PATCH", "/api/v1/business", {"retention_months": 5}, 422, "invalid", "retention_months"),
    ("PATCH", "/api/v1/business", {"retention_months": "24"}, 422, "invalid", "retention_months"),
    # api keys
    ("DELETE", "/api/v1/api-keys/{none}", None, 404, "not_found", None),
    ("DELETE", "/api/v1/api-keys/{o_key_id}", None, 404, "not_found", None),
    # staff
    ("POST", "/api/v1/staff", MALFORMED, 400, "bad_request", None),
    ("POST", "/api/v1/staff", "just a string", 422, "invalid", "body"),
    ("POST", "/api/v1/staff", {}, 422, "invalid", "name"),
    ("POST", "/api/v1/staff", {"name": 5}, 422, "invalid", "name"),
    ("POST", "/api/v1/staff", {"name": "x" * 201}, 422, "invalid", "name"),
    ("POST", "/api/v1/staff", {"name": "Ann", "email": "nope"}, 422, "invalid", "email"),
    ("POST", "/api/v1/staff", {"name": "Ann", "timezone": "Berlin"}, 422, "invalid", "timezone"),
    ("POST", "/api/v1/staff", {"name": "Ann", "timezone": 1}, 422, "invalid", "timezone"),
    ("POST", "/api/v1/staff", {"name": "An\u0000n"}, 422, "invalid", "name"),
    ("GET", "/api/v1/staff/{none}", None, 404, "not_found", None),
    ("GET", "/api/v1/staff/99999999999", None, 404, "not_found", None),
    ("GET", "/api/v1/staff/{o_staff}", None, 404, "not_found", None),
    ("PATCH", "/api/v1/staff/{o_staff}", {"name": "Mine now"}, 404, "not_found", None),
    ("PATCH", "/api/v1/staff/{none}", {"name": "Nobody"}, 404, "not_found", None),
    ("PATCH", "/api/v1/staff/{staff}", MALFORMED, 400, "bad_request", None),
    ("PATCH", "/api/v1/staff/{staff}", {"email": "nope"}, 422, "invalid", "email"),
    ("PATCH", "/api/v1/staff/{staff}", {"name": ""}, 422, "invalid", "name"),
    ("PATCH", "/api/v1/staff/{staff}", {"name": None}, 422, "invalid", "name"),
    ("PATCH", "/api/v1/staff/{staff}", {"name": ["x"]}, 422, "invalid", "name"),
    ("DELETE", "/api/v1/staff/{o_staff}", None, 404, "not_found", None),
    ("DELETE", "/api/v1/staff/{none}", None, 404, "not_found", None),
    # weekly hours
    ("PUT", "/api/v1/staff/{staff}/hours", MALFORMED, 400, "bad_request", None),
    ("PUT", "/api/v1/staff/{staff}/hours", [["09:00", "12:00"]], 422, "invalid", "body"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"mon": "09:00-12:00"}, 422, "invalid", "mon"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"monday": []}, 422, "invalid", "monday"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"mon": [["12:00", "09:00"]]}, 422, "invalid", "mon"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, 422, "invalid",
     "mon"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"mon": [[9, 12]]}, 422, "invalid", "mon"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"mon": [["09:00"]]}, 422, "invalid", "mon"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"mon": [["25:00", "26:00"]]}, 422, "invalid", "mon"),
    ("PUT", "/api/v1/staff/{staff}/hours", {"mon": [["09:00", "12:00"]], "tue": None}, 422, "invalid", "tue"),
    ("PUT", "/api/v1/staff/{o_staff}/hours", {"mon": [["09:00", "12:00"]]}, 404, "not_found", None),
    ("PUT", "/api/v1/staff/{none}/hours", {}, 404, "not_found", None),
    # date overrides
    ("PUT", "/api/v1/staff/{staff}/overrides/2027-02-11", MALFORMED, 400, "bad_request", None),
    ("PUT", "/api/v1/staff/{staff}/overrides/2027-02-30", {"hours": []}, 422, "invalid", "date"),
    ("PUT", "/api/v1/staff/{staff}/overrides/tomorrow", {"hours": []}, 422, "invalid", "date"),
    ("PUT", "/api/v1/staff/{staff}/overrides/0001-01-01", {"hours": []}, 422, "invalid", "date"),
    ("DELETE", "/api/v1/staff/{staff}/overrides/9999-12-31", None, 422, "invalid", "date"),
    ("PUT", "/api/v1/staff/{staff}/overrides/2027-02-11", {}, 422, "invalid", "hours"),
    ("PUT", "/api/v1/staff/{staff}/overrides/2027-02-11", {"hours": None}, 422, "invalid", "hours"),
    ("PUT", "/api/v1/staff/{staff}/overrides/2027-02-11", {"hours": "closed"}, 422, "invalid", "hours"),
    ("PUT", "/api/v1/staff/{staff}/overrides/2027-02-11", {"hours": [["10:00", "09:00"]]}, 422, "invalid",
     "hours"),
    ("PUT", "/api/v1/staff/{o_staff}/overrides/2027-02-11", {"hours": []}, 404, "not_found", None),
    ("DELETE", "/api/v1/staff/{staff}/overrides/2027-02-11", None, 404, "not_found", None),
    ("DELETE", "/api/v1/staff/{staff}/overrides/someday", None, 422, "invalid", "date"),
    ("DELETE", "/api/v1/staff/{o_staff}/overrides/2027-02-10", None, 404, "not_found", None),
    # time off
    ("POST", "/api/v1/staff/{staff}/time-off", MALFORMED, 400, "bad_request", None),
    ("POST", "/api/v1/staff/{staff}/time-off", {}, 422, "invalid", "start"),
    ("POST", "/api/v1/staff/{staff}/time-off", {"start": NAIVE, "end": "2027-02-03T10:00:00+01:00"}, 422,
     "invalid", "start"),
    ("POST", "/api/v1/staff/{staff}/time-off", {"start": AWARE, "end": "2027-02-03T10:00:00"}, 422, "invalid",
     "end"),
    ("POST", "/api/v1/staff/{staff}/time-off", {"start": 1700000000, "end": AWARE}, 422, "invalid", "start"),
    ("POST", "/api/v1/staff/{staff}/time-off", {"start": AWARE, "end": "2027-02-03T08:00:00+01:00"}, 422,
     "invalid", "end"),
    ("POST", "/api/v1/staff/{staff}/time-off", {"start": "0001-01-01T00:00:00+01:00", "end": AWARE}, 422,
     "invalid", "start"),
    ("POST", "/api/v1/staff/{staff}/time-off", {"start": AWARE, "end": "9999-12-31T23:59:59-01:00"}, 422,
     "invalid", "end"),
    ("POST", "/api/v1/staff/{staff}/time-off", {"start": AWARE, "end": "2027-02-03T10:00:00+01:00",
                                                "reason": 7}, 422, "invalid", "reason"),
    ("POST", "/api/v1/staff/{o_staff}/time-off", {"start": AWARE, "end": "2027-02-03T10:00:00+01:00"}, 404,
     "not_found", None),
    ("DELETE", "/api/v1/staff/{staff}/time-off/{o_time_off}", None, 404, "not_found", None),
    ("DELETE", "/api/v1/staff/{o_staff}/time-off/{o_time_off}", None, 404, "not_found", None),
    ("DELETE", "/api/v1/staff/{staff}/time-off/{none}", None, 404, "not_found", None),
    # services
    ("POST", "/api/v1/services", MALFORMED, 400, "bad_request", None),
    ("POST", "/api/v1/services", {}, 422, "invalid", "duration_minutes"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": "30", "staff_ids": []}, 422, "invalid",
     "duration_minutes"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 0, "staff_ids": []}, 422, "invalid",
     "duration_minutes"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": "{staff}"}, 422, "invalid",
     "staff_ids"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": ["{o_staff}"]}, 422,
     "invalid", "staff_ids"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": ["{none}"]}, 422,
     "invalid", "staff_ids"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": [], "capacity": 0}, 422,
     "invalid", "capacity"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": [], "price": "cheap"}, 422,
     "invalid", "price"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": [], "price": -1}, 422,
     "invalid", "price"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": [], "price": True}, 422,
     "invalid", "price"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": [],
                                  "buffer_after_minutes": -5}, 422, "invalid", "buffer_after_minutes"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": [], "price": "99999999.999"},
     422, "invalid", "price"),
    ("POST", "/api/v1/services", {"name": "S", "duration_minutes": 30, "staff_ids": [10**20]}, 422, "invalid",
     "staff_ids"),
    ("GET", "/api/v1/services/{none}", None, 404, "not_found", None),
    ("GET", "/api/v1/services/{o_service}", None, 404, "not_found", None),
    ("PATCH", "/api/v1/services/{o_service}", {"name": "Mine"}, 404, "not_found", None),
    ("PATCH", "/api/v1/services/{service}", MALFORMED, 400, "bad_request", None),
    ("PATCH", "/api/v1/services/{service}", {"duration_minutes": -5}, 422, "invalid", "duration_minutes"),
    ("PATCH", "/api/v1/services/{service}", {"duration_minutes": None}, 422, "invalid", "duration_minutes"),
    ("PATCH", "/api/v1/services/{service}", {"name": None}, 422, "invalid", "name"),
    ("PATCH", "/api/v1/services/{service}", {"staff_ids": ["{o_staff}"]}, 422, "invalid", "staff_ids"),
    ("DELETE", "/api/v1/services/{o_service}", None, 404, "not_found", None),
    ("DELETE", "/api/v1/services/{none}", None, 404, "not_found", None),
    # bookings (management)
    ("GET", f"/api/v1/bookings?from={NAIVE}", None, 422, "invalid", "from"),
    ("GET", "/api/v1/bookings?to=yesterday", None, 422, "invalid", "to"),
    ("GET", "/api/v1/bookings?status=done", None, 422, "invalid", "status"),
    ("GET", "/api/v1/bookings?staff_id=abc", None, 422, "invalid", "staff_id"),
    ("GET", "/api/v1/bookings?staff_id=%C2%B2", None, 422, "invalid", "staff_id"),
    ("GET", "/api/v1/bookings?staff_id=2147483648", None, 422, "invalid", "staff_id"),
    ("GET", "/api/v1/bookings/2147483648", None, 404, "not_found", None),
    ("PATCH", "/api/v1/bookings/{booking}", {"staff_id": 10**12}, 422, "invalid", "staff_id"),
    ("POST", "/api/v1/bookings", MALFORMED, 400, "bad_request", None),
    ("POST", "/api/v1/bookings", {}, 422, "invalid", "service_id"),
    ("POST", "/api/v1/bookings", booking(start=NAIVE), 422, "invalid", "start"),
    ("POST", "/api/v1/bookings", booking(start=1798000000), 422, "invalid", "start"),
    ("POST", "/api/v1/bookings", booking(start="0001-01-01T00:30:00+01:00"), 422, "invalid", "start"),
    ("POST", "/api/v1/bookings", booking(service_id="1"), 422, "invalid", "service_id"),
    ("POST", "/api/v1/bookings", booking(staff_id=[1]), 422, "invalid", "staff_id"),
    ("POST", "/api/v1/bookings", booking(customer="Kim"), 422, "invalid", "customer"),
    ("POST", "/api/v1/bookings", booking(customer={}), 422, "invalid", "customer.email"),
    ("POST", "/api/v1/bookings", booking(customer={"name": "Kim", "email": "kim"}), 422, "invalid",
     "customer.email"),
    ("POST", "/api/v1/bookings", booking(customer=dict(CUSTOMER, preferred_channel="fax")), 422, "invalid",
     "customer.preferred_channel"),
    ("POST", "/api/v1/bookings", booking(idempotency_key=12), 422, "invalid", "idempotency_key"),
    ("POST", "/api/v1/bookings", booking(service_id=10**20), 422, "invalid", "service_id"),
    ("POST", "/api/v1/bookings", booking(service_id=-(2**31) - 1), 422, "invalid", "service_id"),
    ("POST", "/api/v1/bookings", booking(staff_id=2**31), 422, "invalid", "staff_id"),
    ("POST", "/api/v1/bookings", booking(service_id="{o_service}"), 404, "not_found", None),
    ("POST", "/api/v1/bookings", booking(service_id="{none}"), 404, "not_found", None),
    ("POST", "/api/v1/bookings", booking(staff_id="{o_staff}"), 404, "not_found", None),
    ("GET", "/api/v1/bookings/{o_booking}", None, 404, "not_found", None),
    ("GET", "/api/v1/bookings/{none}", None, 404, "not_found", None),
    ("PATCH", "/api/v1/bookings/{booking}", MALFORMED, 400, "bad_request", None),
    ("PATCH", "/api/v1/bookings/{booking}", {}, 422, "invalid", "body"),
    ("PATCH", "/api/v1/bookings/{booking}", {"start": NAIVE}, 422, "invalid", "start"),
    ("PATCH", "/api/v1/bookings/{booking}", {"status": "done"}, 422, "invalid", "status"),
    ("PATCH", "/api/v1/bookings/{booking}", {"staff_id": "two"}, 422, "invalid", "staff_id"),
    ("PATCH", "/api/v1/bookings/{booking}", {"staff_id": "{o_staff}"}, 404, "not_found", None),
    ("PATCH", "/api/v1/bookings/{o_booking}", {"status": "arrived"}, 404, "not_found", None),
    ("PATCH", "/api/v1/bookings/{none}", {"status": "arrived"}, 404, "not_found", None),
    # public
    ("GET", "/api/v1/public/no-such-practice", None, 404, "not_found", None),
    ("GET", "/api/v1/public/no%00such", None, 404, "not_found", None),
    ("GET", "/api/v1/public/{slug}/availability?from=2027-02-02&to=2027-02-03", None, 422, "invalid", "service"),
    ("GET", "/api/v1/public/{slug}/availability?service=abc&from=2027-02-02&to=2027-02-03", None, 422, "invalid",
     "service"),
    ("GET", "/api/v1/public/{slug}/availability?service={o_service}&from=2027-02-02&to=2027-02-03", None, 422,
     "invalid", "service"),
    ("GET", "/api/v1/public/{slug}/availability?service={none}&from=2027-02-02&to=2027-02-03", None, 422,
     "invalid", "service"),
    ("GET", "/api/v1/public/{slug}/availability?service=99999999999&from=2027-02-02&to=2027-02-03", None, 422,
     "invalid", "service"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&staff=99999999999&from=2027-02-02&to=2027-02-03",
     None, 422, "invalid", "staff"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&staff={o_staff}&from=2027-02-02&to=2027-02-03",
     None, 422, "invalid", "staff"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&staff=me&from=2027-02-02&to=2027-02-03",
     None, 422, "invalid", "staff"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&from=2027-02-02&to=2027-02-03&tz=Mars/Base",
     None, 422, "invalid", "tz"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&from=2027-02-03&to=2027-02-02", None, 422,
     "invalid", "to"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&from=2027-02-01&to=2027-04-04", None, 422,
     "invalid", "to"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&from=2027-02-30&to=2027-03-01", None, 422,
     "invalid", "from"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&from=2027-02-02", None, 422, "invalid", "to"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&from=9999-12-31&to=9999-12-31", None, 422,
     "invalid", "to"),
    ("GET", "/api/v1/public/{slug}/availability?service={service}&from=0001-01-01&to=0001-01-02", None, 422,
     "invalid", "from"),
    ("GET", "/api/v1/public/nobody/availability?service={service}&from=2027-02-02&to=2027-02-03", None, 404,
     "not_found", None),
    ("POST", "/api/v1/public/{slug}/bookings", MALFORMED, 400, "bad_request", None),
    ("POST", "/api/v1/public/{slug}/bookings", {}, 422, "invalid", "customer"),
    ("POST", "/api/v1/public/{slug}/bookings", booking(start=NAIVE), 422, "invalid", "start"),
    ("POST", "/api/v1/public/{slug}/bookings", booking(start="9999-12-31T23:59:59-12:00"), 422, "invalid", "start"),
    ("POST", "/api/v1/public/{slug}/bookings", booking(service_id=True), 422, "invalid", "service_id"),
    ("POST", "/api/v1/public/{slug}/bookings", booking(customer={"name": "", "email": "kim@example.test"}), 422,
     "invalid", "customer.name"),
    ("POST", "/api/v1/public/{slug}/bookings", booking(customer={"name": "Kim\u0000", "email": "k@example.test"}),
     422, "invalid", "customer.name"),
    ("POST", "/api/v1/public/{slug}/bookings", booking(notes="x" * 2001), 422, "invalid", "notes"),
    ("POST", "/api/v1/public/{slug}/bookings", booking(service_id="{o_service}"), 404, "not_found", None),
    ("POST", "/api/v1/public/{slug}/bookings", booking(staff_id="{o_staff}"), 404, "not_found", None),
    ("POST", "/api/v1/public/nobody/bookings", booking(), 404, "not_found", None),
    # manage by token
    ("GET", "/api/v1/manage/not-a-token", None, 404, "not_found", None),
    ("GET", "/api/v1/manage/not-a-token/ics", None, 404, "not_found", None),
    ("POST", "/api/v1/manage/not-a-token/cancel", None, 404, "not_found", None),
    ("POST", "/api/v1/manage/not-a-token/reschedule", {"start": AWARE}, 404, "not_found", None),
    ("POST", "/api/v1/manage/{token}/reschedule", MALFORMED, 400, "bad_request", None),
    ("POST", "/api/v1/manage/{token}/reschedule", {}, 422, "invalid", "start"),
    ("POST", "/api/v1/manage/{token}/reschedule", {"start": NAIVE}, 422, "invalid", "start"),
    ("POST", "/api/v1/manage/{token}/reschedule", {"start": ["2027-02-03"]}, 422, "invalid", "start"),
    # bodies that break parsers rather than rules
    ("POST", "/api/v1/staff", b"[" * 100_000, 400, "bad_request", None),
    ("POST", "/api/v1/staff", b"\xff\xfe{", 400, "bad_request", None),
    ("POST", "/api/v1/staff", b'{"name": NaN}', 422, "invalid", "name"),
]


def _fill(world, value):
    """Put the world's ids into a body: "{staff}" -> 17 (an int when the whole string is one id)."""
    if isinstance(value, str):
        filled = world.fill(value) if "{" in value else value
        return int(filled) if filled.isdigit() and value.startswith("{") else filled
    if isinstance(value, list):
        return [_fill(world, v) for v in value]
    if isinstance(value, dict):
        return {k: _fill(world, v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method,path,body,status,code,field", BAD_INPUT,
                         ids=[f"{i:03d} {r[0]} {r[1]}" for i, r in enumerate(BAD_INPUT)])
def test_bad_input_is_refused_with_the_error_shape(world, world_api, method, path, body, status, code, field):
    url = world.fill(path)
    if isinstance(body, bytes):
        response = world_api.call(method, url, raw=body)
    else:
        response = world_api.call(method, url, _fill(world, body))
    error = assert_error(response, status, code)
    if field is not None:
        assert field in error["fields"], error


# Every management route, called with valid ids of my practice, but no key / a wrong key / a bad scheme.
MANAGEMENT = [
    ("GET", "/api/v1/business"), ("PATCH", "/api/v1/business"), ("POST", "/api/v1/api-keys"),
    ("DELETE", "/api/v1/api-keys/{key_id}"), ("POST", "/api/v1/staff"), ("GET", "/api/v1/staff"),
    ("GET", "/api/v1/staff/{staff}"), ("PATCH", "/api/v1/staff/{staff}"), ("DELETE", "/api/v1/staff/{staff}"),
    ("PUT", "/api/v1/staff/{staff}/hours"), ("PUT", "/api/v1/staff/{staff}/overrides/2027-02-10"),
    ("DELETE", "/api/v1/staff/{staff}/overrides/2027-02-10"), ("POST", "/api/v1/staff/{staff}/time-off"),
    ("DELETE", "/api/v1/staff/{staff}/time-off/{time_off}"), ("POST", "/api/v1/services"),
    ("GET", "/api/v1/services"), ("GET", "/api/v1/services/{service}"), ("PATCH", "/api/v1/services/{service}"),
    ("DELETE", "/api/v1/services/{service}"), ("GET", "/api/v1/bookings"), ("POST", "/api/v1/bookings"),
    ("GET", "/api/v1/bookings/{booking}"), ("PATCH", "/api/v1/bookings/{booking}"),
]
KEYS = {"none": "", "wrong": WRONG_KEY, "empty bearer": None, "basic": None, "other scheme": None}
HEADERS = {"empty bearer": "Bearer ", "basic": "Basic b3duZXI6cGFzcw==", "other scheme": "Token {key}"}


@pytest.mark.parametrize("method,path", MANAGEMENT, ids=[f"{m} {p}" for m, p in MANAGEMENT])
def test_management_needs_a_valid_key(world, world_api, method, path):
    url = world.fill(path)
    for label, key in KEYS.items():
        if key is None:
            header = HEADERS[label].format(key=world.mine.key)
            response = world_api.call(method, url, {"name": "x"}, key="", headers={"Authorization": header})
        else:
            response = world_api.call(method, url, {"name": "x"}, key=key)
        assert_error(response, 401, "unauthorized")
    # A malformed body with a wrong key is still 401: authentication comes first.
    assert_error(world_api.call(method, url, raw=MALFORMED, key=WRONG_KEY), 401, "unauthorized")
