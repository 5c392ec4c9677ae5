"""fetch(): the SSRF guard, redirects, caps, time budget, conditional GET and credentials, against a
real HTTP server on 127.0.0.1. No traffic ever leaves loopback: private and metadata addresses
are refused before a socket is opened, which `connections()` (an audit hook) proves."""
from __future__ import annotations

import ipaddress
import time

import pytest

from booking.calendars.fetch import FetchError, check_url, fetch
from tests.calendars.feed_server import FeedServer, Route, connections, ics
from tests.support.factories import setup_practice

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
FEED = ics("DTSTART:20270301T090000Z\nDTEND:20270301T100000Z")
REFUSED = ["http://127.0.0.1/feed.ics", "http://10.1.2.3/feed.ics", "http://169.254.169.254/latest/meta-data/",
           "http://[::1]/feed.ics", "http://localhost/feed.ics", "http://0.0.0.0/feed.ics",
           "http://[::ffff:127.0.0.1]/feed.ics", "http://2130706433/feed.ics", "webcal://192.168.1.10/x.ics",
           "https://172.16.0.1/x.ics", "http://[fe80::1]/x.ics", "http://[fc00::1]/x.ics", "http://224.0.0.1/x.ics"]


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.mark.parametrize("url", REFUSED)
def test_private_addresses_are_refused_before_connecting(url):
    with connections() as opened, pytest.raises(FetchError) as caught:
        fetch(url, None, None, allow_private=False)
    assert caught.value.kind == "refused_address"
    assert opened == []
    with pytest.raises(FetchError, match="private or local"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["ftp://example.com/x.ics", "file:///etc/passwd", "javascript:alert(1)",
                                 "example.com/cal.ics", "http:///nohost", "", "gopher://127.0.0.1:70/"])
def test_only_web_addresses_are_accepted(url):
    with pytest.raises(FetchError) as caught:
        check_url(url, allow_private=True)
    assert caught.value.kind == "bad_url"


def test_webcal_becomes_https():
    assert check_url("webcal://example.com/cal.ics", allow_private=True) == "https://example.com/cal.ics"
    assert check_url("WEBCALS://example.com/a b.ics", allow_private=True) == "https://example.com/a b.ics"


def test_the_api_refuses_private_addresses_with_422_on_url(api):
    practice = setup_practice(api)
    path = f"/api/v1/staff/{practice.staff_ids[0]}/calendars"
    for url in ("http://127.0.0.1:8080/x.ics", "http://10.1.2.3/x.ics", "http://169.254.169.254/",
                "http://[::1]/x.ics", "http://localhost/x.ics", "ftp://example.com/x.ics"):
        with connections() as opened:
            body = api.json("POST", path, {"url": url}, expect=422)
        assert "url" in body["fields"], body
        assert opened == [] or set(opened) <= {"127.0.0.1"}  # only the test database, never the target
    assert api.json("GET", path)["calendars"] == []
    assert api.json("POST", path, {}, expect=422)["fields"]["url"] == "is required"


@pytest.mark.parametrize("target", ["http://10.1.2.3/feed.ics", "http://169.254.169.254/latest/meta-data/",
                                    "https://192.168.0.1:{port}/good.ics", "file:///etc/passwd"])
def test_redirects_are_checked_again(server, target):
    server.routes["/good.ics"] = Route(body=FEED)
    server.routes["/jump"] = Route(status=302, headers={"Location": target.format(port=server.port)})
    with connections() as opened, pytest.raises(FetchError) as caught:
        fetch(server.url("/jump"), None, None, allow_private=False, exempt=LOOPBACK)
    assert caught.value.kind in ("refused_address", "bad_url")
    assert set(opened) == {"127.0.0.1"}, opened  # the first hop only
    assert [s.path for s in server.seen] == ["/jump"]


def test_redirects_are_followed_up_to_five(server):
    server.routes["/good.ics"] = Route(body=FEED)
    for n in range(7):
        server.routes[f"/r{n}"] = Route(status=307, headers={"Location": f"/r{n + 1}"})
    server.routes["/r7"] = Route(status=301, headers={"Location": "/good.ics"})
    assert fetch(server.url("/r3"), None, None, allow_private=True).body == FEED
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/r0"), None, None, allow_private=True)
    assert caught.value.kind == "bad_response" and "redirected more than 5" in caught.value.message


def test_conditional_get_and_validators(server):
    server.routes["/good.ics"] = Route(body=FEED, headers={"Last-Modified": "Mon, 01 Feb 2027 06:00:00 GMT",
                                                           "Content-Type": "text/calendar; charset=ISO-8859-1"})
    first = fetch(server.url("/good.ics"), None, None, allow_private=True)
    assert first.status == "ok" and first.body == FEED and first.charset == "iso-8859-1"
    assert first.etag and first.last_modified == "Mon, 01 Feb 2027 06:00:00 GMT"
    second = fetch(server.url("/good.ics"), first.etag, first.last_modified, allow_private=True)
    assert second.status == "not_modified" and second.body is None and second.etag == first.etag
    sent = server.requests_to("/good.ics")[1].headers
    assert sent["If-None-Match"] == first.etag and sent["If-Modified-Since"] == first.last_modified
    assert "Cookie" not in sent and "Authorization" not in sent


def test_gzip_bodies_are_decoded(server):
    server.routes["/gz.ics"] = Route(body=FEED, gzip=True)
    assert fetch(server.url("/gz.ics"), None, None, allow_private=True).body == FEED


@pytest.mark.parametrize(("status", "kind"), [(401, "revoked"), (403, "revoked"), (404, "revoked"), (410, "revoked"),
                                              (500, "bad_response"), (503, "bad_response"), (204, "bad_response")])
def test_error_statuses(server, status, kind):
    server.routes["/x.ics"] = Route(status=status, body=b"" if status == 204 else b"nope")
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/x.ics"), None, None, allow_private=True)
    assert caught.value.kind == kind and str(status) in caught.value.message


@pytest.mark.parametrize("length", [True, False])
def test_a_50_mb_body_is_cut_off(server, length):
    server.routes["/huge.ics"] = Route(stream_bytes=50 * 1024 * 1024, length=length, etag=False)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/huge.ics"), None, None, allow_private=True)
    assert caught.value.kind == "too_large" and "10 MB" in caught.value.message
    assert time.monotonic() - started < 10


def test_a_slow_server_hits_the_time_budget(server):
    server.routes["/slow.ics"] = Route(body=FEED, delay=3)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/slow.ics"), None, None, allow_private=True, timeout=1)
    assert caught.value.kind == "unreachable" and "1 seconds" in caught.value.message
    assert time.monotonic() - started < 2.5


def test_not_http_and_nobody_listening(server):
    server.routes["/raw"] = Route(raw=b"\x00\xffgarbage that is not HTTP\r\n\r\n")
    with pytest.raises(FetchError) as caught:
        fetch(server.url("/raw"), None, None, allow_private=True)
    assert caught.value.kind == "bad_response"
    closed = FeedServer()  # bound but never serving: connections are refused once it is closed
    closed.http.server_close()
    with pytest.raises(FetchError) as caught:
        fetch(closed.url("/x.ics"), None, None, allow_private=True, timeout=3)
    assert caught.value.kind == "unreachable"


def test_credentials_in_the_address_are_sent_as_basic_auth_to_that_host_only(server):
    server.routes["/private.ics"] = Route(body=FEED, require_auth="anna:p@ss:word")
    url = server.url("/private.ics").replace("http://", "http://anna:p%40ss%3Aword@")
    assert fetch(url, None, None, allow_private=True).body == FEED
    with pytest.raises(FetchError) as caught:
        fetch(url.replace("word@", "Xy9z@"), None, None, allow_private=True)
    assert caught.value.kind == "revoked" and "Xy9z" not in caught.value.message and "anna" not in str(caught.value)
    server.routes["/elsewhere"] = Route(status=302, headers={"Location": server.url("/private.ics", "localhost")})
    with pytest.raises(FetchError):  # another host name: the password is not sent along
        fetch(url.replace("/private.ics", "/elsewhere"), None, None, allow_private=True)
    assert "Authorization" not in server.seen[-1].headers
