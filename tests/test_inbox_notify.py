"""Nobody waits unseen: new inbox threads announced by email (a real SMTP server, aiosmtpd) and
in the staff Telegram group (the bot's Telegram channel against a Bot API stand-in), in each
staff member's language, never with her name or her words."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import insert, select, update
from starlette.testclient import TestClient

from bot.db.tables import identities, inbox_threads, organisations, outbox, people, staff
from bot.demo import ORG_NAME
from bot.features.inbox.notify import notify_new_threads
from bot.identity import lookup_key
from bot.runtime import Runtime
from bot.settings import Settings
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import person_of
from tests.auxil.inbox import add_staff, inbox_of, organisation_id, second_organisation
from tests.auxil.limiting_bot_api import LimitingStandIn
from tests.auxil.processes import free_port
from tests.auxil.simulator import Simulator, onboard
from tests.auxil.telegram import live_telegram_runtime

QUESTION = "Glimmerquast fragt nach dem Kurs"


class Inbox:
    """An SMTP server's mailbox (aiosmtpd handler)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"twc",
        b"mail-secret",
    )
    return AuthResult(success=ok)


@pytest.fixture
def mail_server() -> Iterator[tuple[Inbox, int]]:
    mailbox = Inbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def mail_settings(runtime: Runtime, port: int) -> Settings:
    return runtime.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_user": "twc",
            "smtp_password": "mail-secret",
            "smtp_from": "bot@vnb.example",
            "smtp_starttls": False,
            "public_url": "https://bot.example.org",
        }
    )


def test_new_threads_are_emailed_to_staff_in_their_language(
    runtime: Runtime,
    client: TestClient,
    clock: FrozenClock,
    mail_server: tuple[Inbox, int],
) -> None:
    mailbox, port = mail_server
    org = organisation_id(runtime)
    add_staff(runtime, "maria@vnb.example", org, language="de")
    add_staff(runtime, "john@vnb.example", org, language="en")
    add_staff(runtime, "quiet@vnb.example", org, notify_by_email=False)
    gone = add_staff(runtime, "gone@vnb.example", org)
    add_staff(runtime, "eleni@larnaca.example", second_organisation(runtime), language="el")
    with runtime.db.begin() as conn:
        conn.execute(update(staff).where(staff.c.id == gone.id).values(active=False))
    sim = Simulator(client, "amina")
    onboard(sim, language="العربية", name="Glimmerquast")
    sim.press("main.menu:person")
    clock.now = datetime.fromisoformat("2026-12-01T08:12:00+00:00")  # 09:12 in Nienburg
    sim.send(QUESTION)
    settings = mail_settings(runtime, port)

    assert notify_new_threads(runtime.db, settings, clock, telegram=False) is False
    assert sorted(e.rcpt_tos[0] for e in mailbox.envelopes) == [
        "john@vnb.example",
        "koordination@example.org",  # the demo coordinator
        "maria@vnb.example",
    ]
    by_to = {m["To"]: m for m in mailbox.messages}
    german, english = by_to["maria@vnb.example"], by_to["john@vnb.example"]
    assert german["Subject"] == "Neue Anfrage im Posteingang"
    assert english["Subject"] == "New request in the inbox"
    [thread] = [r.id for r in _threads(runtime) if r.person_id == person_of(runtime, "amina")]
    link = f"https://bot.example.org/staff/inbox/{thread}"
    assert english.get_payload(decode=True).decode().replace("\r\n", "\n").strip() == (
        f"New request in the inbox, language ar, waiting since 09:12.\nOpen: {link}"
    )
    assert "wartet seit 09:12" in german.get_payload(decode=True).decode()
    for message in mailbox.messages:
        text = message.as_string()
        assert "Glimmerquast" not in text and "Kurs" not in text.split("\n\n", 1)[1]
    assert all(r.notified_at == clock() for r in _threads(runtime))
    # Told once: the next run sends nothing.
    notify_new_threads(runtime.db, settings, clock, telegram=False)
    assert len(mailbox.messages) == 3


def test_a_mail_server_that_fails_leaves_the_thread_for_the_next_run(
    runtime: Runtime, client: TestClient, clock: FrozenClock, mail_server: tuple[Inbox, int]
) -> None:
    mailbox, port = mail_server
    add_staff(runtime, "maria@vnb.example", organisation_id(runtime))
    sim = Simulator(client, "amina")
    onboard(sim)
    sim.press("main.menu:person")
    sim.send(QUESTION)
    down = mail_settings(runtime, free_port())  # nobody listens there
    notify_new_threads(runtime.db, down, clock, telegram=False)
    assert [r.notified_at for r in _threads(runtime)] == [None]
    notify_new_threads(runtime.db, mail_settings(runtime, port), clock, telegram=False)
    assert len(mailbox.messages) == 2  # Maria and the demo coordinator
    assert [r.notified_at for r in _threads(runtime)] == [clock()]


def test_no_email_when_the_organisation_switched_it_off(
    runtime: Runtime, client: TestClient, clock: FrozenClock, mail_server: tuple[Inbox, int]
) -> None:
    mailbox, port = mail_server
    org = organisation_id(runtime)
    add_staff(runtime, "maria@vnb.example", org)
    with runtime.db.begin() as conn:
        conn.execute(
            update(organisations).where(organisations.c.id == org).values(notify_by_email=False)
        )
    sim = Simulator(client, "amina")
    onboard(sim)
    sim.press("main.menu:person")
    sim.send(QUESTION)
    notify_new_threads(runtime.db, mail_settings(runtime, port), clock, telegram=False)
    assert mailbox.messages == []
    assert [r.notified_at for r in _threads(runtime)] == [clock()]


def _threads(runtime: Runtime) -> list[Any]:
    with runtime.db.connect() as conn:
        return list(conn.execute(select(inbox_threads).order_by(inbox_threads.c.id)))


# ---- the staff Telegram group --------------------------------------------------------------


@pytest.fixture
def bot_api() -> Iterator[LimitingStandIn]:
    with LimitingStandIn() as server:
        yield server


def test_the_staff_telegram_group_hears_of_a_new_thread(
    sqlite_url: str, bot_api: LimitingStandIn
) -> None:
    with live_telegram_runtime(sqlite_url, bot_api.url) as runtime:
        org = organisation_id(runtime)
        now = runtime.clock()
        with runtime.db.begin() as conn:
            conn.execute(
                update(organisations)
                .where(organisations.c.id == org)
                .values(staff_telegram_chat="-1001234567890", default_language="en")
            )
            person = conn.execute(
                insert(people).returning(people.c.id),
                {
                    "organisation_id": org,
                    "display_name": "Glimmerquast",
                    "language": "uk",
                    "status": "active",
                    "interests": [],
                    "attend_help": [],
                    "consent_given_at": now,
                    "created_at": now,
                },
            ).scalar_one()
            thread = conn.execute(
                insert(inbox_threads).returning(inbox_threads.c.id),
                {
                    "organisation_id": org,
                    "person_id": person,
                    "language": "uk",
                    "channel": "telegram",
                    "opened_at": now,
                    "waiting_since": now,
                    "last_message_at": now,
                },
            ).scalar_one()
        assert notify_new_threads(runtime.db, runtime.settings, runtime.clock, telegram=True)
        assert (
            notify_new_threads(runtime.db, runtime.settings, runtime.clock, telegram=True) is False
        )
        asyncio.run(_drain(runtime))
        [(_, chat, text)] = bot_api.accepted
        assert chat == "-1001234567890"
        assert text.startswith("New request in the inbox, language uk, waiting since ")
        assert text.endswith(f"/staff/inbox/{thread}")
        assert "Glimmerquast" not in text
        with runtime.db.connect() as conn:
            row = conn.execute(select(outbox.c.status, outbox.c.kind)).one()
        assert (row.status, row.kind) == ("sent", "staff_notice")


async def _drain(runtime: Runtime) -> None:
    assert runtime.telegram is not None
    assert await runtime.telegram.ensure_ready()
    for _ in range(200):  # the channel may need a moment after getMe
        if await runtime.dispatcher.dispatch():
            break
        await asyncio.sleep(0.05)
    await runtime.telegram.stop()


def test_a_reply_to_a_telegram_participant_goes_to_her_chat_as_text(
    sqlite_url: str, bot_api: LimitingStandIn
) -> None:
    with live_telegram_runtime(sqlite_url, bot_api.url) as runtime:
        org = organisation_id(runtime)
        now = runtime.clock()
        with runtime.db.begin() as conn:
            person = conn.execute(
                insert(people).returning(people.c.id),
                {
                    "organisation_id": org,
                    "display_name": "Olena",
                    "language": "uk",
                    "status": "active",
                    "interests": [],
                    "attend_help": [],
                    "consent_given_at": now,
                    "created_at": now,
                },
            ).scalar_one()
            conn.execute(
                insert(identities),
                {
                    "person_id": person,
                    "channel": "telegram",
                    "lookup_key": lookup_key(runtime.settings.secret_key, "telegram", "770099"),
                    "address": "770099",
                    "status": "ok",
                    "created_at": now,
                    "last_inbound_at": now,
                },
            )
        coordinator = add_staff(runtime, "maria@vnb.example", org)
        inbox = inbox_of(runtime)
        thread = inbox.start_with(coordinator, person)
        inbox.reply(coordinator, thread, "Добрий день! Ось ваша відповідь.")
        asyncio.run(_drain(runtime))
        [(_, chat, text)] = bot_api.accepted
        assert chat == "770099"
        assert text == f"💬 {ORG_NAME}:\nДобрий день! Ось ваша відповідь."
