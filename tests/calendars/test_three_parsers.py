"""What we publish reads the same everywhere (SPEC.md "Calendars"; research §2, §4): bookings on
DST days in Europe/Berlin and America/New_York, names with umlauts and emoji, one moved and one
cancelled, served over HTTP, then read by icalendar, libical (with its RFC 5546 restriction
check), ical.js and vobject. Every reader must give the same UTC start/end per UID.

No reader is optional: a missing one fails the test (`bash .ci/provision` installs them all).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest

from booking.extensions import db
from booking.models import Booking
from tests.calendars.parsers import READERS, read_with_libical
from tests.support.factories import Practice, booking_body, setup_practice, unique

EVERY_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
SERVICE = {"name": "Färben & Schnitt ✂️", "duration_minutes": 60, "slot_interval_minutes": 30}




@dataclass(frozen=True)
class Planned:
    start: str      # local, with its offset
    staff: int
    name: str
    role: str = ""  # "moved" (to `moved_to`) or "cancelled"
    moved_to: str = ""


# The Berlin spring day skips 02:00-03:00 and its autumn day has 02:30 twice; New York skips
# 02:00-03:00 on 03-14 and repeats 01:00-02:00 on 11-07.
PLANS = {
    "Europe/Berlin": [
        Planned("2027-03-28T01:30:00+01:00", 0, "Jürgen Groß 🙂"),          # across the gap: 00:30Z-01:30Z
        Planned("2027-03-28T03:00:00+02:00", 1, "Zoë Ünal; \"Zo\", Dr."),  # first hour of summer time
        Planned("2027-10-31T02:30:00+02:00", 0, "Søren Æbelø 🎉"),          # the first 02:30 (00:30Z)
        Planned("2027-10-31T02:30:00+01:00", 1, "François Ça 👩‍⚕️"),         # the second 02:30 (01:30Z)
        Planned("2027-03-27T09:00:00+01:00", 0, "Ἀθηνᾶ Παλλάς", "moved", "2027-03-28T04:00:00+02:00"),
        Planned("2027-10-30T09:00:00+02:00", 1, "Cancelled Customer", "cancelled"),
    ],
    "America/New_York": [
        Planned("2027-03-14T01:30:00-05:00", 0, "Mañana Niño 🌮"),          # across the gap: 06:30Z-07:30Z
        Planned("2027-03-14T03:30:00-04:00", 0, "Björk Guðmundsdóttir"),    # after it: 07:30Z
        Planned("2027-03-14T05:00:00-04:00", 1, "Another Staff's Customer"),  # not in staff 0's feed
        Planned("2027-11-07T01:30:00-04:00", 0, "O'Brien, Seán"),           # the first 01:30 (05:30Z)
        Planned("2027-03-13T10:00:00-05:00", 0, "Moved Person", "moved", "2027-03-14T10:00:00-04:00"),
        Planned("2027-03-15T10:00:00-04:00", 0, "Cancelled Person", "cancelled"),
    ],
}


@dataclass
class Fixture:
    path: str                          # the feed's URL path
    expected: dict[str, tuple]         # uid -> (start, end) as UTC text
    moved: tuple[str, str]             # (uid, manage token) of the moved booking
    cancelled_uid: str


def utc_text(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def book(api, practice: Practice, plan: Planned) -> dict:
    body = booking_body(practice, plan.start, staff_id=practice.staff_ids[plan.staff],
                        customer={"name": plan.name, "email": f"{unique('c')}@example.test"})
    made = api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")
    if plan.role == "moved":
        made = dict(api.json("POST", f"/api/v1/manage/{made['manage_token']}/reschedule", {"start": plan.moved_to},
                             key=""), manage_token=made["manage_token"])
    elif plan.role == "cancelled":
        api.json("POST", f"/api/v1/manage/{made['manage_token']}/cancel", key="")
    return made


def uid_of(app, booking_id: int) -> str:
    with app.app_context():
        try:
            return db.session.get(Booking, booking_id).uid
        finally:
            db.session.remove()


@pytest.fixture(params=sorted(PLANS))
def fixture(request, api, app) -> Fixture:
    """Berlin: the business feed; New York: the first staff member's feed."""
    zone = request.param
    practice = setup_practice(api, timezone=zone, staff=2, hours=EVERY_DAY, service=SERVICE)
    api.json("PATCH", "/api/v1/business", {"name": "Salon Müller & Söhne 💇"})
    shown_staff = {0, 1} if zone == "Europe/Berlin" else {0}
    expected, moved, cancelled = {}, ("", ""), ""
    for plan in PLANS[zone]:
        made = book(api, practice, plan)
        uid = uid_of(app, made["id"])
        if plan.role == "moved":
            moved = (uid, made["manage_token"])
        if plan.role == "cancelled":
            cancelled = uid
        elif plan.staff in shown_staff:
            expected[uid] = (utc_text(plan.moved_to or plan.start), utc_text(made["end"]))
    feed = "/api/v1/business/feed" if zone == "Europe/Berlin" else f"/api/v1/staff/{practice.staff_ids[0]}/feed"
    return Fixture(path=urlsplit(api.json("GET", feed)["url"]).path, expected=expected, moved=moved,
                   cancelled_uid=cancelled)


def read_all(body: bytes) -> dict[str, dict]:
    return {name: reader(body) for name, reader in READERS.items()}


def times(result: dict) -> dict[str, tuple]:
    return {uid: (event["start"], event["end"]) for uid, event in result["events"].items()}


def test_libical_accepts_the_feed_under_rfc_5546(client, fixture):
    result = read_with_libical(client.get(fixture.path).data)
    assert result["parse_errors"] == []
    assert result["restriction_ok"], result["restriction_errors"]
    assert result["method"] == "PUBLISH" and len(result["events"]) == len(fixture.expected)


def test_every_reader_sees_the_same_utc_times_and_names_per_uid(client, fixture):
    results = read_all(client.get(fixture.path).data)
    for name, result in results.items():
        assert result["method"] == "PUBLISH", name
        assert times(result) == fixture.expected, name
        assert fixture.cancelled_uid not in result["events"], name
    summaries = {name: {uid: e["summary"] for uid, e in result["events"].items()} for name, result in results.items()}
    assert all(value == summaries["icalendar"] for value in summaries.values()), summaries
    assert any("🙂" in s or "🌮" in s for s in summaries["icalendar"].values())


def test_the_moved_booking_carries_a_higher_sequence_and_a_new_move_raises_it_again(api, client, fixture):
    uid, token = fixture.moved
    before = read_all(client.get(fixture.path).data)
    for name, result in before.items():
        assert {u: e["sequence"] for u, e in result["events"].items()} == {
            u: (1 if u == uid else 0) for u in fixture.expected}, name
    new_start = datetime.fromisoformat(fixture.expected[uid][0]).replace(hour=12).isoformat()
    api.json("POST", f"/api/v1/manage/{token}/reschedule", {"start": new_start}, key="")
    for name, result in read_all(client.get(fixture.path).data).items():
        assert result["events"][uid]["sequence"] == 2, name
        assert result["events"][uid]["start"] == utc_text(new_start), name


def test_two_requests_give_the_same_bytes_and_etag_and_a_304(client, fixture):
    first, second = client.get(fixture.path), client.get(fixture.path)
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["ETag"] == f'"{hashlib.sha256(first.data).hexdigest()}"'
    again = client.get(fixture.path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
