"""Owner reports agree with a hand-computed fixture, and the CSV reads back with the csv module.

The practice (Europe/Berlin) has two staff members:
  Anna: Mon-Fri 09:00-12:00 + 13:00-17:00 (7 h = 420 min a day), time off all of Wed 2027-03-17.
  Ben:  Mon + Tue 10:00-14:00 (240 min), Sun 01:00-04:00 (180 min; on the spring-forward
        night 2027-03-28 that is 01:00 CET to 04:00 CEST = 2 real hours = 120 min).
The report covers Mon 2027-03-15 .. Sun 2027-03-28: two weeks, the second ending on the DST day.
Every booking is a 30-minute consultation; statuses are set through the operations afterwards.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from booking.clock import pinned
from booking.models import Business
from booking.operations.booking_changes import change_status
from booking.operations.bookings import get_booking
from tests.conftest import FROZEN_NOW
from tests.support.db_access import database
from tests.support.factories import Api, setup_practice, sign_up
from tests.support.workspace import log_in_new_staff

PERIOD = "from=2027-03-15&to=2027-03-28"
OTHER_MARKER = "ZZ-other-business"
# Statuses are recorded the day after the period, when every appointment has happened.
MARKED_AT = datetime(2027, 3, 29, 12, tzinfo=timezone.utc)

# key: (staff, local start, source, status, excused, customer name)
BOOKINGS = {
    1: ("anna", "2027-03-15T09:00:00+01:00", "online", "completed", False, '=HYPERLINK("x")'),
    2: ("anna", "2027-03-15T09:30:00+01:00", "staff", "completed", False, 'Müller, "Max"'),
    3: ("ben", "2027-03-15T10:00:00+01:00", "online", "no_show", False, "Cara"),
    4: ("anna", "2027-03-16T09:00:00+01:00", "online", "arrived", False, "Dana"),
    5: ("ben", "2027-03-16T13:00:00+01:00", "staff", "cancelled", False, "Emil"),
    6: ("anna", "2027-03-18T09:00:00+01:00", "online", "no_show", True, "Fritz"),
    7: ("anna", "2027-03-19T16:30:00+01:00", "staff", "confirmed", False, "Gina"),
    8: ("ben", "2027-03-21T01:00:00+01:00", "online", "completed", False, "Hugo"),
    9: ("anna", "2027-03-22T09:00:00+01:00", "online", "completed", False, "Ida"),
    10: ("ben", "2027-03-22T11:00:00+01:00", "online", "cancelled", False, "Jan"),
    11: ("ben", "2027-03-23T10:00:00+01:00", "staff", "completed", False, "Kai"),
    12: ("anna", "2027-03-24T14:00:00+01:00", "online", "confirmed", False, "Lea"),
    13: ("ben", "2027-03-28T03:00:00+02:00", "online", "completed", False, "Mia"),  # 01:00Z, after the change
    14: ("ben", "2027-03-28T01:30:00+01:00", "online", "no_show", False, "Nils"),  # 00:30Z, before it
    # Outside the period: never counted.
    15: ("anna", "2027-03-12T09:00:00+01:00", "online", "completed", False, "Otto"),
    16: ("anna", "2027-03-29T09:00:00+02:00", "online", "confirmed", False, "Paul"),
}
IN_PERIOD = [key for key in BOOKINGS if key <= 14]


def _create_bookings(api: Api, practice, staff: dict[str, int], service_id: int) -> dict[int, int]:
    ids = {}
    for key, (member, start, source, _status, _excused, name) in BOOKINGS.items():
        body = {"service_id": service_id, "staff_id": staff[member], "start": start,
                "customer": {"name": name, "email": f"customer{key}@example.test"}}
        path = f"/api/v1/public/{practice.slug}/bookings" if source == "online" else "/api/v1/bookings"
        ids[key] = api.json("POST", path, body, expect=201, key="" if source == "online" else practice.key)["id"]
    return ids


def _mark_statuses(app, slug: str, ids: dict[int, int]) -> None:
    with database(app) as session:
        business = session.scalar(select(Business).where(Business.slug == slug))
        for key, (_member, _start, _source, status, excused, _name) in BOOKINGS.items():
            if status != "confirmed":
                change_status(get_booking(business, ids[key]), status, MARKED_AT, "user:test",
                              excused=excused if status == "no_show" else None)
        session.commit()


@pytest.fixture(scope="module")
def world(app):
    with pinned(FROZEN_NOW):
        api = Api(app.test_client())
        practice = sign_up(api)
        staff = {"anna": api.json("POST", "/api/v1/staff", {"name": "Anna Arzt"}, expect=201)["id"],
                 "ben": api.json("POST", "/api/v1/staff", {"name": "Ben Bader"}, expect=201)["id"]}
        api.json("PUT", f"/api/v1/staff/{staff['anna']}/hours",
                 {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
        api.json("PUT", f"/api/v1/staff/{staff['ben']}/hours",
                 {"mon": [["10:00", "14:00"]], "tue": [["10:00", "14:00"]], "sun": [["01:00", "04:00"]]})
        api.json("POST", f"/api/v1/staff/{staff['anna']}/time-off",
                 {"start": "2027-03-17T09:00:00+01:00", "end": "2027-03-17T17:00:00+01:00"}, expect=201)
        service_id = api.json("POST", "/api/v1/services", {"name": "Consultation", "duration_minutes": 30,
                                                           "price": "45.00", "staff_ids": list(staff.values())},
                              expect=201)["id"]
        ids = _create_bookings(api, practice, staff, service_id)
        _mark_statuses(app, practice.slug, ids)
        # Another business with a booking at the same time: it must never show up.
        other = setup_practice(Api(app.test_client()))
        Api(app.test_client()).json("POST", f"/api/v1/public/{other.slug}/bookings", {
            "service_id": other.service_id, "staff_id": other.staff_ids[0], "start": "2027-03-15T09:00:00+01:00",
            "customer": {"name": OTHER_MARKER, "email": "zz-other@example.test"}}, expect=201, key="")
    return {"practice": practice, "staff": staff, "ids": ids, "other": other}


@pytest.fixture
def practice(world):
    """The practice of `world`: the one the `owner` fixture (tests/web/conftest.py) logs into."""
    return world["practice"]


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def test_counts_and_rates_agree_with_the_hand_computation(owner):
    page = owner.get(f"/app/reports?{PERIOD}&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-period="2027-03-15/2027-03-28"' in html
    # 14 bookings in the period (keys 1-14; 15 and 16 lie outside it).
    # completed: 1 2 8 9 11 13 = 6; arrived: 4 = 1; no-show: 3 6 14 = 3; cancelled: 5 10 = 2; confirmed: 7 12 = 2.
    assert figure(html, "total") == "14"
    assert {s: figure(html, f"status-{s}") for s in ("confirmed", "arrived", "completed", "no_show", "cancelled")} \
        == {"confirmed": "2", "arrived": "1", "completed": "6", "no_show": "3", "cancelled": "2"}
    # Staff-entered: 2 5 7 11 = 4 of 14 = 28.57 %; online 10 of 14 = 71.43 %.
    assert (figure(html, "online"), figure(html, "staff")) == ("71.4%", "28.6%")
    # Cancelled 2 of 14 = 14.29 %.
    assert figure(html, "cancellations") == "14.3%"
    # Due = completed 6 + arrived 1 + no-show 3 = 10. Unexcused no-shows 3 and 14 = 2/10;
    # excused 6 = 1/10.
    assert (figure(html, "no-shows"), figure(html, "excused-no-shows")) == ("20%", "10%")
    assert "2 of 10 due" in html and "1 of 10 due" in html


def test_utilisation_per_staff_member(owner, world):
    html = owner.get(f"/app/reports?{PERIOD}&lang=en").get_data(as_text=True)

    def row(member: str) -> str:
        return re.search(rf'<tr data-staff="{world["staff"][member]}">(.*?)</tr>', html, re.S).group(1)

    # Anna works 10 weekdays x 420 min = 4200, minus the Wednesday off (420) = 3780 min = 63 h.
    # Her active bookings 1 2 4 6 7 9 12 (the no-show 6 included) = 7 x 30 = 210 min = 3.5 h:
    # 210 / 3780 = 5.56 %.
    anna = row("anna")
    assert 'data-working="3780"' in anna and 'data-booked="210"' in anna and 'data-outside="0"' in anna
    assert "63 h" in anna and "3.5 h" in anna and "5.6%" in anna
    # Ben: Mon/Tue 15 16 22 23 = 4 x 240 = 960; Sun 21 = 180; Sun 28 (DST) = 120; = 1260 min = 21 h.
    # Active 3 8 11 13 14 = 5 x 30 = 150 min = 2.5 h (5 and 10 were cancelled): 150 / 1260 = 11.90 %.
    ben = row("ben")
    assert 'data-working="1260"' in ben and 'data-booked="150"' in ben
    assert "21 h" in ben and "2.5 h" in ben and "11.9%" in ben


def test_bookings_per_week_and_the_heat_map(owner):
    html = owner.get(f"/app/reports?{PERIOD}&lang=en").get_data(as_text=True)
    weeks = re.findall(r'data-week="([\d-]+)">.*?data-active="(\d+)".*?data-cancelled="(\d+)"', html, re.S)
    # Week of 15 March: active 1 2 3 4 6 7 8 = 7, cancelled 5 = 1; of 22 March: 9 11 12 13 14 = 5, cancelled 10.
    assert weeks == [("2027-03-15", "7", "1"), ("2027-03-22", "5", "1")]
    svg = re.search(r'<svg[^>]*id="heat-map".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    cells = dict(re.findall(r'<rect[^>]*data-cell="(\d-\d+)" data-count="(\d+)"', svg))
    # Weekday-hour in Berlin time: Mon 09h: 1 2 9; Mon 10h: 3; Tue 09h: 4; Tue 10h: 11; Wed 14h: 12;
    # Thu 09h: 6; Fri 16h: 7; Sun 01h: 8 (01:00 CET) and 14 (01:30 CET); Sun 03h: 13 (03:00 CEST).
    assert {cell: int(n) for cell, n in cells.items() if n != "0"} == {
        "0-9": 3, "0-10": 1, "1-9": 1, "1-10": 1, "2-14": 1, "3-9": 1, "4-16": 1, "6-1": 2, "6-3": 1}
    # Hours shown: 01 (the earliest booking) to 17 (the usual end): 7 x 17 cells.
    assert len(cells) == 7 * 17 and "6-1" in cells and "0-17" in cells and "0-0" not in cells
    # The table alternative has the same cells; the legend: max 3 -> levels 2, 3, 4 for 1, 2, 3.
    assert re.search(r'<td data-cell="0-9">3</td>', html)
    assert "1 booking" in html and "2 bookings" in html and "3 bookings" in html
    bars = re.search(r'<svg[^>]*id="weeks-chart".*?</svg>', html, re.S).group(0)
    assert bars.count("<rect") == 2 and 'role="img"' in bars


@pytest.mark.parametrize("lang", ["de", "es"])
def test_numbers_follow_the_page_language(owner, lang):
    response = owner.get(f"/app/reports?{PERIOD}&lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'<html lang="{lang}">' in html
    assert figure(html, "online") == "71,4\xa0%"
    assert figure(html, "cancellations") == "14,3\xa0%"


def test_the_csv_reads_back_with_the_same_rows(owner, world):
    response = owner.get(f"/app/reports/bookings.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="bookings-2027-03-15-to-2027-03-28.csv"'
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    ids = world["ids"]
    # In order of start (UTC): key 14 (00:30Z) comes before key 13 (01:00Z) on the DST day.
    order = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 13]
    assert [int(r["id"]) for r in rows] == [ids[k] for k in order]
    by_id = {int(r["id"]): r for r in rows}
    for key in IN_PERIOD:
        member, start, source, status, excused, name = BOOKINGS[key]
        got = by_id[ids[key]]
        local = datetime.fromisoformat(start)
        assert (got["date_local"], got["start_local"], got["status"], got["source"], got["no_show_excused"]) == \
            (local.date().isoformat(), local.strftime("%H:%M"), status, source, "true" if excused else "false")
        assert got["staff"] == {"anna": "Anna Arzt", "ben": "Ben Bader"}[member]
        assert got["customer_email"] == f"customer{key}@example.test" and got["price"] == "45.00"
        assert got["service"] == "Consultation"
    assert by_id[ids[1]]["customer_name"] == "'=HYPERLINK(\"x\")"  # shown as text, never run as a formula
    assert by_id[ids[2]]["customer_name"] == 'Müller, "Max"'
    assert (by_id[ids[13]]["start_local"], by_id[ids[13]]["end_local"], by_id[ids[13]]["start_utc"]) == \
        ("03:00", "03:30", "2027-03-28T01:00:00Z")
    assert (by_id[ids[14]]["start_local"], by_id[ids[14]]["end_local"], by_id[ids[14]]["start_utc"]) == \
        ("01:30", "03:00", "2027-03-28T00:30:00Z")
    assert OTHER_MARKER.encode() not in body


def test_another_business_never_appears(owner):
    for path in (f"/app/reports?{PERIOD}", f"/app/reports/bookings.csv?{PERIOD}"):
        assert OTHER_MARKER not in owner.get(path).get_data(as_text=True)


def test_the_default_period_is_the_last_four_whole_weeks(owner):
    # Now is Monday 2027-02-01: the four weeks before it are Mon 2027-01-04 .. Sun 2027-01-31.
    html = owner.get("/app/reports?lang=en").get_data(as_text=True)
    assert 'data-period="2027-01-04/2027-01-31"' in html
    assert 'value="2027-01-04"' in html and 'value="2027-01-31"' in html
    assert figure(html, "total") == "0" and figure(html, "no-shows") == "–"
    presets = dict(re.findall(r'<a href="([^"]+)" data-preset="(\w+)"', html))
    assert {v: k.replace("&amp;", "&") for k, v in presets.items()}["last_month"] == \
        "/app/reports?from=2027-01-01&to=2027-01-31"
    assert 'data-preset="last_4_weeks" aria-current="true"' in html
    assert '/app/reports/bookings.csv?from=2027-01-04&amp;to=2027-01-31' in html


@pytest.mark.parametrize("query, field, message", [
    ("from=2027-03-28&to=2027-03-15", "to", "The end date must be on or after the start date."),
    ("from=2027-01-01&to=2028-01-02", "to", "A report covers at most 366 days."),
    ("from=2027-02-30&to=2027-03-15", "from", "Please enter a date like 2027-03-01."),
    ("from=2027-03-01", "to", "Please enter a date like 2027-03-01."),
    ("from=0001-01-01&to=0001-01-02", "from", "Please choose dates between the years 1971 and 2999."),
    ("from=%3Cscript%3E&to=x", "from", "Please enter a date like 2027-03-01."),
])
def test_a_period_the_report_cannot_cover_is_an_error_next_to_the_field(owner, query, field, message):
    for path in ("/app/reports", "/app/reports/bookings.csv"):
        response = owner.get(f"{path}?{query}&lang=en")
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and response.mimetype == "text/html"
        error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html).group(1)
        assert message in error
        assert re.search(rf'<input[^>]*aria-describedby="{field}-error"[^>]*aria-invalid="true"', html)
        assert "data-figure" not in html and "<script" not in html
    # What was typed stays in the field.
    typed = dict(pair.split("=") for pair in query.split("&"))
    if "from" in typed and "%" not in typed["from"]:
        assert f'value="{typed["from"]}"' in html


def test_staff_accounts_get_403_and_no_nav_link(app, client, world):
    log_in_new_staff(client, app, world["practice"], FROZEN_NOW)
    assert client.get(f"/app/reports?{PERIOD}").status_code == 403
    assert client.get(f"/app/reports/bookings.csv?{PERIOD}").status_code == 403
    assert "/app/reports" not in client.get("/app/").get_data(as_text=True)


def test_owners_find_reports_in_the_navigation(owner):
    html = owner.get("/app/?lang=en").get_data(as_text=True)
    assert re.search(r'<a href="/app/reports">Reports</a>', html)
