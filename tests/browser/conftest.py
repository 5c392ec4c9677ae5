"""Browser fixtures: Debian's chromium through Playwright, the app served in-process, a page watch."""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.servers import ROOT, ThreadedServer
from tests.support.workspace import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Chromium reports every HTML answer >= 400 as a console error; only declared ones are fine.
STATUS_MESSAGE = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app, frozen_now) -> Iterator[ThreadedServer]:
    """The app on a free port; its clock is the pinned `frozen_now` (the server runs in this process)."""
    with ThreadedServer(app) as server:
        yield server


class Watch:
    """Collects what must fail a browser test: console errors, uncaught exceptions, failed
    requests and answers >= 400, except a status declared with `expect` (the 409 "taken" page)."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        self.expected: set[int] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        status = STATUS_MESSAGE.match(message.text)
        if status and int(status.group(1)) in self.expected:
            return
        self.problems.append(f"console error: {message.text}")

    def _request_failed(self, request) -> None:
        # Chromium aborts what is still loading (the favicon, mostly) when a test moves on to the
        # next page; that is the test's speed, not a failure. Server errors arrive as statuses.
        if request.failure == "net::ERR_ABORTED" and request.frame.page.url != request.url:
            return
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 500 or (response.status >= 400 and response.status not in self.expected):
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    @contextmanager
    def expect(self, status: int) -> Iterator[None]:
        self.expected.add(status)
        try:
            yield
        finally:
            self.expected.discard(status)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def open_berlin_page(browser, viewport: dict[str, int]):
    """A page in a fresh context at `viewport`, with the clock of Europe/Berlin and US English, 15 s
    timeouts and a Watch on it: (context, page, watch). The caller closes the context."""
    context = browser.new_context(viewport=viewport, timezone_id="Europe/Berlin", locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, Watch(page)


def log_in_browser(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Logs in through the /login form, as a person does, and waits for the workspace."""
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/app/**")


@pytest.fixture
def shots(request):
    """shot(page, name): a full-page screenshot kept in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name

    def shot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{prefix}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return shot


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def _evaluate(cdp, context_id: int, expression: str):
    """Runs `expression` in the execution context (awaiting a promise) and returns its value."""
    answer = cdp.send("Runtime.evaluate", {"expression": expression, "contextId": context_id,
                                           "awaitPromise": True, "returnByValue": True})
    if "exceptionDetails" in answer:
        raise AssertionError(f"axe failed: {answer['exceptionDetails']}")
    return answer["result"].get("value")


@pytest.fixture
def axe():
    """axe(page): runs axe-core (WCAG 2.x A/AA rules) on the page as it is now and fails the
    test on any serious or critical violation, naming the rule and the elements."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run npm ci (make test does)")
    source = AXE.read_text()

    def check(page) -> None:
        # axe is an inline script and builds functions from strings, both of which the app's CSP
        # refuses in the page's own world: it runs in an isolated world of its own instead (as in
        # axe's browser extension), which shares the DOM and not the CSP.
        cdp = page.context.new_cdp_session(page)
        try:
            frame_id = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
            world = cdp.send("Page.createIsolatedWorld", {"frameId": frame_id, "worldName": "axe"})
            context_id = world["executionContextId"]
            _evaluate(cdp, context_id, source)
            result = _evaluate(cdp, context_id, "axe.run(document, {runOnly: {type: 'tag', values: "
                                                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
        finally:
            cdp.detach()
        serious = [v for v in result["violations"] if v["impact"] in SERIOUS]
        assert not serious, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes'][:5]]}" for v in serious)
    return check
