"""Telegram end to end: the real ``twc run`` in polling mode against ``telegram-test-api``.

The test starts the npm stand-in with Node, puts the fixing proxy in front of it (its four
known deviations from the Bot API, see ``tests/auxil/telegram.py``), and starts ``twc run`` with
``TWC_TELEGRAM_API_URL`` pointing at the proxy.  Test users talk to the stand-in's client API as
people talk to Telegram.  Waiting here is for the bot's answers over real HTTP.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from tests.auxil.processes import BotServer
from tests.auxil.telegram import TOKEN, FixingProxy, StandIn, TelegramUser, require_stand_in

pytestmark = pytest.mark.slow

UK_CONSENT = "✅ Так, я згодна"
#: The main menu in Ukrainian: the features' entries first (groups, jobs, mentoring).
UK_MENU = [
    "👭 Групи",
    "💼 Робота",
    "🤝 Наставниця",
    "🙋 Запитати команду",
    "🌐 Змінити мову",
    "🔒 Мої дані",
    "🔕 Більше не писати",
]


def enrolments(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as conn:
        return conn.execute(
            "SELECT courses.code, enrolments.person_id FROM enrolments "
            "JOIN courses ON courses.id = enrolments.course_id"
        ).fetchall()


def test_three_women_on_telegram(tmp_path: Path) -> None:
    """Onboarding in Ukrainian with buttons; text instead of a button; a deep-link invite."""
    require_stand_in()
    database = tmp_path / "bot.sqlite3"
    with StandIn(tmp_path) as stand_in, FixingProxy(stand_in.url) as proxy:
        environment = {
            "telegram_token": TOKEN,
            "telegram_api_url": proxy.api_url,
            "telegram_mode": "polling",
            "telegram_poll_timeout": "0",  # the stand-in never long-polls
            "telegram_poll_interval": "0.1",
        }
        with BotServer(database, tmp_path, environment=environment) as server:
            try:
                _onboarding_in_ukrainian(stand_in, proxy)
                _text_where_a_button_is_expected(stand_in)
                _deep_link_invite(stand_in, database)
            except AssertionError as error:
                raise AssertionError(f"{error}\n--- twc run log ---\n{server.log()}") from error
            log = server.log()

        # Transport duties: every press answered and its keyboard edited to show the choice.
        presses = len(proxy.calls_of("answerCallbackQuery"))
        assert presses >= 8
        edits = proxy.calls_of("editMessageReplyMarkup")
        assert len(edits) == presses
        shown = [json.loads(c.params["reply_markup"]) for c in edits if "reply_markup" in c.params]
        labels = [b["text"] for markup in shown for row in markup["inline_keyboard"] for b in row]
        assert "✓ Українська" in labels and "✓ Hoya" in labels
        # setMyCommands was tried (the stand-in answers 500) and did not stop the bot.
        assert proxy.calls_of("setMyCommands")
        # Telegram's limit of one message a second per chat held.
        sends: dict[str, list[float]] = {}
        for call in proxy.calls_of("sendMessage"):
            sends.setdefault(str(call.params.get("chat_id")), []).append(call.at)
        gaps = [b - a for times in sends.values() for a, b in itertools.pairwise(times)]
        assert gaps and min(gaps) >= 0.99, gaps
        assert all(c.status == 200 for c in proxy.calls_of("sendMessage"))
        # No token, no chat ids and no texts in the log.
        assert TOKEN not in log and TOKEN.split(":")[1] not in log
        for user_id in ("770001", "770002", "770003"):
            assert user_id not in log
        assert "Олена" not in log


def _onboarding_in_ukrainian(stand_in: StandIn, proxy: FixingProxy) -> None:
    olena = TelegramUser(stand_in, 770001, "Olena", "uk")
    olena.send("/start")
    [first] = olena.receive(1)
    assert "Українська" in first.labels and len(first.labels) == 10
    assert all(len(b["callback_data"].encode()) <= 64 for b in first.buttons)
    olena.press("Українська")
    [notice] = olena.receive(1)
    assert "Ви згодні?" in notice.text
    olena.press(UK_CONSENT)
    [ask_name] = olena.receive(1)
    assert "Як нам до Вас звертатися?" in ask_name.text and not ask_name.buttons
    olena.send("Олена")
    [town] = olena.receive(1)
    assert "Олена" in town.text and "Hoya" in town.labels
    olena.press("Hoya")
    [_interests] = olena.receive(1)
    olena.press("📚 Курс")
    [ticked] = olena.receive(1)
    assert "✅ 📚 Курс" in ticked.labels
    olena.press("➡️ Готово")
    [_help_needed] = olena.receive(1)
    olena.press("➡️ Готово")
    [ask_messages] = olena.receive(1)
    assert ask_messages.labels == ["🔔 Так, будь ласка", "🔕 Ні, дякую"]
    olena.press("🔔 Так, будь ласка")
    welcome, menu = olena.receive(2)
    assert "Олена" in welcome.text
    assert menu.labels == UK_MENU
    olena.send_sticker()
    sorry, again = olena.receive(2)
    assert sorry.text.startswith("📎 Дякую!")  # "I cannot read pictures yet", in Ukrainian
    assert again.labels == UK_MENU
    print("\nUkrainian transcript (Telegram):")
    for who, text in olena.transcript:
        print(f"  {who:>3}: {text}")
    olena.close()


def _text_where_a_button_is_expected(stand_in: StandIn) -> None:
    marta = TelegramUser(stand_in, 770002, "Marta", "ru")
    marta.send("/start")
    marta.receive(1)
    marta.press("Русский")
    [notice] = marta.receive(1)
    marta.send("может быть")
    [again] = marta.receive(1)
    assert "🤔" in again.text
    assert again.labels == notice.labels  # the same question again, with its buttons
    marta.close()


def _deep_link_invite(stand_in: StandIn, database: Path) -> None:
    before = enrolments(database)
    sara = TelegramUser(stand_in, 770003, "Sara", "de")
    sara.send("/start kurs-a2-nienburg")
    sara.receive(1)
    sara.press("Deutsch")
    sara.receive(1)
    assert enrolments(database) == before, "nothing may be stored before she consents"
    sara.press("✅ Ja, einverstanden")
    sara.receive(1)
    after = enrolments(database)
    assert len(after) == len(before) + 1
    assert after[-1][0] == "deutsch-a2-nienburg"
    sara.close()
