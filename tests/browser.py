"""Browser fixtures shared by every test that drives a page (GraphiQL now, the console later).

- ``served_hub`` — a real ``hub serve`` process on loopback against the test Neo4j, with the test
  JWT and data keys (so ``tests.builders.bearer`` tokens work), stopped at the end of the session.
- ``browser`` — Debian's Chromium (``/usr/bin/chromium``, installed by ``make tools``) driven by
  Playwright for Python, headless, with the flags that keep it from reaching any network on its own
  (no ``playwright install``: Playwright never downloads a browser here).
- ``watched_page`` — a fresh browser context and page that records every console error, uncaught
  page error, failed request and request to a host other than the served hub;
  ``WatchedPage.assert_clean()`` fails the test on any of them (and the fixture checks again when
  the test ends).

Pages served with a Content-Security-Policy forbid eval, so poll the page with ``evaluate`` (which
CSP does not govern) rather than ``wait_for_function`` with a string.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Request, async_playwright

from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from tests.builders import DATA_KEY, JWT_SECRET
from tests.loopback import free_port, wait_ready

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 60  # the hub applies its graph schema before it answers


@dataclass(frozen=True)
class ServedHub:
    url: str  # e.g. http://127.0.0.1:PORT

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc


@pytest.fixture(scope="session")
async def served_hub(neo4j_credentials: Neo4jCredentials, hub: CreditHub,
                     tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServedHub]:
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_credentials.uri, "NEO4J_USER": neo4j_credentials.user,
           "NEO4J_PASSWORD": neo4j_credentials.password, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
           "HUB_PORT": str(port), "HUB_STATE_DIR": str(tmp_path_factory.mktemp("served-hub-state")),
           # No warning engine: this hub lives for the whole session on the shared test database, and its
           # engine (on the machine's clock) would raise warnings from other modules' writes — test_warnings
           # writes its world under a stopped clock and must be the only engine judging it.
           "HUB_WARNINGS": "false", "HUB_STATISTICS_MAX_AGE": "0"}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("hub")), "serve", env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, STARTUP_SECONDS, lambda: process.returncode)
        yield ServedHub(url)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=30)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make tools` installs Debian's chromium package (as root)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        await chromium.close()


@dataclass
class WatchedPage:
    """A page, and everything it did that a test must not let pass."""

    page: Page
    hub: ServedHub
    problems: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def on_page_error(self, error: Any) -> None:
        self.problems.append(f"uncaught error: {error}")

    def on_request(self, request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != self.hub.netloc:
            self.problems.append(f"request to another host: {request.url}")

    def on_request_failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def assert_clean(self) -> None:
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
async def watched_page(browser: Browser, served_hub: ServedHub) -> AsyncIterator[WatchedPage]:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    watched = WatchedPage(page, served_hub)
    page.on("console", watched.on_console)
    page.on("pageerror", watched.on_page_error)
    page.on("request", watched.on_request)
    page.on("requestfailed", watched.on_request_failed)
    try:
        yield watched
    finally:
        await context.close()
    watched.assert_clean()


# --- the console's pages (tests/test_console*.py) ------------------------------------------------------------
STAFF_PASSWORD = "correct horse battery staple"  # every console test account's


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each console page's screenshot goes, for review (not committed)."""
    folder = tmp_path_factory.getbasetemp() / "console-screenshots"
    folder.mkdir(exist_ok=True)
    print(f"console screenshots: {folder}")
    return folder


async def sign_in(page: Page, served: ServedHub, username: str, password: str = STAFF_PASSWORD) -> None:
    """Through the real sign-in form (its CSRF cookie and token), as a person would."""
    await page.goto(f"{served.url}/console/login")
    await page.fill("#username", username)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
