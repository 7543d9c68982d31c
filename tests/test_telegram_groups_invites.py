"""Groups (recorded, greeted once, only commands answered, nothing personal) and invite codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.channels.telegram.webhook import SECRET_HEADER
from bot.db.migrate import upgrade
from bot.db.models import Enrolment, InviteCode, OutboxMessage, Person, TelegramGroup
from bot.demo import DEMO_INVITE_CODE, load_demo
from bot.runtime import Runtime, build_runtime
from bot.web.app import create_app
from tests.auxil.clock import FrozenClock
from tests.auxil.constants import TEST_SECRET
from tests.auxil.processes import bot_environment, run_twc
from tests.auxil.simulator import Simulator
from tests.auxil.telegram import WEBHOOK_SECRET, webhook_settings

GROUP = {"id": -1001234, "type": "supergroup", "title": "Frauentreff Hoya"}
ADDER = {"id": 55, "is_bot": False, "first_name": "Anna", "language_code": "uk"}
BOT = {"id": 666, "is_bot": True, "first_name": "TWC", "username": "TwcBot"}


@pytest.fixture
def group_runtime(sqlite_url: str, clock: FrozenClock) -> Iterator[Runtime]:
    upgrade(sqlite_url)
    runtime = build_runtime(webhook_settings(sqlite_url), clock=clock)
    load_demo(runtime.db, TEST_SECRET, clock())
    assert runtime.telegram is not None
    runtime.telegram.username = "TwcBot"  # what getMe would have said
    yield runtime
    runtime.close()


def added(update_id: int, old: str = "left", new: str = "member") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": GROUP,
            "from": ADDER,
            "date": 1_796_000_000,
            "old_chat_member": {"status": old, "user": BOT},
            "new_chat_member": {"status": new, "user": BOT},
        },
    }


def group_message(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_796_000_000,
            "chat": GROUP,
            "from": ADDER,
            "text": text,
        },
    }


def outbox_rows(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.connect() as conn:
        return [dict(r) for r in conn.execute(select(OutboxMessage.__table__)).mappings()]


def test_added_to_a_group_records_it_and_greets_it_once(group_runtime: Runtime) -> None:
    with TestClient(create_app(group_runtime, background=False)) as client:
        post = lambda body: client.post(  # noqa: E731
            "/webhooks/telegram", json=body, headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert post(added(1)).status_code == 200
        assert post(added(2, "member", "left")).status_code == 200  # removed …
        assert post(added(3)).status_code == 200  # … and added again: no second greeting
        with group_runtime.db.connect() as conn:
            groups = list(conn.execute(select(TelegramGroup.__table__)).mappings())
        assert [(g["chat_id"], g["title"], g["status"]) for g in groups] == [
            ("-1001234", "Frauentreff Hoya", "member")
        ]
        rows = outbox_rows(group_runtime)
        assert len(rows) == 1
        greeting = rows[0]
        assert greeting["address"] == "-1001234" and greeting["person_id"] is None
        assert "Together We Can" in greeting["payload"]["text"]
        assert "https://t.me/TwcBot" in greeting["payload"]["text"]
        assert greeting["payload"]["language"] == "uk"  # the language of whoever added the bot
        assert "Anna" not in greeting["payload"]["text"]
        # Nothing personal is created for the group or the person who added the bot.
        with group_runtime.db.connect() as conn:
            assert (
                conn.execute(select(Person.__table__.c.id)).all()
                == conn.execute(
                    select(Person.__table__.c.id).where(Person.__table__.c.role == "mentor")
                ).all()
            )


def test_in_a_group_only_commands_to_the_bot_get_a_neutral_answer(group_runtime: Runtime) -> None:
    with TestClient(create_app(group_runtime, background=False)) as client:
        post = lambda body: client.post(  # noqa: E731
            "/webhooks/telegram", json=body, headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        post(group_message(10, "Hallo zusammen, wann ist das Treffen?"))
        post(group_message(11, "/help@OtherBot"))
        assert outbox_rows(group_runtime) == []
        post(group_message(12, "/start@TwcBot"))
        post(group_message(12, "/start@TwcBot"))  # delivered twice: answered once
        rows = outbox_rows(group_runtime)
        assert len(rows) == 1
        assert rows[0]["address"] == "-1001234"
        assert "https://t.me/TwcBot" in rows[0]["payload"]["text"]
        assert rows[0]["payload"]["choices"] == []  # no flow, no questions in a group


# ---- invite codes -------------------------------------------------------------------------


def enrolled(runtime: Runtime) -> list[int]:
    with runtime.db.connect() as conn:
        return list(conn.execute(select(Enrolment.__table__.c.person_id)).scalars())


def test_an_invite_code_enrols_only_after_consent(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    phone = Simulator(sqlite_client, "flyer-reader")
    phone.send(f"/start {DEMO_INVITE_CODE.upper()}")  # codes are case-insensitive
    phone.press("Deutsch")
    assert enrolled(sqlite_runtime) == []
    phone.press("✅ Ja, einverstanden")
    assert len(enrolled(sqlite_runtime)) == 1
    # The same link again later changes nothing.
    phone.send(f"/start {DEMO_INVITE_CODE}")
    assert len(enrolled(sqlite_runtime)) == 1


def test_a_declined_invite_stores_nothing(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    phone = Simulator(sqlite_client, "flyer-decliner")
    phone.send(f"/start {DEMO_INVITE_CODE}")
    phone.press("Deutsch")
    phone.press("❌ Nein")
    assert enrolled(sqlite_runtime) == []


def test_an_unknown_code_is_a_plain_start(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    phone = Simulator(sqlite_client, "typo")
    phone.send("/start no-such-code")
    phone.press("Deutsch")
    phone.press("✅ Ja, einverstanden")
    assert enrolled(sqlite_runtime) == []


def test_a_signed_up_person_joins_the_course_with_the_link(
    sqlite_client: TestClient, sqlite_runtime: Runtime
) -> None:
    phone = Simulator(sqlite_client, "member")
    phone.send("/start")
    phone.press("Deutsch")
    phone.press("✅ Ja, einverstanden")
    assert enrolled(sqlite_runtime) == []
    phone.send(f"/start {DEMO_INVITE_CODE}")
    assert len(enrolled(sqlite_runtime)) == 1


@pytest.mark.slow
def test_invites_command_line(tmp_path: Path) -> None:
    env = bot_environment(tmp_path / "bot.sqlite3")
    assert run_twc(["demo", "load"], env).returncode == 0
    listed = run_twc(["invites", "list"], env)
    assert DEMO_INVITE_CODE in listed.stdout and "deutsch-a2-nienburg" in listed.stdout
    made = run_twc(
        ["invites", "create", "--course", "deutsch-a2-nienburg", "--code", "hoya-2027"], env
    )
    assert made.returncode == 0, made.stderr
    assert "https://t.me/<your_bot>?start=hoya-2027" in " ".join(made.stdout.split())
    again = run_twc(
        ["invites", "create", "--course", "deutsch-a2-nienburg", "--code", "hoya-2027"], env
    )
    assert again.returncode == 2 and "exists" in again.stderr
    bad = run_twc(["invites", "create", "--course", "nope"], env)
    assert bad.returncode == 2 and "no course" in bad.stderr
    random = run_twc(["invites", "create", "--organisation", "vnb-nienburg"], env)
    assert random.returncode == 0, random.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        codes = [r[0] for r in conn.execute(f"SELECT code FROM {InviteCode.__tablename__}")]
    assert len(codes) == 3 and all(len(c.encode()) <= 64 for c in codes)
