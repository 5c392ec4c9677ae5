"""Fetching an external calendar's ICS address: SSRF guard, size cap, time budget, conditional GET.

Only http and https (webcal:// and webcals:// are rewritten to https://). Before every hop,
the first request and each redirect alike (redirects are followed here, never automatically),
the host is resolved and *every* address it resolves to is checked: loopback, private,
link-local, multicast, unspecified, reserved and other non-global addresses are refused
unless `allow_private`. The connection then goes to the checked address itself (the
resolution is pinned), so a DNS answer that changes between the check and the connect
(DNS rebinding) cannot steer us elsewhere; TLS still verifies the certificate against the
host name (SNI + hostname check). Refusals happen before any socket is opened.

No cookies are kept and no credentials are sent except a `user:password@` embedded in the
address (Nextcloud, Radicale), sent as Basic auth to that origin only. Error messages never
contain the address, so a password or secret path never reaches a log or the UI.

One `timeout` budget covers the whole exchange (connects, redirects, headers and body), so a
server that trickles bytes cannot hold a worker. Bodies above `max_bytes` (after gzip
decoding) are refused as too large.
"""
from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

USER_AGENT = "BookingCalendarSync/1.0 (busy times only)"
REVOKED = frozenset({401, 403, 404, 410})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
PATH_SAFE = "".join(chr(c) for c in range(33, 127))
SCHEMES = {"http": "http", "https": "https", "webcal": "https", "webcals": "https"}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """The feed could not be fetched. `kind`: revoked, unreachable, too_large, bad_response,
    refused_address or bad_url; `message` is safe to show (it never contains the address)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


@dataclass(frozen=True)
class FetchResult:
    status: str  # "ok" | "not_modified"
    body: bytes | None
    etag: str | None
    last_modified: str | None
    charset: str | None


@dataclass(frozen=True)
class Target:
    """One parsed address: where to connect and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    username: str | None
    password: str | None

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port


def normalize_url(url: str) -> str:
    """The address as we fetch it (webcal -> https), or FetchError("bad_url")."""
    text = (url or "").strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise FetchError("bad_url", "The address must start with https://, http:// or webcal://.")
    return f"{SCHEMES[scheme.lower()]}://{rest}"


def parse_target(url: str) -> Target:
    normalized = normalize_url(url)
    try:
        parts = urlsplit(normalized)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        raise FetchError("bad_url", "The address is not a valid web address.") from exc
    if not host or any(c in host for c in " \t\r\n/\\"):
        raise FetchError("bad_url", "The address has no valid host name.")
    path = quote(parts.path or "/", safe=PATH_SAFE)  # non-ASCII and spaces percent-encoded
    if parts.query:
        path += "?" + quote(parts.query, safe=PATH_SAFE)
    return Target(url=normalized, scheme=parts.scheme, host=host, port=port, path=path,
                  username=unquote(parts.username) if parts.username else None,
                  password=unquote(parts.password) if parts.password else None)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally routable unicast address (IPv4-mapped and 6to4 IPv6 judged by their IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (address.is_private or address.is_loopback or address.is_link_local
                                      or address.is_multicast or address.is_unspecified or address.is_reserved)


def resolve(host: str, port: int, allow_private: bool, exempt: Iterable[Network] = ()) -> list[str]:
    """Every address of `host`, all checked; FetchError if any is refused or none is found."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("unreachable", "The calendar's server name could not be found.") from exc
    addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
    exempt = tuple(exempt)
    for text in addresses:
        address = ipaddress.ip_address(text)
        if not (allow_private or is_public(address) or any(address in net for net in exempt)):
            raise FetchError("refused_address", "The address points to a private or local network, "
                                                "which is not allowed.")
    if not addresses:
        raise FetchError("unreachable", "The calendar's server name could not be found.")
    return addresses


def check_url(url: str, allow_private: bool) -> str:
    """Validate a new address the way fetch() will treat it; returns the normalized address."""
    target = parse_target(url)
    if not allow_private:
        resolve(target.host, target.port, allow_private=False)
    return target.url


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("time budget spent")
    return left


def _connect(target: Target, addresses: list[str], deadline: float) -> http.client.HTTPConnection:
    """A connection pinned to the first checked address that accepts."""
    last: OSError | None = None
    for address in addresses:
        if target.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                target.host, target.port, timeout=_remaining(deadline), context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=_remaining(deadline))
        # http.client connects through this hook; TLS wrapping still uses target.host.
        conn._create_connection = (lambda _addr, timeout, source, pinned=address:  # type: ignore[attr-defined]
                                   socket.create_connection((pinned, target.port), timeout, source))
        try:
            conn.connect()
            return conn
        except ssl.SSLError:
            raise
        except OSError as exc:
            conn.close()
            last = exc
    raise last or OSError("no address to connect to")


def _headers(target: Target, etag: str | None, last_modified: str | None,
             credentials: tuple[str, str] | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1",
               "Accept-Encoding": "gzip", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    if credentials:
        token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    return headers


def _read_body(response: http.client.HTTPResponse, conn: http.client.HTTPConnection, max_bytes: int,
               deadline: float) -> bytes:
    length = response.getheader("Content-Length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise FetchError("too_large", f"The calendar is larger than {max_bytes // (1024 * 1024)} MB.")
    chunks, total = [], 0
    while True:
        if conn.sock is not None:
            conn.sock.settimeout(_remaining(deadline))
        chunk = response.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise FetchError("too_large", f"The calendar is larger than {max_bytes // (1024 * 1024)} MB.")
        chunks.append(chunk)
    return _decode(b"".join(chunks), response.getheader("Content-Encoding", ""), max_bytes)


def _decode(raw: bytes, encoding: str, max_bytes: int) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError("bad_response", f"The server used an unsupported encoding ({encoding[:20]}).")
    decoder = zlib.decompressobj(47)  # 32 + 15: gzip or zlib header, detected
    try:
        body = decoder.decompress(raw, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError("bad_response", "The server sent a damaged compressed answer.") from exc
    if len(body) > max_bytes:
        raise FetchError("too_large", f"The calendar is larger than {max_bytes // (1024 * 1024)} MB.")
    return body


def _credentials_for(target: Target, first: Target, inherited: tuple[str, str] | None) -> tuple[str, str] | None:
    """Credentials in the address win; the original ones follow a redirect only to the same host
    (same scheme and port, or an upgrade to https)."""
    if target.username is not None:
        return target.username, target.password or ""
    same_host = target.host == first.host
    same_origin = target.origin == first.origin or (same_host and target.scheme == "https")
    return inherited if same_origin else None


def _one_hop(target: Target, headers: dict[str, str], allow_private: bool, exempt: tuple[Network, ...],
             max_bytes: int, deadline: float) -> tuple[int, dict[str, str | None], bytes | None]:
    """One request: (status, the headers we need, body for a 200)."""
    conn = _connect(target, resolve(target.host, target.port, allow_private, exempt), deadline)
    response: http.client.HTTPResponse | None = None
    try:
        conn.request("GET", target.path, headers=headers)
        response = conn.getresponse()
        wanted = {name: response.getheader(name) for name in ("Location", "ETag", "Last-Modified")}
        wanted["charset"] = response.headers.get_content_charset()
        body = _read_body(response, conn, max_bytes, deadline) if response.status == 200 else None
        return response.status, wanted, body
    finally:
        if response is not None:
            response.close()  # releases the socket's file object; conn.close() alone leaves the fd open
        conn.close()


def _follow(url: str, etag: str | None, last_modified: str | None, allow_private: bool,
            exempt: tuple[Network, ...], max_bytes: int, max_redirects: int, deadline: float) -> FetchResult:
    first = target = parse_target(url)
    credentials = _credentials_for(first, first, None)
    for _ in range(max_redirects + 1):
        auth = _credentials_for(target, first, credentials)
        status, got, body = _one_hop(target, _headers(target, etag, last_modified, auth), allow_private,
                                     exempt, max_bytes, deadline)
        if status in REDIRECTS:
            if not got["Location"]:
                raise FetchError("bad_response", f"The server redirected (HTTP {status}) without a location.")
            target = parse_target(urljoin(target.url, got["Location"].strip()))
            continue
        return _result(status, got, body, etag, last_modified)
    raise FetchError("bad_response", f"The address redirected more than {max_redirects} times.")


def _result(status: int, got: dict[str, str | None], body: bytes | None, etag: str | None,
            last_modified: str | None) -> FetchResult:
    if status == 304:
        return FetchResult("not_modified", None, got["ETag"] or etag, got["Last-Modified"] or last_modified, None)
    if status == 200:
        return FetchResult("ok", body, got["ETag"], got["Last-Modified"], got["charset"])
    if status in REVOKED:
        raise FetchError("revoked", f"The calendar's server answered HTTP {status}: the address was revoked "
                                    "or is wrong (secret addresses change when they are reset).")
    raise FetchError("bad_response", f"The calendar's server answered HTTP {status}.")


def fetch(url: str, etag: str | None, last_modified: str | None, *, allow_private: bool, timeout: float = 20,
          max_bytes: int = 10 * 1024 * 1024, max_redirects: int = 5,
          exempt: Iterable[Network] = ()) -> FetchResult:
    """GET the feed (conditionally when validators are given). `exempt` networks pass the address
    check even when `allow_private` is off (an operator's own CalDAV host; tests on loopback)."""
    deadline = time.monotonic() + timeout
    try:
        return _follow(url, etag, last_modified, allow_private, tuple(exempt), max_bytes, max_redirects, deadline)
    except FetchError:
        raise
    except TimeoutError as exc:
        raise FetchError("unreachable", f"The calendar's server did not answer within {timeout:g} seconds.") from exc
    except ssl.SSLError as exc:
        raise FetchError("unreachable", "A secure connection to the calendar's server failed "
                                        f"({exc.__class__.__name__}).") from exc
    except http.client.HTTPException as exc:
        raise FetchError("bad_response", "The calendar's server sent an answer that is not valid HTTP.") from exc
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise FetchError("unreachable", f"The calendar's server could not be reached ({reason}).") from exc
