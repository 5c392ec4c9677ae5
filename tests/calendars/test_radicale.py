"""A real CalDAV server as the import source: Radicale (started here, loopback only, htpasswd
plain auth, storage in tmp) seeded through the caldav client with weekly and daily series, an
EXDATE, a moved instance (RECURRENCE-ID), an all-day and a transparent event. We poll its
collection URL the way staff paste a Nextcloud/Radicale address (https://user:pass@host/...) and
compare the stored busy blocks with hand-computed UTC intervals; availability then skips them."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import caldav
import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import BusyBlock
from tests.support.factories import setup_practice
from tests.support.servers import free_port

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
USER, PASSWORD = "alice", "s3cret"
WEEKLY = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//booking tests//radicale//EN
BEGIN:VEVENT
UID:weekly-standup@tests
DTSTAMP:20270101T000000Z
DTSTART;TZID=Europe/Berlin:20270301T100000
DTEND;TZID=Europe/Berlin:20270301T110000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Berlin:20270315T100000
SUMMARY:Private: team meeting
END:VEVENT
BEGIN:VEVENT
UID:weekly-standup@tests
DTSTAMP:20270101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20270322T100000
DTSTART;TZID=Europe/Berlin:20270322T140000
DTEND;TZID=Europe/Berlin:20270322T153000
SUMMARY:Private: team meeting (moved)
END:VEVENT
END:VCALENDAR
"""


def single(uid: str, *lines: str) -> str:
    """One VEVENT as iCalendar text (caldav 2.0's keyword form does not work with icalendar 7)."""
    return "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//booking tests//radicale//EN", "BEGIN:VEVENT",
                      f"UID:{uid}", "DTSTAMP:20270101T000000Z", *lines, "END:VEVENT", "END:VCALENDAR", ""])


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


# Hand-computed: Berlin is UTC+1 until 2027-03-28, UTC+2 after.
EXPECTED = [
    (utc(3, 1, 9), utc(3, 1, 10)),  # weekly, Monday 10:00 CET
    (utc(3, 8, 7), utc(3, 8, 7, 30)),  # daily 08:00 CET, five days
    (utc(3, 8, 9), utc(3, 8, 10)),  # weekly
    (utc(3, 9, 7), utc(3, 9, 7, 30)),
    (utc(3, 10, 7), utc(3, 10, 7, 30)),
    (utc(3, 11, 7), utc(3, 11, 7, 30)),
    (utc(3, 12, 7), utc(3, 12, 7, 30)),
    (utc(3, 12, 23), utc(3, 13, 23)),  # all-day Saturday 13 March in Berlin
    # 15 March: EXDATE
    (utc(3, 22, 13), utc(3, 22, 14, 30)),  # the moved instance, 14:00-15:30 CET
    (utc(3, 29, 8), utc(3, 29, 9)),  # 10:00 CEST
    (utc(4, 5, 8), utc(4, 5, 9)),
]


def _wait_for_port(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("radicale did not start")


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    root = tmp_path_factory.mktemp("radicale")
    port = free_port()
    (root / "users").write_text(f"{USER}:{PASSWORD}\n")
    (root / "config").write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {root / 'users'}\nhtpasswd_encryption = plain\n"
        f"[storage]\nfilesystem_folder = {root / 'collections'}\n[logging]\nlevel = warning\n")
    with open(root / "log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(root / "config")],
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process, time.monotonic() + 20)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def collection(radicale):
    """The seeded calendar, through the caldav client."""
    with caldav.DAVClient(url=radicale, username=USER, password=PASSWORD) as client:
        calendar = client.principal().make_calendar(name="Work")
        calendar.save_event(WEEKLY)
        calendar.save_event(single("daily@tests", "DTSTART;TZID=Europe/Berlin:20270308T080000",
                                   "DTEND;TZID=Europe/Berlin:20270308T083000", "RRULE:FREQ=DAILY;COUNT=5",
                                   "SUMMARY:Private: school run"))
        calendar.save_event(single("all-day@tests", "DTSTART;VALUE=DATE:20270313", "DTEND;VALUE=DATE:20270314",
                                   "SUMMARY:Private: wedding", "TRANSP:TRANSPARENT"))  # free, like a Google holiday
        calendar.save_event(single("free@tests", "DTSTART;TZID=Europe/Berlin:20270302T120000",
                                   "DTEND;TZID=Europe/Berlin:20270302T130000", "SUMMARY:Reminder only",
                                   "TRANSP:TRANSPARENT"))
        yield str(calendar.url)


def feed_url(collection_url: str, password: str = PASSWORD) -> str:
    return collection_url.replace("http://", f"http://{USER}:{password}@", 1)


def stored(app, calendar_id: int) -> list[tuple[datetime, datetime]]:
    with app.app_context():
        rows = db.session.execute(select(BusyBlock.start_utc, BusyBlock.end_utc)
                                  .where(BusyBlock.calendar_id == calendar_id).order_by(BusyBlock.start_utc)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def offered(api, practice, day: str) -> set[str]:
    slots = api.json("GET", f"/api/v1/public/{practice.slug}/availability?service={practice.service_id}"
                            f"&from={day}&to={day}", key="")["slots"]
    return {datetime.fromisoformat(slot["start"]).astimezone(BERLIN).strftime("%H:%M") for slot in slots}


@pytest.fixture
def private_ok(app, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_CALENDAR_URLS", True)  # Radicale listens on 127.0.0.1


def test_radicale_collection_blocks_exactly_the_expected_times(api, app, collection, private_ok):
    practice = setup_practice(api)
    before = offered(api, practice, "2027-03-22")
    assert {"14:00", "14:30", "15:00"} <= before
    calendar = api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars",
                        {"url": feed_url(collection), "name": "Radicale"}, expect=201)
    assert api.json("POST", f"/api/v1/calendars/{calendar['id']}/sync") == {"status": "ok",
                                                                            "busy_blocks": len(EXPECTED)}
    assert stored(app, calendar["id"]) == EXPECTED
    # Radicale ignores If-None-Match: the unchanged body is recognised by its hash.
    assert api.json("POST", f"/api/v1/calendars/{calendar['id']}/sync")["status"] == "not_modified"
    assert offered(api, practice, "2027-03-01") >= {"09:30", "11:00"}
    assert not offered(api, practice, "2027-03-01") & {"10:00", "10:30"}
    assert not offered(api, practice, "2027-03-22") & {"14:00", "14:30", "15:00"}
    assert {"13:30", "15:30", "10:00"} <= offered(api, practice, "2027-03-22")
    assert not offered(api, practice, "2027-03-29") & {"10:00", "10:30"}  # summer time: still 10:00 local
    assert {"10:00", "10:30"} <= offered(api, practice, "2027-03-15")  # the EXDATE leaves the morning free
    assert {"12:00", "13:00"} & offered(api, practice, "2027-03-02")  # the transparent event blocks nothing


def test_radicale_changes_and_a_wrong_password(api, app, radicale, private_ok):
    practice = setup_practice(api)
    with caldav.DAVClient(url=radicale, username=USER, password=PASSWORD) as client:
        calendar = client.principal().make_calendar(name="Changes")
        event = calendar.save_event(single("change@tests", "DTSTART;TZID=Europe/Berlin:20270406T090000",
                                           "DTEND;TZID=Europe/Berlin:20270406T100000", "SUMMARY:x"))
        url = str(calendar.url)
        ours = api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars", {"url": feed_url(url)}, expect=201)
        sync = f"/api/v1/calendars/{ours['id']}/sync"
        assert api.json("POST", sync) == {"status": "ok", "busy_blocks": 1}
        assert stored(app, ours["id"]) == [(utc(4, 6, 7), utc(4, 6, 8))]
        event.delete()
        assert api.json("POST", sync) == {"status": "ok", "busy_blocks": 0}
    wrong = api.json("POST", f"/api/v1/staff/{practice.staff_ids[0]}/calendars",
                     {"url": feed_url(url, password="nope")}, expect=201)
    answer = api.json("POST", f"/api/v1/calendars/{wrong['id']}/sync")
    assert answer["status"] == "error" and answer["error"].startswith("Address revoked")
    assert "nope" not in answer["error"]
