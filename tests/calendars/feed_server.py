"""A real HTTP server on 127.0.0.1 serving calendar feeds that misbehave in every common way,
and a watch over every socket connection the test process makes (an audit hook, no mocks)."""
from __future__ import annotations

import base64
import gzip
import hashlib
import ipaddress
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.servers import free_port


@dataclass
class Route:
    """How one path answers. `etag`: send an ETag (sha of the body) and answer If-None-Match with
    304; `length`: send Content-Length (otherwise the body ends when the connection closes)."""

    status: int = 200
    body: bytes = b""
    etag: bool = True
    length: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None  # written instead of an HTTP answer
    stream_bytes: int = 0  # a body of this many bytes, generated while sending
    gzip: bool = False
    require_auth: str | None = None  # "user:password" for Basic auth, else 401


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer.Http
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        route = self.server.owner.routes.get(self.path.split("?")[0], Route(status=404, body=b"not found"))
        seen = Seen(self.path, dict(self.headers.items()), 0)
        self.server.owner.seen.append(seen)  # before answering: the client may be done right after
        try:
            seen.status = self._answer(route)
        except (BrokenPipeError, ConnectionResetError):
            seen.status = -1  # the client stopped reading (size cap): expected

    def _answer(self, route: Route) -> int:
        if route.delay:
            time.sleep(route.delay)
        if route.raw is not None:
            self.wfile.write(route.raw)
            self.close_connection = True
            return 0
        if route.require_auth and not self._authorized(route.require_auth):
            return self._send(401, b"login required", {"WWW-Authenticate": 'Basic realm="cal"'}, True)
        tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        if route.etag and self.headers.get("If-None-Match") == tag:
            return self._send(304, b"", {"ETag": tag}, True)
        headers = dict(route.headers, **({"ETag": tag} if route.etag else {}))
        if route.stream_bytes:
            return self._stream(route, headers)
        body = gzip.compress(route.body) if route.gzip else route.body
        if route.gzip:
            headers["Content-Encoding"] = "gzip"
        return self._send(route.status, body, headers, route.length)

    def _authorized(self, credentials: str) -> bool:
        return self.headers.get("Authorization") == "Basic " + base64.b64encode(credentials.encode()).decode()

    def _send(self, status: int, body: bytes, headers: dict[str, str], length: bool) -> int:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if body and self.command != "HEAD":
            self.wfile.write(body)
        return status

    def _stream(self, route: Route, headers: dict[str, str]) -> int:
        self.send_response(route.status)
        for name, value in headers.items():
            self.send_header(name, value)
        if route.length:
            self.send_header("Content-Length", str(route.stream_bytes))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"X" * 65536
        for _ in range(route.stream_bytes // len(chunk)):
            self.wfile.write(chunk)
        return route.status


class FeedServer:
    """`with FeedServer() as server:` then `server.routes["/x.ics"] = Route(...)`, `server.url("/x.ics")`."""

    class Http(ThreadingHTTPServer):
        daemon_threads = True
        owner: FeedServer

    def __init__(self) -> None:
        self.port = free_port()
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.http = FeedServer.Http(("127.0.0.1", self.port), _Handler)
        self.http.owner = self
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path.split("?")[0] == path]

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.thread.join(timeout=10)


# --- every connection the process opens -------------------------------------------------------

_watching: list[list[str]] = []
_hook_installed = False


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect" and _watching:
        address = args[1]
        host = address[0] if isinstance(address, tuple) else str(address)
        for log in _watching:
            log.append(host)
        if isinstance(address, tuple) and not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            raise PermissionError(f"test tried to connect outside loopback: {host}")


@contextmanager
def connections() -> Iterator[list[str]]:
    """The addresses of every socket.connect during the block. A connect outside 127.0.0.0/8 and
    ::1 is refused (PermissionError) even if the code under test were to try one."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_hook)  # audit hooks cannot be removed; this one only acts while watching
        _hook_installed = True
    log: list[str] = []
    _watching.append(log)
    try:
        yield log
    finally:
        _watching.remove(log)


def ics(*events: str, name: str = "Test") -> bytes:
    """A VCALENDAR around VEVENT bodies (CRLF line ends)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//booking tests//EN", f"X-WR-CALNAME:{name}"]
    for index, body in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:event-{index}@tests", "DTSTAMP:20270101T000000Z",
                  *body.strip().splitlines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(line.strip() for line in lines) + "\r\n").encode()
