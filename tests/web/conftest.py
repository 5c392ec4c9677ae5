"""Fixtures of the web tests: a practice made through the API, and its owner logged into the workspace
through /login. A module that needs another practice defines its own `practice`; `owner` logs into that."""
from __future__ import annotations

import pytest

from tests.support.factories import setup_practice
from tests.support.workspace import log_in


@pytest.fixture
def practice(api):
    """setup_practice's defaults: a business in Europe/Berlin, one staff member, one 30-minute service."""
    return setup_practice(api)


@pytest.fixture
def owner(client, practice):
    """`client`, logged in as the practice's owner."""
    assert log_in(client, f"owner@{practice.slug}.test").status_code == 302
    return client
