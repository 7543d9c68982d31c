"""Real-browser test fixtures: Debian's Chromium through Playwright, a live server, a login, and
axe-core's accessibility check.

* ``chromium``: Debian's headless Chromium (``/usr/bin/chromium``; Playwright never downloads a
  browser: CI machines and demo laptops may be offline).  Skipped locally without it, failing
  under CI (``CI`` set), which must run these tests.
* ``live_server``: a real uvicorn in a thread serving the app on a loopback port, with a
  :class:`~bot.runtime.Runtime` on SQLite (migrated, demo data, environment "development") and
  the test's controllable clock (the ``clock`` fixture); the dispatcher and scheduler run.
* ``staff_page``: a new phone-sized tab (360 × 740) whose JavaScript errors and
  Content-Security-Policy violations fail the test.
* :func:`login` fills ``/staff/login``; :func:`assert_accessible` runs axe-core (npm
  ``axe-core``, installed by ``make peers``) in the page and fails on serious or critical
  violations.

Registered for every test module by ``pytest_plugins`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
import uvicorn

from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.processes import REPO_ROOT
from tests.auxil.runtimes import make_runtime

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
PHONE = {"width": 360, "height": 740}
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: How Chromium reports what the page's Content-Security-Policy refused (on the console).
CSP_VIOLATION = re.compile(r"Content Security Policy", re.IGNORECASE)
START_TIMEOUT = 10.0


def missing(reason: str) -> NoReturn:
    """Skip locally when the browser tooling is absent, but fail in CI, which must run it."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this test must run)")
    pytest.skip(reason)


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields its base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the port
    between choosing it and listening on it.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail("the uvicorn test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class LiveServer:
    """A running app: its base URL, its runtime (database) and the clock it reads."""

    url: str
    runtime: Runtime
    clock: FrozenClock


@pytest.fixture
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright (no downloaded browser)."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright module is missing: pip install playwright")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_server(sqlite_url: str, clock: FrozenClock) -> Iterator[LiveServer]:
    """The whole app (dispatcher and scheduler included) on a real port, demo data loaded."""
    runtime = make_runtime(sqlite_url, clock)
    try:
        with serve_in_thread(create_app(runtime, background=True)) as url:
            yield LiveServer(url, runtime, clock)
    finally:
        runtime.close()


@pytest.fixture
def staff_page(chromium: Browser) -> Iterator[Page]:
    """A fresh tab 360 px wide (a phone); JavaScript errors and CSP violations fail the test."""
    context = chromium.new_context(viewport=PHONE, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text) if CSP_VIOLATION.search(message.text) else None
        ),
    )
    yield tab
    context.close()
    assert not errors, f"JavaScript errors or Content-Security-Policy violations: {errors}"


def login(page: Page, email: str, password: str, base_url: str | None = None) -> None:
    """Open the login page (of ``base_url``, or the page's own site) and log in."""
    if base_url is not None:
        page.goto(f"{base_url}/staff/login")
    elif "/staff/login" not in page.url:
        page.goto(re.sub(r"(https?://[^/]+).*", r"\1", page.url) + "/staff/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action^='/staff/login'] button[type=submit]")


def main_menu(page: Page) -> Locator:
    """The staff app's main menu, opened: on a phone its links fold behind "Menü"
    (``staff/base.html``), so a person taps that first, and so does the test."""
    menu = page.locator("body > header nav details.menu")
    summary = menu.locator("summary")
    if summary.is_visible() and menu.get_attribute("open") is None:
        summary.click()
    return menu


def assert_fits_the_phone(page: Page) -> None:
    """Nothing sticks out sideways on the 360 px screen (no horizontal scrolling)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 360 px phone"


def assert_accessible(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> None:
    """Run axe-core in the page; fail on any violation of the given impacts.

    axe is injected with ``page.evaluate`` (through the DevTools protocol, which the page's
    Content-Security-Policy does not govern), so the pages need no exception for it.
    """
    if not AXE.exists():
        missing(f"{AXE} is missing: make peers (npm ci) installs axe-core")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    bad = [v for v in result if v["impact"] in impacts]
    assert not bad, f"axe-core violations on {page.url}:\n{json.dumps(bad, indent=2)}"


__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PHONE",
    "TIMEOUT_MS",
    "LiveServer",
    "assert_accessible",
    "assert_fits_the_phone",
    "chromium",
    "live_server",
    "login",
    "main_menu",
    "missing",
    "serve_in_thread",
    "staff_page",
]
