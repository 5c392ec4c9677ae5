"""Walk every /api/v1 route of the URL map with garbage: never a 500, always a JSON error body."""
from __future__ import annotations

import re

import pytest

from booking import create_app
from tests.api.conftest import WRONG_KEY, assert_error
from tests.conftest import TEST_CONFIG

GARBAGE_QUERY = "?from=x&to=2027-13-45&service=%FF&staff=-1&tz=..%2Fetc&status=%00&staff_id=1e3"
BODIES = [b'{"name": "x",', b"[1, 2]", b"null", b'"text"', b'{"start": {"$gt": ""}, "staff_ids": [null],'
          b' "hours": {"mon": 1}, "name": ["x"], "customer": [], "status": 7}', b"\x00\x01"]
PUBLIC = ("/api/v1/signup", "/api/v1/public/", "/api/v1/manage/")
DOCUMENT = "/api/v1/openapi.json"  # the OpenAPI document: public, no input, always there


def _routes():
    # Built from a throw-away app so the parameters are known at collection time (no database needed).
    app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI="sqlite://"))
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


ROUTES = sorted(_routes())


def _garbage_path(rule: str, number: str = "999999") -> str:
    """<int:x> -> an id nobody has, <slug>/<token>/<day> -> nonsense."""
    path = re.sub(r"<int:[^>]+>", number, rule)
    return re.sub(r"<[^>]+>", "no-such-thing", path)


def test_the_walk_covers_the_whole_api():
    assert len(ROUTES) >= 31
    assert ("PATCH", "/api/v1/bookings/<int:booking_id>") in ROUTES


@pytest.mark.parametrize("method,rule", ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_garbage_never_gets_a_500(world, world_api, method, rule):
    public = rule.startswith(PUBLIC)
    for number in ("999999", "99999999999999999999", "0"):
        path = _garbage_path(rule, number)
        for key in ("", WRONG_KEY):
            response = world_api.call(method, path + GARBAGE_QUERY, raw=BODIES[0], key=key)
            if rule == DOCUMENT:
                assert response.status_code == 200 and response.is_json
            elif public:
                assert_error(response, 400 if rule.endswith("signup") else 404)
            else:
                assert_error(response, 401, "unauthorized")
        for body in BODIES:
            response = world_api.call(method, path + GARBAGE_QUERY, raw=body)
            assert response.status_code != 500, (method, path, body, response.get_json())
            assert response.is_json, (method, path, body, response.data[:200])
            if response.status_code >= 400:
                assert_error(response, response.status_code)


def test_unknown_routes_and_methods_answer_json(world_api):
    assert_error(world_api.call("GET", "/api/v1/no-such-endpoint"), 404, "not_found")
    assert_error(world_api.call("DELETE", "/api/v1/business"), 405, "method_not_allowed")
    assert_error(world_api.call("PUT", "/api/v1/public/anything", key=""), 405, "method_not_allowed")
