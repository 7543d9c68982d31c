"""A course reminder on Telegram brings the session as a calendar file, before the question.

Real python-telegram-bot over HTTP to the Telegram stand-in (npm telegram-test-api) behind the
tests' fixing proxy, which answers ``sendDocument`` itself (the stand-in has no such method)
and keeps the uploaded file.  SQLite; a frozen clock.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from bot.channels.messages import Outbound
from bot.db.migrate import upgrade
from bot.features.courses.service import CourseService
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.telegram import TOKEN, FixingProxy, StandIn, require_stand_in

CHAT = "5150"


def test_a_reminder_brings_its_calendar_file_and_other_messages_do_not(
    sqlite_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    require_stand_in()
    with StandIn(tmp_path) as stand_in, FixingProxy(stand_in.url) as proxy:
        upgrade(sqlite_url)
        settings = Settings(
            database_url=sqlite_url,
            environment="test",
            secret_key=TEST_SECRET,
            telegram_token=TOKEN,
            telegram_api_url=proxy.api_url,
        )
        runtime = build_runtime(settings, clock=clock)
        from bot.demo import load_demo

        load_demo(runtime.db, TEST_SECRET, clock())
        courses = CourseService(runtime.db, runtime.flow_engine.catalogs, clock, "test")
        courses.create_course("vnb-nienburg", "a2", {"de": "Deutsch A2", "fa": "آلمانی A2"})
        session = courses.add_session(
            "a2", "2026-12-03 09:00", "2026-12-03 12:00", "VHS Hoya", "Bahnhofstr. 1", "Bus 31"
        )
        telegram = runtime.telegram
        assert telegram is not None
        reminder = Outbound(
            "📅 یادآوری: آلمانی A2",
            (("course.reminder:coming", "✅ می‌آیم"), ("course.reminder:cannot", "❌ نمی‌توانم")),
            language="fa",
            rtl=True,
            kind="course_reminder",
            values={"session": str(session["id"]), "course": "آلمانی A2", "date": "۳ دسامبر"},
        )

        files = runtime.dispatcher.attachments  # what the dispatcher adds before a send

        async def with_files(message: Outbound) -> Outbound:
            found = files.get(message.kind)
            return replace(message, attachments=await found(message)) if found else message

        async def send() -> None:
            telegram.sleep = lambda _s: asyncio.sleep(0)  # type: ignore[method-assign]
            await telegram.send(CHAT, await with_files(reminder))
            await telegram.send(CHAT, await with_files(Outbound("Hallo", kind="nudge")))
            # A retry after the file went out (parts_sent 1) sends only the question.
            retry = replace(reminder, text="Noch einmal?", parts_sent=1)
            await telegram.send(CHAT, await with_files(retry))
            await telegram.stop()

        asyncio.run(send())
        runtime.close()

    [document] = proxy.calls_of("sendDocument")
    file = document.params["document"]
    assert file["filename"] == "آلمانی A2 ۳ دسامبر.ics"
    assert "SUMMARY:آلمانی A2" in file["content"]
    assert "DTSTART:20261203T080000Z" in file["content"]  # 09:00 in Berlin
    assert "LOCATION:VHS Hoya\\, Bahnhofstr. 1" in file["content"]
    texts = [c.params["text"] for c in proxy.calls_of("sendMessage")]
    assert texts == ["📅 یادآوری: آلمانی A2", "Hallo", "Noch einmal?"]
    # The file first, the question with its buttons last.
    order = [c.method for c in proxy.calls if c.method in ("sendDocument", "sendMessage")]
    assert order == ["sendDocument", "sendMessage", "sendMessage", "sendMessage"]
    assert "reply_markup" in proxy.calls_of("sendMessage")[0].params
