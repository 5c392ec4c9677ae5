"""schemathesis against gunicorn serving the real app on the PostgreSQL test database, driven by
the OpenAPI document: no 500, no answer that breaks its documented status, type or schema.

Bounded for CI (a fixed seed, a few examples per operation). Path, query and body ids are drawn
mostly from a practice set up beforehand, so requests reach past "not found" into the operations;
the rest are generated. Rate limits are off so a 429 never hides what is behind it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig

from booking.clock import utcnow
from booking.extensions import db
from tests.calendars.feed_server import FeedServer, Route, ics
from tests.conftest import build_app
from tests.support.databases import create_database, drop_database
from tests.support.factories import Api, booking_body, setup_practice
from tests.support.openapi import DOCUMENT
from tests.support.servers import Gunicorn

pytestmark = pytest.mark.slow
# Per operation: CI's run stays under three minutes on two cores. A deeper look, by hand:
# FUZZ_EXAMPLES=200 FUZZ_SEED=7 .venv/bin/python -m pytest tests/api/test_fuzz.py
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("FUZZ_SEED", "20261125"))


@dataclass
class Seeded:
    """What the fuzzer aims at: one practice with one of everything, and spares it may delete."""

    key: str
    values: dict[str, list]  # dictionary name -> values
    spares: dict[str, int]  # path parameter -> the id that the deleting operation of that item gets


def _seed(api: Api, feeds: FeedServer) -> Seeded:
    practice = setup_practice(api, staff=2)
    staff, other = practice.staff_ids
    slug, service = practice.slug, practice.service_id
    today = utcnow().date()
    first, last = today + timedelta(days=1), today + timedelta(days=14)
    slots = api.json("GET", f"/api/v1/public/{slug}/availability?service={service}&from={first}&to={last}",
                     key="")["slots"]
    starts, ends = [slot["start"] for slot in slots], [slot["end"] for slot in slots]
    online = api.json("POST", f"/api/v1/public/{slug}/bookings", booking_body(practice, starts[-1]), key="",
                      expect=201)
    by_staff = api.json("POST", "/api/v1/bookings", booking_body(practice, starts[-2], staff_id=other), expect=201)
    busy = online["start"].replace("-", "").replace(":", "")[:15]  # local wall-clock, in the feed's zone below
    feeds.routes["/busy.ics"] = Route(body=ics(f"DTSTART;TZID={practice.timezone}:{busy}\n"
                                               f"DURATION:PT1H"))
    calendar = api.json("POST", f"/api/v1/staff/{online['staff_id']}/calendars", {"url": feeds.url("/busy.ics")},
                        expect=201)
    assert api.json("POST", f"/api/v1/calendars/{calendar['id']}/sync")["status"] == "ok"
    conflict = api.json("GET", "/api/v1/conflicts")["conflicts"][0]
    spare_calendar = api.json("POST", f"/api/v1/staff/{staff}/calendars", {"url": feeds.url("/spare.ics")},
                              expect=201)
    time_off = api.json("POST", f"/api/v1/staff/{staff}/time-off",
                        {"start": f"{last + timedelta(days=30)}T00:00:00Z",
                         "end": f"{last + timedelta(days=31)}T00:00:00Z"}, expect=201)
    spare_staff = api.json("POST", "/api/v1/staff", {"name": "Spare"}, expect=201)["id"]
    spare_service = api.json("POST", "/api/v1/services", {"name": "Spare", "duration_minutes": 20,
                                                          "staff_ids": [spare_staff]}, expect=201)["id"]
    spare_key = api.json("POST", "/api/v1/api-keys", expect=201)["id"]
    return Seeded(
        key=practice.key,
        values={"staff": [staff, other], "service": [service], "booking": [online["id"], by_staff["id"]],
                "calendar": [calendar["id"]], "conflict": [conflict["id"]], "time_off": [time_off["id"]],
                "slug": [slug], "token": [online["manage_token"], by_staff["manage_token"]],
                "day": [str(first), str(last)], "start": starts[:10], "end": ends[1:11],
                "url": [feeds.url("/busy.ics"), feeds.url("/other.ics")]},
        spares={"staff_id": spare_staff, "service_id": spare_service, "calendar_id": spare_calendar["id"],
                "key_id": spare_key})


@pytest.fixture(scope="module")
def fuzz_database():
    """A database of its own, so the practice owns the ids 1, 2, ... that generated cases use most,
    and the run does not depend on what other tests left behind."""
    url = create_database("booking_fuzz")
    migrated = build_app(url)
    with migrated.app_context():
        db.engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def seeded_server(fuzz_database):
    """gunicorn (2 workers, production config, no rate limits) with one practice set up."""
    env = {"ALLOW_PRIVATE_CALENDAR_URLS": "true"}  # the calendar feed below is served on 127.0.0.1
    with FeedServer() as feeds, Gunicorn(fuzz_database, workers=2, extra_env=env) as web:
        session = requests.Session()
        seeded = _seed(Api(session, base=web.url), feeds)
        session.close()
        yield web.url, seeded


def _bind(name: str, probability: float = 0.85) -> dict:
    return {"dictionary": name, "probability": probability}


def _config(base_url: str, seeded: Seeded) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large", "large_base_example"],
        "base-url": base_url,
        "request-timeout": 30,
        "dictionaries": {name: {"values": values} for name, values in seeded.values.items()},
        "auth": {"openapi": {"ApiKey": {"bearer": seeded.key}}},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                       "mode": "all"},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"enabled": False, "not_a_server_error": {"enabled": True},
                   "status_code_conformance": {"enabled": True}, "content_type_conformance": {"enabled": True},
                   "response_schema_conformance": {"enabled": True}},
        "parameters": {
            "path.staff_id": _bind("staff"), "path.service_id": _bind("service"),
            "path.booking_id": _bind("booking"), "path.calendar_id": _bind("calendar"),
            "path.conflict_id": _bind("conflict"), "path.time_off_id": _bind("time_off"),
            "path.slug": _bind("slug", 0.9), "path.token": _bind("token", 0.9), "path.day": _bind("day", 0.5),
            "query.service": _bind("service"), "query.staff": _bind("staff", 0.5),
            "query.staff_id": _bind("staff", 0.5), "query.booking_id": _bind("booking", 0.5),
            "query.from": _bind("day", 0.7), "query.to": _bind("day", 0.7),
            "body.service_id": _bind("service"), "body.staff_id": _bind("staff", 0.5),
            "body.staff_ids[*]": _bind("staff"), "body.start": _bind("start", 0.5), "body.end": _bind("end", 0.5),
            "body.url": _bind("url", 0.5)},
    })


@pytest.fixture(scope="module")
def fuzzed_schema(seeded_server):
    base_url, seeded = seeded_server
    return schemathesis.openapi.from_dict(DOCUMENT, config=_config(base_url, seeded))


@pytest.fixture(scope="module")
def spares(seeded_server) -> dict[str, int]:
    return seeded_server[1].spares


schema = schemathesis.pytest.from_fixture("fuzzed_schema")


@schema.parametrize()
def test_the_api_holds_its_document_under_fuzzing(case, spares):
    # A generated id may be one of the practice's own (ids are small numbers): deleting its staff,
    # service, calendar or the very API key the fuzzer uses would turn the rest of the run into 404s
    # and 401s. The deleting operations therefore always get the spare made for them.
    if case.method == "DELETE" and case.operation.path.endswith(tuple(f"{{{name}}}" for name in spares)):
        name = case.operation.path.rsplit("{", 1)[1].rstrip("}")
        case.path_parameters[name] = spares[name]
    case.call_and_validate()
