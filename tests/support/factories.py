"""Set up businesses through the public API, the way an integration would."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

WEEKDAY_HOURS = {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


class Api:
    """A thin JSON client over a Flask test client or a requests.Session with a base URL."""

    def __init__(self, transport, base: str = "") -> None:
        self.transport, self.base, self.key = transport, base, ""

    def call(self, method: str, path: str, body: Any = None, key: str | None = None,
             raw: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        token = self.key if key is None else key
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers}
        if raw is not None:
            kwargs["data"] = raw
            headers.setdefault("Content-Type", "application/json")
        elif body is not None:
            kwargs["json"] = body
        if isinstance(self.transport, requests.Session):
            return self.transport.request(method, self.base + path, timeout=60, **kwargs)
        return self.transport.open(self.base + path, method=method, **kwargs)

    def json(self, method: str, path: str, body: Any = None, expect: int | tuple = 200, **kw) -> Any:
        response = self.call(method, path, body, **kw)
        status = getattr(response, "status_code", None)
        wanted = expect if isinstance(expect, tuple) else (expect,)
        payload = response.json() if isinstance(response, requests.Response) else response.get_json()
        assert status in wanted, f"{method} {path} -> {status} {payload}"
        return payload


@dataclass
class Practice:
    """A signed-up business with staff and a service, as returned by `setup_practice`."""

    slug: str
    key: str
    timezone: str
    staff_ids: list[int] = field(default_factory=list)
    service_id: int = 0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sign_up(api: Api, timezone: str = "Europe/Berlin", **policies: Any) -> Practice:
    slug = unique("practice")
    body = api.json("POST", "/api/v1/signup", {
        "business_name": f"Practice {slug}", "slug": slug, "timezone": timezone,
        "owner_name": "Owner", "owner_email": f"owner@{slug}.test", "owner_password": "correct horse battery"},
        expect=201, key="")
    api.key = body["api_key"]
    settings = {"min_notice_minutes": 0, "max_advance_days": 3000, "cancellation_cutoff_hours": 24}
    settings.update(policies)
    api.json("PATCH", "/api/v1/business", settings)
    return Practice(slug=slug, key=body["api_key"], timezone=timezone)


def setup_practice(api: Api, timezone: str = "Europe/Berlin", staff: int = 1, hours: dict | None = None,
                   service: dict | None = None, **policies: Any) -> Practice:
    """A business with `staff` members working `hours` and one service they all offer."""
    practice = sign_up(api, timezone, **policies)
    for n in range(staff):
        member = api.json("POST", "/api/v1/staff", {"name": f"Staff {n + 1}"}, expect=201)
        api.json("PUT", f"/api/v1/staff/{member['id']}/hours", hours or WEEKDAY_HOURS)
        practice.staff_ids.append(member["id"])
    spec = {"name": "Consultation", "duration_minutes": 30}
    spec.update(service or {})
    spec["staff_ids"] = practice.staff_ids
    practice.service_id = api.json("POST", "/api/v1/services", spec, expect=201)["id"]
    return practice


def booking_body(practice: Practice, start: str, staff_id: int | None = None, email: str | None = None,
                 **extra: Any) -> dict:
    body = {"service_id": practice.service_id, "staff_id": staff_id, "start": start,
            "customer": {"name": "Kim Customer", "email": email or f"{unique('kim')}@example.test"}}
    body.update(extra)
    return body
