"""The chat simulator page in a real browser, against a real HTTP server.

The JSON API is covered elsewhere with the ASGI test client; this test is about what only a
browser shows: that the page's JavaScript talks to the API correctly, renders buttons as
chips, switches Arabic replies to right-to-left and disables buttons of older messages.
It drives Debian's Chromium (``apt-get install chromium``) through Playwright and never lets
Playwright download a browser of its own: CI machines and demo laptops may be offline.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.runtime import Runtime
from bot.web.app import create_app
from tests.auxil.browser import serve_in_thread
from tests.auxil.processes import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

TIMEOUT_MS = 15_000
ARABIC = "العربية"
ARABIC_LETTERS = re.compile(r"[\u0600-\u06FF]")
PENDING = re.compile(r"\bpending\b")
#: How Chromium reports what the page's Content-Security-Policy refused (on the console).
CSP_VIOLATION = re.compile(r"Content Security Policy", re.IGNORECASE)
OLDER_BUTTONS_DISABLED = """() => {
  const rows = [...document.querySelectorAll('#messages .row.out')];
  const last = rows[rows.length - 1];
  return [...document.querySelectorAll('#messages button.choice')]
    .filter((button) => !last.contains(button))
    .map((button) => button.disabled);
}"""


@pytest.fixture
def server_url(sqlite_runtime: Runtime) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, in a background thread."""
    with serve_in_thread(create_app(sqlite_runtime, background=False)) as url:
        yield url


@pytest.fixture
def browser(chromium: Browser) -> Browser:
    """Debian's headless Chromium (``tests.auxil.browser``)."""
    return chromium


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    """A fresh phone-sized tab on the simulator page; browser errors fail the test."""
    context = browser.new_context(viewport={"width": 420, "height": 860}, locale="de-DE")
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
    tab.goto(f"{server_url}/simulator")
    yield tab
    context.close()
    assert not errors, f"JavaScript errors or Content-Security-Policy violations: {errors}"


def test_simulator_page_in_a_real_browser(page: Page, tmp_path: Path) -> None:
    """Start, pick Arabic, see a right-to-left reply, type an answer, old buttons go grey."""
    from playwright.sync_api import expect

    assert page.title() == "Together We Can – Chat-Simulator"
    assert page.locator("html").get_attribute("lang") == "de"

    page.fill("#user", "browser-test")
    page.press("#user", "Enter")
    expect(page.locator("#start")).to_be_visible()
    expect(page.locator("#messages .msg")).to_have_count(0)

    page.click("#start")
    arabic = page.locator("button.choice", has_text=ARABIC)
    expect(arabic).to_be_visible()
    expect(arabic).to_be_enabled()
    assert arabic.get_attribute("data-choice-id")
    expect(page.locator(".msg.in .text").first).to_have_text("/start")
    expect(page.locator("#start")).to_be_hidden()

    bot_bubbles = page.locator(".msg.out")
    before = bot_bubbles.count()
    arabic.click()
    expect(bot_bubbles).not_to_have_count(before)
    reply = bot_bubbles.last
    expect(reply).to_have_attribute("dir", "rtl")
    expect(reply.locator(".text")).to_have_text(ARABIC_LETTERS)
    assert reply.evaluate("el => getComputedStyle(el).textAlign") == "right"
    expect(page.locator(".msg.in .text").last).to_have_text(ARABIC)

    page.fill("#text", "مرحبا، أنا أمينة")
    page.press("#text", "Enter")
    mine = page.locator(".msg.in").last
    expect(mine.locator(".text")).to_have_text("مرحبا، أنا أمينة")
    expect(mine).not_to_have_class(PENDING)
    expect(mine).to_have_attribute("dir", "auto")
    expect(page.locator("#text")).to_have_value("")

    old = page.locator("button.choice", has_text=ARABIC)
    expect(old).to_be_disabled()
    older_disabled = page.evaluate(OLDER_BUTTONS_DISABLED)
    assert older_disabled, "expected buttons on older bot messages"
    assert all(older_disabled), older_disabled
    expect(page.locator("#error")).to_be_hidden()

    page.fill("#user", "browser-test-2")
    page.press("#user", "Enter")
    expect(page.locator("#messages .msg")).to_have_count(0)
    expect(page.locator("#users option[value='browser-test']")).to_have_count(1)
    page.select_option("#users", "browser-test")
    expect(page.locator(".msg.in").last.locator(".text")).to_have_text("مرحبا، أنا أمينة")

    screenshot = tmp_path / "simulator.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    # A copy to look at, inside the repository's ignored var/ (never a folder outside it).
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    shutil.copyfile(screenshot, REPO_ROOT / "var" / "simulator.png")


def test_the_page_runs_under_its_content_security_policy(
    browser: Browser, server_url: str
) -> None:
    """The page's style and script are files, so the strict policy holds; an inline script
    (what an injection would add) is refused, and Chromium says so on the console."""
    context = browser.new_context()
    tab = context.new_page()
    refused: list[str] = []
    tab.on(
        "console",
        lambda message: (
            refused.append(message.text) if CSP_VIOLATION.search(message.text) else None
        ),
    )
    response = tab.goto(f"{server_url}/simulator")
    assert response is not None
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'self'
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert tab.evaluate("getComputedStyle(document.querySelector('header')).display") != ""
    assert not refused, refused
    tab.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.injected = true'; document.body.append(s); }"""
    )
    assert tab.evaluate("window.injected === undefined")
    tab.wait_for_function("1")  # one round trip, so the console message has arrived
    assert refused, "Chromium did not report the refused inline script"
    context.close()


def test_simulator_page_shows_api_errors(page: Page) -> None:
    """A refused request shows a red notice and the page keeps working."""
    from playwright.sync_api import expect

    page.fill("#user", "")
    page.fill("#text", "hallo")
    page.press("#text", "Enter")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("Nutzer-ID")
    expect(page.locator("#text")).to_have_value("hallo")

    page.fill("#user", "error-test")
    page.press("#user", "Enter")

    def refuse_posts(route: Route) -> None:
        """Answer every POST like the server answers a bad request; let GETs through."""
        if route.request.method != "POST":
            route.continue_()
            return
        route.fulfill(
            status=422, content_type="application/json", body='{"error": "kaputt (broken)"}'
        )

    page.route("**/simulator/api/messages", refuse_posts)
    page.click("#start")
    expect(page.locator("#error")).to_contain_text("kaputt (broken)")
    expect(page.locator("#messages .msg")).to_have_count(0)
