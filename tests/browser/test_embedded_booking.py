"""Acceptance: a business's own site (another origin: 127.0.0.2, so another site too) shows the
booking pages in an iframe. With the site in EMBED_ORIGINS a customer books inside the frame (the
browser sends no cookie of ours there); without it the browser refuses to show the frame.
Any console error, a CSP violation too, fails the test (Watch)."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.conftest import DESKTOP, open_berlin_page
from tests.support.factories import Api, setup_practice

pytestmark = pytest.mark.browser


class PartnerSite:
    """A one-page site on 127.0.0.2 whose page frames `frame_url`."""

    def __init__(self) -> None:
        self.frame_url = ""
        site = self

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title>'
                        f'<link rel="icon" href="data:,"></head><body><h1>Our practice</h1>'
                        f'<iframe src="{site.frame_url}" title="Booking" width="900" height="1400"></iframe>'
                        f'</body></html>').encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Page)
        self.origin = f"http://127.0.0.2:{self.server.server_address[1]}"


@pytest.fixture
def partner() -> Iterator[PartnerSite]:
    site = PartnerSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def practice(app, frozen_now):
    return setup_practice(Api(app.test_client()))


def test_a_customer_books_inside_the_partner_site(browser, live_server, app, practice, partner, monkeypatch, shots):
    monkeypatch.setitem(app.config, "EMBED_ORIGINS", (partner.origin,))
    partner.frame_url = f"{live_server.url}/b/{practice.slug}"
    context, page, watch = open_berlin_page(browser, DESKTOP)
    page.goto(partner.origin)
    frame = page.frame_locator("iframe")
    frame.locator("a[data-service]").click()
    frame.locator('td.free a[data-date="2027-02-03"]').click()
    frame.locator("#times a.time").first.click()
    frame.locator("#name").fill("Kim Embedded")
    frame.locator("#email").fill("kim.embedded@example.test")
    frame.locator("button.primary[type=submit]").click()
    frame.locator("h1", has_text="Thank you, you are booked").wait_for()
    shots(page, "booked-in-frame")
    assert context.cookies(live_server.url) == []  # nothing of ours was kept in the third-party frame
    booked = next(f for f in page.frames if "/booked" in f.url)
    token = re.search(r"/m/([^/]+)/booked", booked.url).group(1)
    assert Api(app.test_client()).json("GET", f"/api/v1/manage/{token}")["customer"]["name"] == "Kim Embedded"
    # The manage pages may not be framed: their links open in the whole window.
    frame.locator('a[data-action="reschedule"]').click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/m/{token}/reschedule"))
    watch.assert_clean()
    context.close()


def test_without_embed_origins_the_browser_refuses_the_frame(browser, live_server, practice, partner):
    partner.frame_url = f"{live_server.url}/b/{practice.slug}"
    context, page, watch = open_berlin_page(browser, DESKTOP)
    page.goto(partner.origin)
    page.wait_for_function("() => document.querySelector('iframe') !== null")
    page.wait_for_timeout(500)
    blocked = f"request failed: GET {partner.frame_url} net::ERR_BLOCKED_BY_RESPONSE"
    refused = [p for p in watch.problems if "violates" in p and "frame-ancestors 'none'" in p]
    assert len(refused) == 1 and sorted(watch.problems) == sorted([blocked, *refused]), watch.problems
    assert page.frame_locator("iframe").locator("a[data-service]").count() == 0
    context.close()
