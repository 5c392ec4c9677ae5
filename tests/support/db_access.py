"""Looking at or preparing rows from a test, beside the requests the client makes."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from booking.extensions import db


@contextmanager
def database(app) -> Iterator:
    """A session of its own inside an app context, removed afterwards."""
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()
