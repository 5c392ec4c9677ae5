"""CSRF: every state-changing address outside the JSON API refuses a post without its token, every
form carries one, other sites' pages cannot post here at all, and the API's exemption is deliberate."""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from flask import url_for
from sqlalchemy import select

from booking.extensions import csrf
from booking.models import Booking, User
from booking.operations.accounts import set_password_token
from tests.support.db_access import database
from tests.support.factories import booking_body
from tests.support.workspace import form_token
from tests.web.test_public_pages import FormReader, page

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED = "The form expired or was sent twice"
# The JSON API calls that need no key: public booking and sign-up (anyone may), and the manage calls
# whose address holds the booking's secret. No cookie adds anything to them, so no token is needed.
API_WITHOUT_KEY = {"api.public.book", "api.manage.cancel", "api.manage.reschedule", "api.signup.signup"}


@dataclass
class World:
    """Real rows to put into every kind of address."""

    args: dict[str, object]
    manage_token: str


@pytest.fixture
def world(app, api, practice, frozen_now) -> World:
    booked = api.json("POST", f"/api/v1/public/{practice.slug}/bookings",
                      booking_body(practice, "2027-02-10T09:00:00+01:00"), expect=201, key="")
    with database(app) as session:
        customer_id = session.get(Booking, booked["id"]).customer_id
        owner = session.scalar(select(User).where(User.email == f"owner@{practice.slug}.test"))
        password_link = set_password_token(owner, frozen_now)
    args = {"slug": practice.slug, "token": booked["manage_token"], "staff_id": practice.staff_ids[0],
            "service_id": practice.service_id, "booking_id": booked["id"], "customer_id": customer_id,
            "day": "2027-02-10", "action": "keep", "password_link": password_link}
    return World(args=args, manage_token=booked["manage_token"])


def addresses(app, world: World, methods: set[str], api: bool = False) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every rule with one of `methods`, inside or outside /api/."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or rule.rule.startswith("/api/") != api:
                continue
            values = {name: world.args.get(name, 1) for name in rule.arguments}
            if rule.endpoint == "auth.set_password":
                values["token"] = world.args["password_link"]
            url = url_for(rule.endpoint, **values)
            found += [(rule.endpoint, method, url) for method in sorted(rule.methods & methods)]
    return found


def test_every_form_address_refuses_a_post_without_its_token(app, owner, world):
    refused = []
    for endpoint, method, url in addresses(app, world, UNSAFE):
        response = owner.open(url, method=method, data={"name": "x"})
        assert response.status_code == 400, (endpoint, method, url, response.status_code)
        assert EXPIRED in response.get_data(as_text=True), endpoint
        refused.append(endpoint)
    assert len(refused) >= 40 and {"auth.logout", "public_page.book", "manage_page.cancel"} <= set(refused)
    assert owner.get("/app/").status_code == 200  # the refused logout left the owner logged in


def test_with_its_token_the_same_post_passes(owner, practice):
    token = form_token(page(owner, "/app/"))
    delay = owner.post(f"/app/staff/{practice.staff_ids[0]}/delay", data={"csrf_token": token, "minutes": "10"})
    assert delay.status_code in (302, 303)
    assert owner.post("/logout", data={"csrf_token": token}).status_code == 302
    assert owner.get("/app/").status_code == 302


class PostForms(HTMLParser):
    """Every <form method="post"> of a page, with the csrf_token value it carries ("" if none)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._open = {"action": a.get("action") or "", "csrf_token": ""}
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and a.get("name") == "csrf_token":
            self._open["csrf_token"] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def test_every_rendered_post_form_carries_a_token(app, owner, world):
    start = "start=2027-02-11T09:00:00%2B01:00&tz=Europe/Berlin"
    slug, token, service = world.args["slug"], world.manage_token, world.args["service_id"]
    pages = [url for endpoint, _, url in addresses(app, world, {"GET"}) if not endpoint.startswith(("feeds.", "health."))]
    pages += [f"/b/{slug}/book?service={service}&staff=any&{start}", f"/m/{token}/reschedule/confirm?{start}"]
    forms = []
    for url in pages:
        response = owner.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            forms += [(url, form) for form in PostForms(response.get_data(as_text=True)).forms]
    missing = [(url, form["action"]) for url, form in forms if not form["csrf_token"]]
    assert not missing
    actions = {form["action"].split("?")[0] for _, form in forms}
    assert len(actions) >= 25 and {f"/b/{slug}/book", f"/m/{token}/reschedule", "/logout", ""} <= actions


def test_every_post_form_in_the_templates_has_a_token_field():
    from tests.web.test_security_headers import TEMPLATES

    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for chunk in html.split("<form")[1:]:
            opening, _, rest = chunk.partition(">")
            if 'method="post"' in opening.lower():
                body = rest.split("</form>")[0]
                assert "csrf_token" in body or "hidden_tag()" in body, f"{path.name}: <form{opening}>"


def test_the_api_is_exempt_on_purpose_and_a_session_is_no_api_credential(app, owner, world):
    api_blueprints = {bp for name, bp in app.blueprints.items() if name.startswith("api.")}
    assert api_blueprints and api_blueprints <= csrf._exempt_blueprints  # booking/web/api/__init__.py
    for endpoint, method, url in addresses(app, world, UNSAFE, api=True):
        status = owner.open(url, method=method, json={}).status_code  # the owner's session cookie, no key
        assert (status != 401) == (endpoint in API_WITHOUT_KEY), (endpoint, status)


def test_a_post_from_another_site_is_refused_even_with_a_token(client, practice):
    token = form_token(page(client, "/login"))
    login = {"email": f"owner@{practice.slug}.test", "password": "correct horse battery", "csrf_token": token}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "https://evil.example"}, {"Origin": "http://localhost.evil.example"}):
        refused = client.post("/login", data=login, headers=headers)
        assert refused.status_code == 400 and EXPIRED in refused.get_data(as_text=True), headers
    assert client.get("/app/").status_code == 302  # not logged in
    for headers in ({"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}, {"Origin": "null"}, {}):
        assert client.post("/login", data=login, headers=headers).status_code == 302, headers
        client.post("/logout", data={"csrf_token": form_token(page(client, "/app/"))})


def test_the_booking_form_from_another_site_is_refused(app, client, practice):
    form = dict(FormReader(page(client, f"/b/{practice.slug}/book?service={practice.service_id}&staff=any"
                                        "&tz=Europe/Berlin&start=2027-02-10T09:00:00%2B01:00")).values,
                name="Kim", email="kim@example.test")
    assert client.post(f"/b/{practice.slug}/book", data=form, headers={"Sec-Fetch-Site": "cross-site"}
                       ).status_code == 400
    assert client.post(f"/b/{practice.slug}/book", data=form, headers={"Sec-Fetch-Site": "same-origin"}
                       ).status_code == 303


def test_one_click_unsubscribe_and_the_api_take_posts_from_anywhere(client, api, practice, world):
    one_click = client.post(f"/m/{world.manage_token}/unsubscribe", data={"List-Unsubscribe": "One-Click"},
                            headers={"Sec-Fetch-Site": "cross-site"})
    assert one_click.status_code == 200
    api.json("POST", f"/api/v1/public/{practice.slug}/bookings", booking_body(practice, "2027-02-11T09:00:00+01:00"),
             expect=201, key="", headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://partner.example"})


def test_https_forms_post_without_a_referer(client, world):
    """Manage pages send no Referer (their address is a secret): over HTTPS their forms must still work,
    so Flask-WTF's Referer check (WTF_CSRF_SSL_STRICT) is off and Sec-Fetch-Site/Origin does its job."""
    https = "https://localhost"
    cancel_page = client.get(f"/m/{world.manage_token}/cancel", base_url=https)
    assert cancel_page.headers["Referrer-Policy"] == "no-referrer"
    form = FormReader(cancel_page.get_data(as_text=True)).values
    cancelled = client.post(f"/m/{world.manage_token}/cancel", data=form, base_url=https,
                            headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"})
    assert cancelled.status_code == 303 and "Referer" not in cancelled.request.headers
