"""Fixtures: a real PostgreSQL database built by the migrations, the app, clients, a pinned clock."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import flask_migrate
import pytest

from booking import create_app
from booking.clock import pinned
from booking.extensions import db
from tests.support.databases import create_database, drop_database
from tests.support.factories import Api

# Tests that run in-process see this instant as "now" (a Monday in winter time).
FROZEN_NOW = datetime(2027, 2, 1, 7, 0, tzinfo=timezone.utc)
TEST_CONFIG = {"TESTING": True, "RATELIMIT_ENABLED": False, "SECRET_KEY": "test-secret",
               "SCHEDULER": "off", "BASE_URL": ""}


def build_app(database_url: str, **overrides):
    app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url, **overrides))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def pg_url():
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def app(pg_url):
    application = build_app(pg_url)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
    application = build_app(f"sqlite:///{path}")
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def frozen_now():
    with pinned(FROZEN_NOW):
        yield FROZEN_NOW


@pytest.fixture
def client(app, frozen_now):
    return app.test_client()


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def sqlite_api(sqlite_app, frozen_now):
    return Api(sqlite_app.test_client())


def pytest_sessionfinish(session, exitstatus):
    """On CI nothing may be skipped: a PostgreSQL or browser test that could not run fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI", "").lower() == "true" and skipped:
        reporter.write_line(f"CI=true: {skipped} test(s) were skipped; failing the run", red=True)
        session.exitstatus = 1


def pytest_sessionstart(session):
    """German and Spanish pages need the compiled catalogues (`make test` builds them first);
    without them every page would quietly speak English, so stop with the fix instead."""
    translations = Path(__file__).resolve().parents[1] / "booking" / "translations"
    for lang in ("de", "es"):  # English is the source language: not compiled
        po = translations / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            raise pytest.UsageError(f"{mo.relative_to(translations.parent.parent)} is missing or older than its "
                                    ".po: run `make translations` (or `make test`, which does)")
