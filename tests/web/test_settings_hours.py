"""The owner's schedule editor: weekly hours with several ranges per day (the API's rules, read back
through GET /api/v1/staff/<id> and seen in the public availability), row errors with the input
kept, adding and removing rows without JavaScript, date overrides, and time off entered as
wall-clock times (SPEC: fold=0, a time in the spring-forward gap takes the offset before it).
The clock is Monday 2027-02-01 08:00 in Berlin."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from booking.models import TimeOff
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import setup_practice
from tests.support.workspace import form_token, log_in_new_staff

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def page(practice):
    return f"/app/settings/staff/{practice.staff_ids[0]}/hours"


def hours_form(html: str, **days: list[tuple[str, str]]) -> dict[str, str]:
    """The weekly form as a browser posts it: every day's rows, an empty one where none is given."""
    data = {"csrf_token": form_token(html), "save": "1"}
    for day in DAYS:
        rows = days.get(day) or [("", "")]
        data[f"{day}-rows"] = str(len(rows))
        for n, (start, end) in enumerate(rows):
            data[f"{day}-{n}-start"], data[f"{day}-{n}-end"] = start, end
    return data


def row_html(html: str, row: str) -> str:
    return re.search(rf'<li class="range-row[^"]*" data-row="{row}">(.*?)</li>', html, re.S).group(1)


def value_of(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def slots(api, practice, day: str, tz: str = "Europe/Berlin") -> list[str]:
    """The public page's free starts on `day`, as local "HH:MM"."""
    query = f"service={practice.service_id}&staff=any&from={day}&to={day}&tz={tz}"
    found = api.json("GET", f"/api/v1/public/{practice.slug}/availability?{query}", key="")["slots"]
    return [slot["start"][11:16] for slot in found]


def test_the_editor_shows_the_stored_ranges_in_the_staff_members_zone(owner, page):
    response = owner.get(page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Working hours of Staff 1" in html
    assert "wall-clock times in Europe/Berlin" in html
    assert value_of(html, "mon-0-start") == "09:00" and value_of(html, "mon-0-end") == "12:00"
    assert value_of(html, "mon-1-start") == "13:00" and value_of(html, "mon-1-end") == "17:00"
    assert value_of(html, "mon-2-start") == "" and value_of(html, "sat-0-start") == ""
    assert value_of(html, "mon-rows") == "3" and value_of(html, "sat-rows") == "1"
    assert '<label for="mon-0-start">' in html and '<label for="sat-0-end">' in html
    assert 'href="/app/settings"' in html


def test_several_ranges_per_day_are_saved_as_the_api_stores_them(owner, api, practice, page):
    html = owner.get(page).get_data(as_text=True)
    data = hours_form(html, mon=[("14:00", "18:00"), ("8:00", "11:00"), ("", "")], sat=[("10:00", "14:00")],
                      sun=[("20:00", "24:00")], wed=[("09:00", "12:00"), ("12:00", "13:00")])
    response = owner.post(page, data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith(page)
    stored = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")["hours"]
    assert stored == {"mon": [["08:00", "11:00"], ["14:00", "18:00"]], "tue": [], "wed": [["09:00", "12:00"],
                      ["12:00", "13:00"]], "thu": [], "fri": [], "sat": [["10:00", "14:00"]],
                      "sun": [["20:00", "24:00"]]}
    assert "The working hours of Staff 1 were saved." in owner.get(page).get_data(as_text=True)
    # The public page offers exactly the new times (30-minute service, every 30 minutes).
    assert slots(api, practice, "2027-02-06") == ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00",
                                                  "13:30"]
    monday = slots(api, practice, "2027-02-08")
    assert monday[:2] == ["08:00", "08:30"] and "09:00" not in monday[6:] and "11:00" not in monday
    assert monday[-1] == "17:30" and len(monday) == 6 + 8
    assert slots(api, practice, "2027-02-07")[-1] == "23:30"  # 24:00 is the end of the day
    assert slots(api, practice, "2027-02-09") == []  # Tuesday is closed now


@pytest.mark.parametrize("rows, row, message, bad", [
    ([("09:00", "12:00"), ("11:00", "13:00")], "mon-1", "overlaps another range", ("start", "end")),
    ([("12:00", "09:00")], "mon-0", "The end must be after the start.", ("end",)),
    ([("09:00", "09:00")], "mon-0", "The end must be after the start.", ("end",)),
    ([("9h", "12:00")], "mon-0", "Enter times like 09:00", ("start",)),
    ([("09:00", "24:30")], "mon-0", "Enter times like 09:00", ("end",)),
    ([("24:00", "24:00")], "mon-0", "The end must be after the start.", ("end",)),
    ([("09:00", "")], "mon-0", "Enter both a start and an end time", ("end",)),
])
def test_an_invalid_range_is_refused_next_to_its_row_and_kept(owner, api, practice, page, rows, row, message, bad):
    html = owner.get(page).get_data(as_text=True)
    response = owner.post(page, data=hours_form(html, mon=rows, sat=[("10:00", "14:00")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    offending = row_html(html, row)
    assert message in offending
    for side in ("start", "end"):
        tag = re.search(rf'<input[^>]*id="{row}-{side}"[^>]*>', offending).group(0)
        assert f'aria-describedby="{row}-error"' in tag
        assert ('aria-invalid="true"' in tag) == (side in bad)
    assert f'href="#{row}-{bad[0]}"' in html  # the summary at the top leads to the input
    for n, (start, end) in enumerate(rows):  # everything typed is still there, other days too
        assert value_of(html, f"mon-{n}-start") == start and value_of(html, f"mon-{n}-end") == end
    assert value_of(html, "sat-0-start") == "10:00"
    stored = api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")["hours"]
    assert stored["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]] and stored["sat"] == []


def test_rows_are_added_and_removed_without_javascript_and_without_saving(owner, api, practice, page):
    html = owner.get(page).get_data(as_text=True)
    data = hours_form(html, sat=[("10:00", "14:00")], mon=[("09:00", "12:00"), ("13:00", "17:00")])
    data.pop("save")
    added = owner.post(page, data=dict(data, add_row="sat")).get_data(as_text=True)
    assert value_of(added, "sat-rows") == "2" and value_of(added, "sat-0-start") == "10:00"
    assert value_of(added, "sat-1-start") == "" and "Not saved yet" in added
    removed = owner.post(page, data=dict(data, remove_row="mon-0")).get_data(as_text=True)
    assert value_of(removed, "mon-rows") == "1" and value_of(removed, "mon-0-start") == "13:00"
    assert api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")["hours"]["sat"] == []


def override_form(html: str, day: str, closed: str = "hours", rows=(("", ""),)) -> dict[str, str]:
    data = {"csrf_token": form_token(html), "day": day, "closed": closed, "override-rows": str(len(rows))}
    for n, (start, end) in enumerate(rows):
        data[f"override-{n}-start"], data[f"override-{n}-end"] = start, end
    return data


def test_a_date_override_replaces_the_weekly_hours_and_can_be_removed(owner, api, practice, page):
    html = owner.get(page).get_data(as_text=True)
    response = owner.post(f"{page.removesuffix('/hours')}/overrides",
                          data=override_form(html, "2027-02-03", rows=[("15:00", "16:00"), ("07:00", "08:00")]))
    assert response.status_code == 303
    assert slots(api, practice, "2027-02-03") == ["07:00", "07:30", "15:00", "15:30"]
    html = owner.get(page).get_data(as_text=True)
    listed = re.search(r'<li data-override="2027-02-03">(.*?)</li>', html, re.S).group(1)
    assert "Wednesday, February 3, 2027" in listed and "07:00–08:00, 15:00–16:00" in listed
    # The same date again replaces it; "closed" empties the day.
    owner.post(f"{page.removesuffix('/hours')}/overrides", data=override_form(html, "2027-02-03", "closed"))
    assert slots(api, practice, "2027-02-03") == []
    html = owner.get(page).get_data(as_text=True)
    assert html.count('data-override="2027-02-03"') == 1
    assert "closed" in re.search(r'<li data-override="2027-02-03">(.*?)</li>', html, re.S).group(1)
    response = owner.post(f"{page.removesuffix('/hours')}/overrides/2027-02-03/delete",
                          data={"csrf_token": form_token(html)})
    assert response.status_code == 303
    assert len(slots(api, practice, "2027-02-03")) == 14
    assert 'data-override="2027-02-03"' not in owner.get(page).get_data(as_text=True)


@pytest.mark.parametrize("day, closed, rows, field, message", [
    ("2027-02-03", "hours", [("15:00", "16:00"), ("15:30", "17:00")], "override-1", "overlaps another range"),
    ("2027-02-03", "hours", [("", "")], "closed", "Enter at least one time range"),
    ("03.02.2027", "hours", [("15:00", "16:00")], "day", "Enter a date such as"),
    ("2027-01-31", "closed", [("", "")], "day", "Choose today or a later date."),
])
def test_an_invalid_override_is_explained_and_kept(owner, api, practice, page, day, closed, rows, field, message):
    html = owner.get(page).get_data(as_text=True)
    response = owner.post(f"{page.removesuffix('/hours')}/overrides", data=override_form(html, day, closed, rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    where = row_html(html, field) if field.startswith("override") else \
        re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html).group(1)
    assert message in where
    assert value_of(html, "day") == day and value_of(html, "override-0-start") == rows[0][0]
    assert len(slots(api, practice, "2027-02-03")) == 14


def time_off_form(html: str, start: str, end: str, reason: str = "") -> dict[str, str]:
    return {"csrf_token": form_token(html), "start_local": start, "end_local": end, "reason": reason}


def stored_time_off(app, staff_id: int) -> list[tuple[datetime, datetime, str | None]]:
    with database(app) as session:
        return [(row.start_utc, row.end_utc, row.reason) for row in
                session.scalars(select(TimeOff).where(TimeOff.staff_id == staff_id).order_by(TimeOff.start_utc))]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_time_off_blocks_the_public_times_and_can_be_removed(owner, api, app, practice, page):
    html = owner.get(page).get_data(as_text=True)
    response = owner.post(f"{page.removesuffix('/hours')}/time-off",
                          data=time_off_form(html, "2027-02-03T09:00", "2027-02-03T11:00", "Dentist"))
    assert response.status_code == 303
    assert stored_time_off(app, practice.staff_ids[0]) == [(utc("2027-02-03T08:00"), utc("2027-02-03T10:00"),
                                                            "Dentist")]
    assert slots(api, practice, "2027-02-03")[0] == "11:00"
    html = owner.get(page).get_data(as_text=True)
    entry = re.search(r'<li data-time-off="(\d+)">(.*?)</li>', html, re.S)
    assert "Wed, Feb 3, 9:00\u202fAM – Wed, Feb 3, 11:00\u202fAM" in entry.group(2) and "Dentist" in entry.group(2)
    response = owner.post(f"{page.removesuffix('/hours')}/time-off/{entry.group(1)}/delete",
                          data={"csrf_token": form_token(html)})
    assert response.status_code == 303
    assert stored_time_off(app, practice.staff_ids[0]) == []
    assert slots(api, practice, "2027-02-03")[0] == "09:00"


@pytest.mark.parametrize("start, end, start_utc, end_utc", [
    # Spring forward: 02:30 does not exist; it takes the offset before the change (+01:00).
    ("2027-03-28T02:30", "2027-03-28T05:00", "2027-03-28T01:30", "2027-03-28T03:00"),
    # Fall back: 02:30 happens twice; the first one (+02:00) is meant.
    ("2027-10-31T02:30", "2027-10-31T03:30", "2027-10-31T00:30", "2027-10-31T02:30"),
])
def test_time_off_wall_clock_times_follow_the_spec_on_daylight_saving_days(owner, app, practice, page, start, end,
                                                                          start_utc, end_utc):
    html = owner.get(page).get_data(as_text=True)
    response = owner.post(f"{page.removesuffix('/hours')}/time-off", data=time_off_form(html, start, end))
    assert response.status_code == 303
    assert stored_time_off(app, practice.staff_ids[0]) == [(utc(start_utc), utc(end_utc), None)]


def test_time_off_in_the_staff_members_own_zone(owner, api, app, practice, page):
    api.json("PATCH", f"/api/v1/staff/{practice.staff_ids[0]}", {"timezone": "America/New_York"})
    html = owner.get(page).get_data(as_text=True)
    assert "wall-clock times in America/New York" in html
    owner.post(f"{page.removesuffix('/hours')}/time-off", data=time_off_form(html, "2027-03-14T02:30",
                                                                             "2027-03-14T04:00"))
    # New York springs forward at 02:00 on 2027-03-14: 02:30 takes EST (-05:00).
    assert stored_time_off(app, practice.staff_ids[0]) == [(utc("2027-03-14T07:30"), utc("2027-03-14T08:00"), None)]


@pytest.mark.parametrize("start, end, field, message", [
    ("2027-02-03T11:00", "2027-02-03T09:00", "end_local", "The end must be after the start."),
    ("2027-03-28T02:30", "2027-03-28T03:00", "end_local", "The end must be after the start."),  # 01:30Z - 01:00Z
    ("tomorrow", "2027-02-03T09:00", "start_local", "Enter a date and time such as"),
    ("2027-02-03T09:00", "2027-02-03T09:00+01:00", "end_local", "Enter a date and time such as"),
])
def test_invalid_time_off_is_explained_and_kept(owner, app, practice, page, start, end, field, message):
    html = owner.get(page).get_data(as_text=True)
    response = owner.post(f"{page.removesuffix('/hours')}/time-off", data=time_off_form(html, start, end, "Kept"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html).group(1)
    assert value_of(html, "start_local") == start and value_of(html, "end_local") == end
    assert value_of(html, "reason") == "Kept"
    assert stored_time_off(app, practice.staff_ids[0]) == []


SCHEDULE_ROUTES = [("GET", "hours"), ("POST", "hours"), ("POST", "overrides"), ("POST", "overrides/2027-02-03/delete"),
                   ("POST", "time-off"), ("POST", "time-off/{time_off}/delete")]


def _time_off_id(api, practice) -> int:
    return api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/time-off",
                    {"start": "2027-02-10T10:00:00+01:00", "end": "2027-02-10T12:00:00+01:00"},
                    expect=201, key=practice.key)["id"]


@pytest.mark.parametrize("method, suffix", SCHEDULE_ROUTES)
def test_staff_accounts_get_403(client, app, api, practice, method, suffix):
    time_off = _time_off_id(api, practice)
    api.json("PUT", f"/api/v1/staff/{practice.staff_ids[0]}/overrides/2027-02-03", {"hours": []})
    log_in_new_staff(client, app, practice, FROZEN_NOW)
    token = form_token(client.get("/app/calendars").get_data(as_text=True))
    path = f"/app/settings/staff/{practice.staff_ids[0]}/" + suffix.format(time_off=time_off)
    data = {"csrf_token": token, "save": "1", "mon-rows": "1", "mon-0-start": "10:00", "mon-0-end": "11:00",
            "day": "2027-02-04", "closed": "closed", "start_local": "2027-02-04T09:00",
            "end_local": "2027-02-04T10:00"}
    response = client.open(path, method=method, data=data if method == "POST" else None)
    assert response.status_code == 403
    assert len(stored_time_off(app, practice.staff_ids[0])) == 1
    assert api.json("GET", f"/api/v1/staff/{practice.staff_ids[0]}")["hours"]["mon"] == [["09:00", "12:00"],
                                                                                      ["13:00", "17:00"]]
    assert slots(api, practice, "2027-02-03") == [] and len(slots(api, practice, "2027-02-04")) == 14


@pytest.mark.parametrize("method, suffix", SCHEDULE_ROUTES)
def test_another_businesss_staff_member_is_not_found(owner, app, api, method, suffix):
    other = setup_practice(api)
    time_off = _time_off_id(api, other)
    html = owner.get("/app/settings/staff").get_data(as_text=True)
    path = f"/app/settings/staff/{other.staff_ids[0]}/" + suffix.format(time_off=time_off)
    data = hours_form(html, mon=[("10:00", "11:00")])
    data.update(day="2027-02-04", closed="closed", start_local="2027-02-04T09:00", end_local="2027-02-04T10:00")
    response = owner.open(path, method=method, data=data if method == "POST" else None)
    assert response.status_code == 404
    assert len(stored_time_off(app, other.staff_ids[0])) == 1
    assert api.json("GET", f"/api/v1/staff/{other.staff_ids[0]}", key=other.key)["hours"]["mon"] == [
        ["09:00", "12:00"], ["13:00", "17:00"]]


def test_the_time_off_of_another_staff_member_is_not_found(owner, api, app, practice, page):
    second = api.json("POST", "/api/v1/staff", {"name": "Second"}, expect=201, key=practice.key)["id"]
    foreign = api.json("POST", f"/api/v1/staff/{second}/time-off", {"start": "2027-02-10T10:00:00+01:00",
                       "end": "2027-02-10T12:00:00+01:00"}, expect=201, key=practice.key)["id"]
    html = owner.get(page).get_data(as_text=True)
    response = owner.post(f"{page.removesuffix('/hours')}/time-off/{foreign}/delete",
                          data={"csrf_token": form_token(html)})
    assert response.status_code == 404
    assert len(stored_time_off(app, second)) == 1
    assert owner.post(f"{page.removesuffix('/hours')}/overrides/2027-13-01/delete",
                      data={"csrf_token": form_token(html)}).status_code == 404
