"""Her voice note and photo in a real browser (Debian's Chromium): the coordinator's page
plays the audio and shows the photo, fetched through ``/staff/inbox/media/<entry>`` under the
page's Content-Security-Policy (a violation fails the test), and axe-core finds nothing serious.

The bot runs with Telegram on, pointed at the tiny Bot API stand-in that serves ``getFile`` and
the download (``tests/auxil/media_peers.py``); her messages go through the real webhook.
"""

from __future__ import annotations

import io
import struct
import wave
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from bot.db.migrate import upgrade
from bot.demo import load_demo
from bot.runtime import Runtime, build_runtime
from bot.web.app import create_app
from tests.auxil.browser import assert_accessible, login, serve_in_thread
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.inbox import threads_of
from tests.auxil.media_peers import OutboxPerson, TelegramFiles
from tests.auxil.person import onboard
from tests.auxil.staff import DEMO_EMAIL, DEMO_LOGIN_PASSWORD
from tests.auxil.telegram import webhook_settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow


def png(width: int = 40, height: int = 30) -> bytes:
    """A real PNG (a red rectangle) the browser can decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real WAV file (silence) the browser can play."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(b"\x00\x00" * int(seconds * rate))
    return out.getvalue()


@pytest.fixture
def served(sqlite_url: str, clock: FrozenClock) -> Iterator[tuple[str, Runtime]]:
    files = TelegramFiles(files={"AUDIO-1": wav(), "PHOTO-1": png()})
    with files.running():
        upgrade(sqlite_url)
        runtime = build_runtime(webhook_settings(sqlite_url, files.api_url), clock=clock)
        load_demo(runtime.db, TEST_SECRET, clock())
        try:
            with serve_in_thread(create_app(runtime, background=False)) as url:
                yield url, runtime
        finally:
            runtime.close()


def test_the_coordinator_hears_the_audio_and_sees_the_photo(
    served: tuple[str, Runtime], clock: FrozenClock, staff_page: Page
) -> None:
    url, runtime = served
    with httpx.Client(base_url=url, timeout=10) as http:
        amina = OutboxPerson(runtime, http, "telegram", "777002", clock)  # type: ignore[arg-type]
        onboard(amina)
        amina.post(
            audio={
                "file_id": "AUDIO-1",
                "file_unique_id": "a1",
                "duration": 1,
                "mime_type": "audio/wav",
            }
        )
        photo = {"file_id": "PHOTO-1", "file_unique_id": "p1", "width": 40, "height": 30}
        amina.post(photo=[photo])
    [thread] = threads_of(runtime, int(amina.stored()["id"]))

    page = staff_page
    login(page, DEMO_EMAIL, DEMO_LOGIN_PASSWORD, url)
    page.goto(f"{url}/staff/inbox/{thread['id']}")
    image = page.locator("img[alt='Foto']")
    image.wait_for()
    page.wait_for_function("() => document.querySelector(\"img[alt='Foto']\").complete")
    assert image.evaluate("(img) => img.naturalWidth") == 40
    audio = page.locator("audio")
    audio.evaluate("(a) => a.load()")
    page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert audio.evaluate("(a) => Math.round(a.duration)") == 1
    assert page.get_by_text("Audio").count() >= 1
    assert_accessible(page)
