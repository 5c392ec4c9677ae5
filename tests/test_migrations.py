"""The migrations build exactly the schema the models describe (on PostgreSQL and SQLite)."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from booking.extensions import db


@pytest.mark.parametrize("which", ["app", "sqlite_app"])
def test_models_and_migrations_agree(request, which):
    app = request.getfixturevalue(which)
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
