"""The owner's business settings page: every setting PATCH /api/v1/business takes, saved through
the same validation as the API (and seen there), bad input kept and explained next to its field,
staff accounts refused."""
from __future__ import annotations

import re

import pytest

from booking.web.api.business import POLICY_BOUNDS
from tests.conftest import FROZEN_NOW
from tests.support.workspace import form_token, log_in_new_staff

PAGE = "/app/settings/business"


def business_form(page_html: str, **overrides: str) -> dict[str, str]:
    """A complete, valid post of the form (as a browser sends it), with `overrides`."""
    data = {"csrf_token": form_token(page_html), "name": "Praxis Süd", "timezone": "America/New_York",
            "locale": "es", "min_notice_minutes": "120", "max_advance_days": "30",
            "cancellation_cutoff_hours": "12", "reminders-0-amount": "2", "reminders-0-unit": "days",
            "reminders-1-amount": "3", "reminders-1-unit": "hours", "reminders-2-amount": "45",
            "reminders-2-unit": "minutes", "delay_notice_threshold_minutes": "15", "quiet_hours_start": "22:30",
            "quiet_hours_end": "07:15", "feedback_requests": "y", "retention_months": "36"}
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option selected value="([^"]*)"', select).group(1)


def test_the_page_shows_the_current_settings(owner, api):
    api.json("PATCH", "/api/v1/business", {"reminder_offsets_minutes": [1440, 90], "quiet_hours_start": "20:00",
                                           "feedback_requests": True})
    response = owner.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Business and policies" in html
    assert input_value(html, "timezone") == "Europe/Berlin" and input_value(html, "max_advance_days") == "3000"
    assert input_value(html, "reminders-0-amount") == "1" and selected(html, "reminders-0-unit") == "days"
    assert input_value(html, "reminders-1-amount") == "90"
    assert input_value(html, "reminders-2-amount") in ("", None)  # a free row for one more reminder
    assert input_value(html, "quiet_hours_start") == "20:00" and input_value(html, "quiet_hours_end") == "08:00"
    assert input_value(html, "retention_months") == "24"  # the default
    assert re.search(r'<input[^>]*checked[^>]*name="feedback_requests"|<input[^>]*name="feedback_requests"[^>]*checked',
                     html)
    assert '<option value="Europe/Berlin">' in html and '<datalist id="zone-list">' in html


def test_saving_every_field_shows_in_the_api(owner, api):
    page = owner.get(PAGE).get_data(as_text=True)
    response = owner.post(PAGE, data=business_form(page))
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    assert api.json("GET", "/api/v1/business") == dict(
        api.json("GET", "/api/v1/business"), name="Praxis Süd", timezone="America/New_York", locale="es",
        min_notice_minutes=120, max_advance_days=30, cancellation_cutoff_hours=12,
        reminder_offsets_minutes=[2880, 180, 45], delay_notice_threshold_minutes=15, quiet_hours_start="22:30",
        quiet_hours_end="07:15", feedback_requests=True, retention_months=36)
    after = owner.get(PAGE).get_data(as_text=True)
    assert '<html lang="es">' in after  # the workspace now speaks the business's language
    assert input_value(after, "name") == "Praxis Süd" and input_value(after, "reminders-3-amount") in ("", None)


def test_unticking_and_emptying_switches_things_off(owner, api):
    page = owner.get(PAGE).get_data(as_text=True)
    form = business_form(page, feedback_requests=None, **{f"reminders-{n}-amount": "" for n in range(3)})
    assert owner.post(PAGE, data=form).status_code == 303
    business = api.json("GET", "/api/v1/business")
    assert business["reminder_offsets_minutes"] == [] and business["feedback_requests"] is False


def test_duplicate_reminders_are_kept_once_like_the_api_does(owner, api):
    page = owner.get(PAGE).get_data(as_text=True)
    form = business_form(page, **{"reminders-0-amount": "1", "reminders-0-unit": "days", "reminders-1-amount": "24",
                                  "reminders-1-unit": "hours", "reminders-2-amount": ""})
    assert owner.post(PAGE, data=form).status_code == 303
    assert api.json("GET", "/api/v1/business")["reminder_offsets_minutes"] == [1440]


def test_invalid_input_keeps_what_was_typed_and_says_what_is_wrong_at_each_field(owner, api):
    before = api.json("GET", "/api/v1/business")
    page = owner.get(PAGE).get_data(as_text=True)
    bad = {"name": "  ", "timezone": "Europe/Berln", "min_notice_minutes": "abc", "max_advance_days": "0",
           "cancellation_cutoff_hours": "-3", "reminders-1-amount": "31", "reminders-1-unit": "days",
           "delay_notice_threshold_minutes": "", "quiet_hours_start": "25:00", "locale": "xx",
           "retention_months": "two years"}
    response = owner.post(PAGE, data=business_form(page, **bad))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("name", "timezone", "min_notice_minutes", "max_advance_days", "cancellation_cutoff_hours",
                  "reminders-1-amount", "delay_notice_threshold_minutes", "quiet_hours_start", "locale",
                  "retention_months"):
        assert f'id="{field}-error"' in html, field
        tag = re.search(rf'<(?:input|select)[^>]*name="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag and f"{field}-error" in tag, tag
    assert input_value(html, "timezone") == "Europe/Berln" and input_value(html, "min_notice_minutes") == "abc"
    assert input_value(html, "cancellation_cutoff_hours") == "-3" and input_value(html, "quiet_hours_start") == "25:00"
    assert input_value(html, "retention_months") == "two years"
    assert input_value(html, "reminders-1-amount") == "31" and input_value(html, "reminders-0-amount") == "2"
    assert input_value(html, "quiet_hours_end") == "07:15"  # the valid fields keep their new values too
    assert "Please choose a time zone from the list" in html and "Please enter a whole number" in html
    low, high = POLICY_BOUNDS["max_advance_days"]
    assert f"Please enter a number from {low} to {high}." in html
    assert "A reminder can go from 1 minute to 30 days before the appointment." in html
    assert 'class="error-summary"' in html and 'href="#timezone"' in html
    assert api.json("GET", "/api/v1/business") == before


@pytest.mark.parametrize("name, value", [("min_notice_minutes", str(POLICY_BOUNDS["min_notice_minutes"][1] + 1)),
                                         ("delay_notice_threshold_minutes", "0"),
                                         ("max_advance_days", "99999999999999"),
                                         ("retention_months", "5"), ("retention_months", "121"),
                                         ("quiet_hours_end", "7:15"),
                                         ("name", "x" * 201)])
def test_the_forms_bounds_are_the_apis(owner, api, name, value):
    page = owner.get(PAGE).get_data(as_text=True)
    assert owner.post(PAGE, data=business_form(page, **{name: value})).status_code == 422
    assert api.json("PATCH", "/api/v1/business", {name: int(value) if value.isdigit() else value},
                    expect=422)["fields"].keys() == {name}


def test_a_post_without_the_csrf_token_is_refused(owner, api):
    page = owner.get(PAGE).get_data(as_text=True)
    response = owner.post(PAGE, data=business_form(page, csrf_token="forged"))
    assert response.status_code in (400, 422)
    assert api.json("GET", "/api/v1/business")["name"] != "Praxis Süd"


@pytest.mark.parametrize("method, path", [("GET", "/app/settings"), ("GET", PAGE), ("POST", PAGE)])
def test_staff_accounts_get_403(app, client, practice, api, method, path):
    log_in_new_staff(client, app, practice, FROZEN_NOW)
    token = form_token(client.get("/app/calendars").get_data(as_text=True))
    page = f'<input name="csrf_token" value="{token}">'
    response = client.open(path, method=method, data=business_form(page) if method == "POST" else None)
    assert response.status_code == 403
    assert api.json("GET", "/api/v1/business")["name"] != "Praxis Süd"
    assert 'href="/app/settings"' not in client.get("/app/calendars").get_data(as_text=True)


def test_the_settings_index_links_every_settings_page(owner):
    response = owner.get("/app/settings")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<a href="/app/settings" aria-current="page">' in html
    for path in (PAGE, "/app/settings/staff", "/app/settings/services", "/app/settings/users",
                 "/app/settings/api-keys"):
        assert f'href="{path}"' in html, path
