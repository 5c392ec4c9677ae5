"""The whole app running for real, for fault, load and soak runs: a fresh PostgreSQL database
(by default on a PostgreSQL server of its own, so restarting it disturbs nobody), gunicorn with
several workers, `flask worker` dispatchers, an aiosmtpd server; a practice set up through the
API; and the checks afterwards, straight from the database: every booking that was answered 201
is there, no staff member is double-booked, every due notification reached the SMTP server
exactly once (by Message-ID), and no process logged a traceback.

Shared by tests/reliability/test_faults.py and benchmarks/faults.py, load_rush.py and soak.py.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from tests.reliability.outbox_load import Outbox, migrate
from tests.reliability.processes import Processes, app_env
from tests.support.databases import create_database, drop_database
from tests.support.factories import Api, sign_up
from tests.support.private_postgres import PrivatePostgres
from tests.support.smtp import SmtpServer

OPEN_FROM, OPEN_UNTIL = "04:00", "23:00"  # every day; the zone is chosen so that it is ~01:00 there now
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Lines a healthy run may log at ERROR: gunicorn reporting the worker a fault scenario killed.
EXPECTED_ERRORS = re.compile(r"Worker \(pid:\d+\) was sent SIGKILL")


def zone_at_one_am(now: datetime) -> str:
    """An Etc/GMT zone in which it is between 01:00 and 02:00 now (POSIX signs are inverted),
    so that the whole local day lies ahead: today's bookings have not begun for hours."""
    offset = (1 - now.hour) % 24
    if offset > 14:
        offset -= 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


@dataclass
class Practice:
    """What the traffic needs to know about the business it drives."""

    slug: str
    key: str
    zone: str
    staff_ids: list[int]
    service_ids: list[int]
    duration_minutes: int

    def day(self, offset: int) -> date:
        return (datetime.now(timezone.utc).astimezone(ZoneInfo(self.zone)) + timedelta(days=offset)).date()

    def starts(self, offset: int) -> list[str]:
        """Every bookable start (ISO, with offset) of the local day `offset` days from today."""
        tz = ZoneInfo(self.zone)
        first = datetime.combine(self.day(offset), datetime.strptime(OPEN_FROM, "%H:%M").time(), tz)
        last = datetime.combine(self.day(offset), datetime.strptime(OPEN_UNTIL, "%H:%M").time(), tz)
        step = timedelta(minutes=self.duration_minutes)
        count = int((last - first) / step)
        return [(first + n * step).isoformat() for n in range(count)]


def set_up_practice(api: Api, staff: int = 3, services: int = 2, duration_minutes: int = 30) -> Practice:
    """A business through the API: `staff` members open every day OPEN_FROM-OPEN_UNTIL, `services`
    services of the same length that all of them offer, no notice and no cancellation cut-off."""
    zone = zone_at_one_am(datetime.now(timezone.utc))
    practice = sign_up(api, timezone=zone, cancellation_cutoff_hours=0)
    hours = {day: [[OPEN_FROM, OPEN_UNTIL]] for day in DAYS}
    staff_ids = []
    for n in range(staff):
        member = api.json("POST", "/api/v1/staff", {"name": f"Dr. Rush {n + 1}"}, expect=201)
        api.json("PUT", f"/api/v1/staff/{member['id']}/hours", hours)
        staff_ids.append(member["id"])
    service_ids = [api.json("POST", "/api/v1/services", {"name": f"Service {n + 1}", "duration_minutes":
                                                         duration_minutes, "staff_ids": staff_ids}, expect=201)["id"]
                   for n in range(services)]
    return Practice(practice.slug, practice.key, zone, staff_ids, service_ids, duration_minutes)


@dataclass
class StackOptions:
    web_workers: int = 4
    dispatchers: int = 1
    lease_seconds: int = 20  # how long a killed dispatcher's claim waits before another takes it
    poll_seconds: int = 1
    private_postgres: bool = True  # False: a database on the shared cluster (TEST_POSTGRES_ADMIN_URL)
    env: dict[str, str] = field(default_factory=dict)


class AppStack:
    """`with AppStack(log_dir) as stack:` everything running; `stack.web_url`, `stack.inbox`,
    `stack.outbox`, `stack.processes`, `stack.pg` (None on the shared cluster)."""

    def __init__(self, log_dir: Path, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.processes = Processes(Path(log_dir))
        self.pg: PrivatePostgres | None = None
        self.smtp = SmtpServer(headers_only=True)
        self.url = ""
        self.outbox: Outbox | None = None
        self.web_url = ""
        self.env: dict[str, str] = {}

    @property
    def inbox(self):
        return self.smtp.inbox

    def __enter__(self) -> AppStack:
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        if self.options.private_postgres:
            self.pg = PrivatePostgres().__enter__()
            self.url = self.pg.create_database()
        else:
            self.url = create_database("booking_stack")
        migrate(self.url)
        self.outbox = Outbox(self.url)
        self.smtp.start()
        self.env = app_env(self.url, self.smtp.port, NOTIFY_LEASE_SECONDS=str(self.options.lease_seconds),
                           NOTIFY_POLL_SECONDS=str(self.options.poll_seconds), **self.options.env)
        names = [f"worker{number}" for number in range(1, self.options.dispatchers + 1)]
        for name in names:  # booting beside gunicorn's workers
            self.processes.worker(name, self.env)
        self.web_url = self.processes.gunicorn("web", self.env, workers=self.options.web_workers)
        for name in names:
            self.processes.wait_for_output(name, "worker: running jobs")

    def reconnect(self) -> None:
        """A new connection for the checks, after a PostgreSQL restart ended the old one."""
        if self.outbox is not None:
            self.outbox.close()
        self.outbox = Outbox(self.url)

    def start_dispatcher(self, name: str) -> None:
        self.processes.worker(name, self.env)
        self.processes.wait_for_output(name, "worker: running jobs")

    def __exit__(self, *exc) -> None:
        self.processes.close()
        self.smtp.stop()
        if self.outbox is not None:
            self.outbox.close()
        if self.pg is not None:
            self.pg.__exit__()
        elif self.url:
            drop_database(self.url)

    def api(self, key: str = "") -> Api:
        api = Api(requests.Session(), self.web_url)
        api.key = key
        return api

    def log_problems(self) -> list[str]:
        """Lines of any process's log that show a traceback or an error (a 500 logs both)."""
        problems = []
        for name, _process, _log in self.processes.started:
            for line in self.processes.log_text(name).splitlines():
                error = (" ERROR " in line or "[ERROR]" in line) and not EXPECTED_ERRORS.search(line)
                if "Traceback" in line or error:
                    problems.append(f"{name}: {line.strip()[:300]}")
        return problems


def missing_bookings(outbox: Outbox, booking_ids: list[int]) -> list[int]:
    """Of the bookings answered 201, those the database does not have."""
    found = {r[0] for r in outbox.connection.execute("SELECT id FROM bookings WHERE id = ANY(%s)", (booking_ids,))}
    return sorted(set(booking_ids) - found)


def double_bookings(outbox: Outbox) -> int:
    """Pairs of overlapping bookings of one staff member that are both not cancelled."""
    return outbox.connection.execute(
        "SELECT count(*) FROM bookings a JOIN bookings b ON a.staff_id = b.staff_id AND a.id < b.id "
        "WHERE a.status <> 'cancelled' AND b.status <> 'cancelled' "
        "AND a.start_utc < b.end_utc AND b.start_utc < a.end_utc").fetchone()[0]


@dataclass
class Delivery:
    """The outbox against the SMTP inbox, by Message-ID."""

    sent_rows: int
    waiting: int  # due rows not sent yet (pending or sending), when checked
    lost: list[str]  # marked sent, never arrived
    duplicates: dict[str, int]  # arrived more than once
    unknown: list[str]  # arrived, no such row
    not_sent: Counter  # statuses of due rows other than sent (failed, expired, cancelled)


def check_delivery(outbox: Outbox, inbox) -> Delivery:
    rows = outbox.connection.execute(
        "SELECT message_id, status FROM notifications WHERE channel = 'email' AND due_at <= now()").fetchall()
    sent = {message_id for message_id, status in rows if status == "sent"}
    counts = inbox.message_id_counts()
    known = {r[0] for r in outbox.connection.execute("SELECT message_id FROM notifications")}
    return Delivery(sent_rows=len(sent), waiting=sum(status in ("pending", "sending") for _, status in rows),
                    lost=sorted(sent - set(counts)), duplicates={m: n for m, n in counts.items() if n > 1},
                    unknown=sorted(set(counts) - known),
                    not_sent=Counter(status for _, status in rows if status not in ("sent", "pending", "sending")))


def wait_until_delivered(outbox: Outbox, inbox, deadline_seconds: float) -> Delivery:
    """Until no due notification waits any more (or the deadline passes); the last check."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        delivery = check_delivery(outbox, inbox)
        if delivery.waiting == 0 or time.monotonic() > deadline:
            return delivery
        time.sleep(0.5)
