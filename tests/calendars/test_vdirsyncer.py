"""A real subscriber: vdirsyncer pulls our feed over HTTP into a local vdir (one .ics file per
event), the way a desktop calendar subscribes, and follows changes: a new booking appears, a
cancelled one disappears. (vdirsyncer replaces http UIDs by content hashes, so it checks what
arrives, not UID stability; test_three_parsers does that.)"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from icalendar import Calendar
from sqlalchemy import select

from booking.credentials import digest
from booking.extensions import db
from booking.models import CalendarFeed
from tests.support.factories import booking_body, setup_practice, unique
from tests.support.servers import ThreadedServer

VDIRSYNCER = Path(sys.executable).parent / "vdirsyncer"

CONFIG = """\
[general]
status_path = "{root}/status/"

[pair booking_feed]
a = "booking_remote"
b = "booking_local"
collections = null
conflict_resolution = "a wins"

[storage booking_remote]
type = "http"
url = "{url}"

[storage booking_local]
type = "filesystem"
path = "{root}/vdir/"
fileext = ".ics"
"""


class Subscriber:
    """vdirsyncer with its own config, status and vdir under `root`."""

    def __init__(self, root: Path, url: str) -> None:
        assert VDIRSYNCER.exists(), f"{VDIRSYNCER} is missing: pip install -r requirements-dev.txt"
        self.root, self.vdir = root, root / "vdir"
        self.vdir.mkdir(parents=True)
        self.config = root / "config"
        self.config.write_text(CONFIG.format(root=root, url=url), encoding="utf-8")

    def run(self, *args: str) -> None:
        env = dict(os.environ, HOME=str(self.root), XDG_CONFIG_HOME=str(self.root), LC_ALL="C.UTF-8")
        result = subprocess.run([str(VDIRSYNCER), "-c", str(self.config), *args], capture_output=True, text=True,
                                timeout=120, env=env, input="", check=False)
        assert result.returncode == 0, f"vdirsyncer {args} failed:\n{result.stdout}\n{result.stderr}"

    def sync(self) -> None:
        self.run("sync")

    def starts(self) -> list[datetime]:
        """DTSTART of every event in the vdir, sorted (each file holds one event)."""
        found = []
        for path in self.vdir.glob("*.ics"):
            events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
            assert len(events) == 1, path
            found.append(events[0].start)
        return sorted(found)


def book(api, practice, start: str) -> dict:
    body = booking_body(practice, start, customer={"name": "Jürgen Groß 🙂", "email": f"{unique('c')}@example.test"})
    return api.json("POST", f"/api/v1/public/{practice.slug}/bookings", body, expect=201, key="")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_vdirsyncer_subscribes_to_the_feed_and_follows_changes(app, api, tmp_path):
    practice = setup_practice(api)
    starts = ["2027-02-02T09:00:00+01:00", "2027-02-03T10:30:00+01:00", "2027-03-29T09:00:00+02:00"]
    made = [book(api, practice, start) for start in starts]
    path = urlsplit(api.json("GET", "/api/v1/business/feed")["url"]).path
    with ThreadedServer(app) as server:
        subscriber = Subscriber(tmp_path, server.url + path)
        subscriber.run("discover")
        subscriber.sync()
        assert subscriber.starts() == [utc(s) for s in starts]

        later = "2027-04-01T14:00:00+02:00"
        book(api, practice, later)
        api.json("POST", f"/api/v1/manage/{made[1]['manage_token']}/cancel", key="")
        subscriber.sync()
        assert subscriber.starts() == [utc(s) for s in (starts[0], starts[2], later)]

        subscriber.sync()  # nothing changed: nothing moves
        assert len(list(subscriber.vdir.glob("*.ics"))) == 3
    assert last_user_agent(app, path).startswith("vdirsyncer/")


def last_user_agent(app, path: str) -> str:
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    with app.app_context():
        try:
            query = select(CalendarFeed.last_user_agent).where(CalendarFeed.token_hash == digest(token))
            return db.session.scalar(query)
        finally:
            db.session.remove()
