"""A real HTTP SMS gateway for tests: records every JSON POST the SMS webhook sends it."""
from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Gateway(http.server.ThreadingHTTPServer):
    """Answers `status` (200 by default) and keeps the bodies of the POSTs it accepted."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 200
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.status == 200:
            self.server.received.append(body)
        self.send_response(self.server.status)
        self.end_headers()


@contextmanager
def sms_gateway(app) -> Iterator[Gateway]:
    """A running gateway, set as the app's SMS_WEBHOOK_URL until the block ends."""
    server = Gateway()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["SMS_WEBHOOK_URL"] = f"http://127.0.0.1:{server.server_address[1]}/sms"
    try:
        yield server
    finally:
        app.config["SMS_WEBHOOK_URL"] = None
        server.shutdown()
        server.server_close()
