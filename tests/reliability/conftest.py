"""A fresh PostgreSQL database per test, SMTP servers, and the app's processes, all cleaned up."""
from __future__ import annotations

import pytest

from tests.reliability.outbox_load import Outbox, migrate
from tests.reliability.processes import Processes
from tests.support.databases import create_database, drop_database
from tests.support.smtp import Inbox, SmtpServer


@pytest.fixture
def database():
    """(SQLAlchemy URL, Outbox) of a migrated, empty database; dropped afterwards."""
    url = create_database("booking_reliability")
    outbox = None
    try:
        migrate(url)
        outbox = Outbox(url)
        yield url, outbox
    finally:
        if outbox is not None:
            outbox.close()
        drop_database(url)  # WITH (FORCE): also ends the connections of killed processes


@pytest.fixture
def inbox():
    return Inbox(headers_only=True)


@pytest.fixture
def smtp_servers(inbox):
    """smtp_servers(n): n SMTP servers sharing `inbox` (one port per sending process)."""
    servers: list[SmtpServer] = []

    def start(count: int = 1) -> list[SmtpServer]:
        for _ in range(count):
            server = SmtpServer(inbox=inbox)
            server.start()
            servers.append(server)
        return servers[-count:]

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def processes(tmp_path, request):
    group = Processes(tmp_path / "logs")
    try:
        yield group
    finally:
        group.close()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(group.tails())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
