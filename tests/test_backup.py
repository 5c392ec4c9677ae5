"""Restore drills: `flask --app wsgi backup` and `restore`, run as the real CLI in a subprocess.

PostgreSQL: a practice with bookings is dumped, restored into a fresh empty database, and an
app built on that database answers with the same bookings and availability and takes a new
booking. SQLite: a backup taken while another connection keeps writing bookings is consistent,
and restored in place of the live file it is what the app serves.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import make_url

from booking import create_app
from booking.backups import default_backup_path
from booking.backups.postgres import environment
from booking.clock import pinned
from booking.extensions import db
from tests.conftest import FROZEN_NOW, TEST_CONFIG, build_app
from tests.support.databases import create_database, drop_database
from tests.support.factories import Api, booking_body, setup_practice

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))
BERLIN = ZoneInfo("Europe/Berlin")
WEEK = "from=2027-02-02T00:00:00%2B01:00&to=2027-02-09T00:00:00%2B01:00"
SECRET = "Pw-backup-marker-7f3a"


def flask_cli(database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, SCHEDULER="off")
    return subprocess.run([FLASK, "--app", "wsgi", *arguments], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def slots(first: date):
    """Every 30-minute start of setup_practice's hours (Mon-Fri 09-12, 13-17), from `first` on."""
    day = first
    while True:
        if day.weekday() < 5:
            for hour in (9, 10, 11, 13, 14, 15, 16):
                for minute in (0, 30):
                    yield datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).isoformat()
        day += timedelta(days=1)


def snapshot(api: Api, slug: str, service_id: int) -> dict:
    """What the practice looks like from outside: its bookings and its free times."""
    bookings = api.json("GET", f"/api/v1/bookings?{WEEK}")["bookings"]
    free = api.json("GET", f"/api/v1/public/{slug}/availability?service={service_id}&from=2027-02-02&to=2027-02-08",
                    key="")
    return {"bookings": sorted(bookings, key=lambda b: b["id"]), "slots": free["slots"]}


def serve(url: str):
    """An app on the database at `url`; its migrations are at head already (the upgrade does nothing)."""
    app = build_app(url)
    return app, Api(app.test_client())


def dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def pg_databases():
    made: list[str] = []

    def make() -> str:
        made.append(create_database("booking_drill"))
        return made[-1]
    yield make
    for url in made:
        drop_database(url)


def test_postgresql_restore_drill(pg_databases, tmp_path, frozen_now):
    source_url, target_url = pg_databases(), pg_databases()
    app, api = serve(source_url)
    practice = setup_practice(api, staff=2)
    starts = slots(date(2027, 2, 2))
    for n in range(6):
        api.json("POST", "/api/v1/bookings", booking_body(practice, next(starts), email=f"c{n}@example.test"),
                 expect=201)
    before = snapshot(api, practice.slug, practice.service_id)
    dispose(app)
    dump = tmp_path / "drill.dump"

    made = flask_cli(source_url, "backup", "--output", str(dump))
    assert made.returncode == 0, made.stderr
    assert f"Backup written: {dump}" in made.stdout and dump.read_bytes().startswith(b"PGDMP")
    refused = flask_cli(target_url, "restore", str(dump))
    assert refused.returncode != 0 and "--yes" in refused.stderr
    restored = flask_cli(target_url, "restore", str(dump), "--yes")
    assert restored.returncode == 0, restored.stderr

    app, api = serve(target_url)
    api.key = practice.key  # the API keys came back too
    assert snapshot(api, practice.slug, practice.service_id) == before
    assert len(before["bookings"]) == 6
    taken = before["slots"][0]["start"]
    api.json("POST", "/api/v1/bookings", booking_body(practice, taken, email="new@example.test"), expect=201)
    assert api.json("GET", f"/api/v1/public/{practice.slug}", key="")["name"] == f"Practice {practice.slug}"
    assert len(snapshot(api, practice.slug, practice.service_id)["bookings"]) == 7
    dispose(app)


def test_restoring_twice_over_a_restored_database_replaces_it(pg_databases, tmp_path, frozen_now):
    source_url, target_url = pg_databases(), pg_databases()
    app, api = serve(source_url)
    practice = setup_practice(api)
    api.json("POST", "/api/v1/bookings", booking_body(practice, "2027-02-02T09:00:00+01:00"), expect=201)
    dispose(app)
    dump = tmp_path / "twice.dump"
    assert flask_cli(source_url, "backup", "--output", str(dump)).returncode == 0
    assert flask_cli(target_url, "restore", str(dump), "--yes").returncode == 0
    app, api = serve(target_url)
    api.key = practice.key
    api.json("POST", "/api/v1/bookings", booking_body(practice, "2027-02-02T10:00:00+01:00"), expect=201)
    dispose(app)
    again = flask_cli(target_url, "restore", str(dump), "--yes")  # --clean: the later booking goes
    assert again.returncode == 0, again.stderr
    app, api = serve(target_url)
    api.key = practice.key
    assert [b["start"] for b in api.json("GET", f"/api/v1/bookings?{WEEK}")["bookings"]] == [
        "2027-02-02T09:00:00+01:00"]
    dispose(app)


def test_failures_exit_non_zero_with_a_message_and_never_show_the_password(pg_databases, tmp_path):
    url = make_url(pg_databases()).set(drivername="postgresql", password=SECRET)
    missing = url.set(database="booking_drill_does_not_exist")
    failed = flask_cli(missing.render_as_string(hide_password=False), "backup", "--output", str(tmp_path / "x.dump"))
    assert failed.returncode == 1 and "backup failed: pg_dump failed" in failed.stderr
    assert 'database "booking_drill_does_not_exist" does not exist' in failed.stderr
    assert SECRET not in failed.stdout + failed.stderr and not (tmp_path / "x.dump").exists()
    assert list(tmp_path.iterdir()) == []  # no partial file left behind
    # The password travels in the environment, and a working backup does not print it either.
    assert environment(url)["PGPASSWORD"] == SECRET and environment(url)["PGUSER"] == "postgres"
    worked = flask_cli(url.render_as_string(hide_password=False), "backup", "--output", str(tmp_path / "ok.dump"))
    assert worked.returncode == 0 and SECRET not in worked.stdout + worked.stderr


def cli_in_process(database_url: str, *arguments: str):
    """The same commands through Click's runner in this process: cheaper for the refusals."""
    app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url))
    result = app.test_cli_runner().invoke(args=list(arguments))
    dispose(app)
    return result


def test_restore_refuses_what_is_not_its_backup(pg_url, tmp_path):
    not_a_dump = cli_in_process(pg_url, "restore", str(ROOT / "wsgi.py"), "--yes")
    assert not_a_dump.exit_code == 1 and "is not a pg_dump custom-format file" in not_a_dump.output
    no_file = cli_in_process(pg_url, "restore", str(tmp_path / "nope.dump"), "--yes")
    assert no_file.exit_code == 1 and "No backup file at" in no_file.output
    sqlite_url = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    missing = cli_in_process(sqlite_url, "backup", "--output", str(tmp_path / "b.sqlite3"))
    assert missing.exit_code == 1 and "There is no SQLite database at" in missing.output
    not_sqlite = tmp_path / "not.sqlite3"
    not_sqlite.write_bytes(b"PGDMP and more")
    refused = cli_in_process(sqlite_url, "restore", str(not_sqlite), "--yes")
    assert refused.exit_code == 1 and "is not a SQLite database" in refused.output
    unconfirmed = cli_in_process(sqlite_url, "restore", str(not_sqlite))
    assert unconfirmed.exit_code == 2 and "add --yes" in unconfirmed.output
    assert not (tmp_path / "none.sqlite3").exists()


def test_the_default_backup_name_is_timestamped_under_instance_backups(tmp_path):
    assert default_backup_path(tmp_path, "sqlite:///x.sqlite3", FROZEN_NOW) == (
        tmp_path / "backups" / "booking-20270201T070000Z.sqlite3")
    dump = default_backup_path(tmp_path, "postgresql+psycopg://u@h/db", FROZEN_NOW)
    assert dump.name == "booking-20270201T070000Z.dump"


class Writer(threading.Thread):
    """Books one slot after another through the app until told to stop: the traffic a backup
    runs beside."""

    def __init__(self, api: Api, practice) -> None:
        super().__init__(daemon=True)
        self.api, self.practice, self.made, self.stop = api, practice, 0, threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for start in slots(date(2027, 2, 2)):
                if self.stop.is_set():
                    return
                self.api.json("POST", "/api/v1/bookings", booking_body(self.practice, start), expect=201)
                self.made += 1
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc


def _counts(path: Path) -> tuple[int, int, int]:
    """Bookings, and how many of them have their confirmation and their audit entry."""
    with closing(sqlite3.connect(path)) as connection:
        bookings = connection.execute("SELECT count(*) FROM bookings").fetchone()[0]
        confirmed = connection.execute("SELECT count(DISTINCT booking_id) FROM notifications "
                                       "WHERE kind = 'confirmation'").fetchone()[0]
        audited = connection.execute("SELECT count(DISTINCT booking_id) FROM booking_events "
                                     "WHERE action = 'created'").fetchone()[0]
    return bookings, confirmed, audited


def test_sqlite_backup_while_writing_and_restore_in_place(tmp_path):
    live = tmp_path / "live.sqlite3"
    url = f"sqlite:///{live}"
    app, api = serve(url)
    with pinned(FROZEN_NOW):
        practice = setup_practice(api)
        writer = Writer(Api(app.test_client()), practice)
        writer.api.key = practice.key
        writer.start()
        while writer.made < 3 and writer.is_alive():
            threading.Event().wait(0.05)
        made = flask_cli(url, "backup", "--output", str(tmp_path / "copy.sqlite3"))
        at_backup_end = writer.made
        threading.Event().wait(0.3)  # and a few more after it
        writer.stop.set()
        writer.join(60)
    assert writer.error is None and made.returncode == 0, made.stderr
    backed_up = _counts(tmp_path / "copy.sqlite3")
    # A snapshot of one moment: every booking in it whole, with what its transaction wrote.
    assert backed_up[0] == backed_up[1] == backed_up[2] and 3 <= backed_up[0] <= at_backup_end + 1
    assert writer.made > backed_up[0]  # the live database moved on

    dispose(app)  # the app is stopped for a restore
    restored = flask_cli(url, "restore", str(tmp_path / "copy.sqlite3"), "--yes")
    assert restored.returncode == 0, restored.stderr
    app, api = serve(url)
    api.key = practice.key
    with pinned(FROZEN_NOW):
        listed = api.json("GET", "/api/v1/bookings?from=2027-02-01T00:00:00Z&to=2028-01-01T00:00:00Z")["bookings"]
        assert len(listed) == backed_up[0]
        # The slot after the last booking in the backup is free again (the writer had taken it later).
        last = max(datetime.fromisoformat(b["start"]) for b in listed)
        after_last = next(start for start in slots(date(2027, 2, 2)) if datetime.fromisoformat(start) > last)
        api.json("POST", "/api/v1/bookings", booking_body(practice, after_last), expect=201)
    dispose(app)

