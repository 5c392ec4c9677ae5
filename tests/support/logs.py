"""Reading what the app's own log handler writes (the one create_app installs on the root logger)."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager

from booking.observability.logs import app_handler, configure_logging


@contextmanager
def captured_log(app) -> Iterator[io.StringIO]:
    """Configure logging from `app`'s settings and collect its handler's lines until the block ends."""
    configure_logging(app)
    handler = app_handler()
    buffer = io.StringIO()
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(None)


def json_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
