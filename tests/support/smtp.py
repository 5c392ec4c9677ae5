"""A real SMTP server for tests (aiosmtpd), keeping every message it receives."""
from __future__ import annotations

import asyncio
import email
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import default

from aiosmtpd.controller import Controller

from tests.support.servers import free_port

_HEADERS = BytesHeaderParser(policy=default)
# aiosmtpd logs every connection at INFO, also after a test's output capture has ended.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Inbox:
    """aiosmtpd handler: parsed messages in arrival order; `down` makes it refuse mail.

    `headers_only` parses just the header block (load tests: thousands of messages without
    spending the CPU the senders need); bodies are then not available."""

    def __init__(self, headers_only: bool = False) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived_at: list[float] = []  # time.monotonic() of each accepted message
        self.ports: list[int] = []  # the server port each message came in on (several servers may share an inbox)
        self.lock = threading.Lock()
        self.down = False
        self.refused = 0  # DATA answered 421 while down
        self.headers_only = headers_only

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.down:
            with self.lock:
                self.refused += 1
            return "421 Service not available, try again later"
        if self.headers_only:
            message = _HEADERS.parsebytes(envelope.content)
        else:
            message = email.message_from_bytes(envelope.content, policy=default)
        port = server.transport.get_extra_info("sockname")[1]
        with self.lock:
            self.messages.append(message)
            self.arrived_at.append(time.monotonic())
            self.ports.append(port)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]

    def message_id_counts(self) -> Counter:
        """How often each Message-ID arrived (a value above 1 is a duplicate delivery)."""
        return Counter(self.message_ids())

    def by_port(self) -> Counter:
        """How many messages each server port accepted."""
        with self.lock:
            return Counter(self.ports)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in m["To"]]


class _Controller(Controller):
    """aiosmtpd's controller, remembering its connections so `stop()` can close them: stopping
    with clients still connected would otherwise leave their transports open (ResourceWarning)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connections: weakref.WeakSet = weakref.WeakSet()

    def factory(self):
        protocol = super().factory()
        self.connections.add(protocol)
        return protocol

    def drop_connections(self) -> None:
        async def drop() -> None:
            # Stop accepting first: a client connecting between the abort and the stop would
            # otherwise keep a transport the closed loop can no longer close.
            if self.server is not None:
                self.server.close()
            quiet_rounds = 0
            for _ in range(50):  # until every socket transport of this loop is gone
                open_transports = self._open_transports()
                # An accept already in flight makes its transport a loop turn or two later:
                # only a few empty rounds in a row mean none is coming.
                quiet_rounds = 0 if open_transports else quiet_rounds + 1
                if quiet_rounds >= 3:
                    return
                for transport in open_transports:
                    if not transport.is_closing():
                        transport.abort()  # the server is gone: no goodbye
                await asyncio.sleep(0.01)  # accepts in flight finish, connection_lost runs

        asyncio.run_coroutine_threadsafe(drop(), self.loop).result(timeout=10)

    def close_leftovers(self, loop) -> None:
        """After the loop has closed: close the socket of any transport it still held (one made
        by an accept that finished after the drop), which nothing else could close any more."""
        for transport in list(getattr(loop, "_transports", {}).values()):
            sock = getattr(transport, "_sock", None)
            if sock is not None:
                sock.close()
                transport._sock = None

    def _open_transports(self) -> list:
        # The selector loop's own registry of its socket transports (private, but the only
        # complete list: a protocol created by an accept still in flight is not yet known to
        # `connections`). A transport leaves it when its socket is closed.
        registry = getattr(self.loop, "_transports", {})
        tracked = [p.transport for p in list(self.connections) if p.transport is not None]
        return [t for t in {*registry.values(), *tracked} if getattr(t, "_sock", None) is not None]


class SmtpServer:
    """An aiosmtpd server on a free local port; `stop()` and `start()` take it off the network
    and bring it back on the same port with the same inbox (connections are then refused).
    Several servers may share one `inbox` (a port per sending process tells them apart)."""

    def __init__(self, headers_only: bool = False, inbox: Inbox | None = None) -> None:
        self.inbox = inbox or Inbox(headers_only=headers_only)
        self.port = free_port()
        self.controller = _Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.running = False
        self.stopped = False

    def start(self) -> None:
        if not self.running:
            if self.stopped:  # a stopped controller's loop is spent: a new one on the same port
                self.controller = _Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()
            self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.drop_connections()
            loop = self.controller.loop
            self.controller.stop()
            self.controller.close_leftovers(loop)
            self.running, self.stopped = False, True

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@contextmanager
def app_mailing_to_smtp(app, **settings) -> Iterator[Inbox]:
    """A fresh SmtpServer that the app sends its mail to (from praxis@example.test), with further
    config `settings` (BASE_URL for the links in the mail); the app's config is put back after."""
    with SmtpServer() as server:
        settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "MAIL_FROM": "praxis@example.test",
                    **settings}
        before = {key: app.config.get(key) for key in settings}
        app.config.update(settings)
        try:
            yield server.inbox
        finally:
            app.config.update(before)
