"""Security headers on every kind of answer (booking.web.security), and the templates and
scripts that let the Content-Security-Policy hold without 'unsafe-inline' for scripts."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.factories import booking_body

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# The calendar grid places its blocks with computed positions: the only style attributes.
STYLE_ATTRIBUTE_TEMPLATES = {"staff/_calendar_macros.html", "staff/_calendar_day_head.html",
                             "staff/calendar_day.html"}


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice"
        directives[name] = sources
    return directives


def fetch(client, path: str):
    """GET `path`, closing the answer (a static file's stays open otherwise)."""
    response = client.get(path)
    response.close()
    return response


@pytest.fixture
def paths(api, owner, practice):
    """One address of every kind: public, manage, workspace, login, feed, API, static, error."""
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                      booking_body(practice, "2027-02-10T09:00:00+01:00"), expect=201, key="")
    feed = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    token = booked["manage_token"]
    return {"public": f"/b/{practice.slug}", "calendar": f"/b/{practice.slug}/calendar?service={practice.service_id}",
            "booked": f"/m/{token}/booked", "manage": f"/m/{token}", "cancel": f"/m/{token}/cancel",
            "manage_api": f"/api/v1/manage/{token}", "workspace": "/app/", "week": "/app/calendar/week",
            "login": "/login", "feed": feed, "api": "/api/v1/openapi.json", "static": "/static/app.css",
            "missing": "/no-such-page", "set_password": "/set-password/not-a-token"}


def test_every_answer_carries_the_headers(owner, paths):
    for kind, path in paths.items():
        response = fetch(owner, path)
        assert response.status_code in (200, 404), (kind, response.status_code)
        policy = csp(response)
        assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"], kind
        assert policy["style-src"] == ["'self'"] and policy["style-src-attr"] == ["'unsafe-inline'"], kind
        assert policy["img-src"] == ["'self'", "data:"] and policy["object-src"] == ["'none'"], kind
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"], kind
        assert policy["frame-ancestors"] == ["'none'"] and response.headers["X-Frame-Options"] == "DENY", kind
        unsafe = [d for d, sources in policy.items() if {"'unsafe-inline'", "'unsafe-eval'"} & set(sources)]
        assert unsafe == ["style-src-attr"], kind
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def test_addresses_with_a_secret_send_no_referrer(owner, paths):
    secret = {"booked", "manage", "cancel", "manage_api", "feed", "set_password"}
    for kind, path in paths.items():
        expected = "no-referrer" if kind in secret else "strict-origin-when-cross-origin"
        assert fetch(owner, path).headers["Referrer-Policy"] == expected, kind


def test_templates_have_no_inline_script_or_handler_attributes():
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES).as_posix()
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
            assert re.search(r"\ssrc=", tag), f"{name}: inline script {tag}"
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, flags=re.I), f"{name}: on*= handler"
        assert "javascript:" not in html.lower(), name
        assert "<style" not in html.lower(), f"{name}: <style> block (style-src 'self' refuses it)"
        if re.search(r"\sstyle=", html):
            assert name in STYLE_ATTRIBUTE_TEMPLATES, f"{name}: style attribute outside the calendar grid"


def test_scripts_need_no_eval():
    for path in (ROOT / "static").glob("*.js"):
        source = path.read_text(encoding="utf-8")
        for forbidden in ("eval(", "new Function(", "setTimeout(\"", "setInterval(\"", ".innerHTML"):
            assert forbidden not in source, f"{path.name}: {forbidden}"
