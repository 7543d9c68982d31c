"""Issue 16 end to end on the real channels: an organiser on Telegram, a member on WhatsApp and
a member on Telegram, and the group's linked Telegram group, through propose → vote (private
buttons, typed numbers and a native Telegram poll) → confirm → answer → reminders to yes and
maybe only → move → asked again → "how was it?".

The real python-telegram-bot sends to ``telegram-test-api`` through the fixing proxy (which
answers ``sendPoll`` as Telegram does); the women's messages and the poll's ``poll_answer``
come in through the webhook.  The real ``twilio`` client sends to the Twilio stand-in (Prism
checks every request); Amina writes through signed webhooks, each time within her 24-hour
window.  The clock starts on Monday 30 November 2026, 10:00 in Berlin, runs in real time
(Telegram's one message a second per chat) and is moved forward to the reminders' moments.
Nothing posted in the Telegram group names anyone.  ``-s`` prints what each woman saw.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from starlette.testclient import TestClient

from bot.channels.telegram.webhook import SECRET_HEADER
from bot.db.migrate import upgrade
from bot.db.tables import (
    consents,
    group_members,
    groups,
    meetup_rsvps,
    meetup_votes,
    meetups,
    outbox,
    telegram_groups,
)
from bot.demo import load_demo
from bot.features.groups.meetup_votes import counts
from bot.features.groups.telegram_posts import post_meetups
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web.app import create_app
from conversations.events import TriggerIn
from scheduler.due import fire_due
from tests.auxil.clock import DEFAULT_START, RunningClock
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.telegram import (
    TOKEN,
    WEBHOOK_SECRET,
    FixingProxy,
    Received,
    StandIn,
    TelegramUser,
    require_stand_in,
)
from tests.auxil.twilio import TwilioStandIn
from tests.auxil.whatsapp import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SECRET,
    SENDER,
    WhatsAppPhone,
    shown,
    write_templates,
)

pytestmark = pytest.mark.slow

LEYLA_TG, OLENA_TG = 770401, 770402
AMINA_WA = "+4915112345611"
GROUP_CHAT = "-1009876"
NAMES = ("Leyla Yilmaz", "Olena Kovalenko", "Amina Haddad")
#: Tuesday 1 December 2026 in Berlin: 15:00 and 16:00, then moved to 18:00.
TUESDAY_3PM = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
TUESDAY_6PM = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
_updates = itertools.count(5000)


@pytest.fixture
def telegram(tmp_path: Path) -> Iterator[tuple[StandIn, FixingProxy]]:
    require_stand_in()
    with StandIn(tmp_path) as stand_in, FixingProxy(stand_in.url) as proxy:
        yield stand_in, proxy


@pytest.fixture
def clock() -> RunningClock:  # type: ignore[override]
    return RunningClock(DEFAULT_START)


@pytest.fixture
def both(
    sqlite_url: str,
    tmp_path: Path,
    twilio_stand_in: TwilioStandIn,
    telegram: tuple[StandIn, FixingProxy],
    clock: RunningClock,
) -> Iterator[Runtime]:
    settings = Settings(
        database_url=sqlite_url,
        environment="test",
        secret_key=SECRET,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=SENDER,
        public_url=PUBLIC_URL,
        twilio_api_url=twilio_stand_in.url,
        twilio_templates=write_templates(tmp_path / "whatsapp_templates.yaml"),
        telegram_token=TOKEN,
        telegram_api_url=telegram[1].api_url,
        telegram_mode="webhook",
        telegram_webhook_secret=WEBHOOK_SECRET,
    )
    upgrade(sqlite_url)
    runtime = build_runtime(settings, clock=clock)
    load_demo(runtime.db, SECRET, runtime.clock())
    yield runtime
    runtime.close()
    if "loop" in _LOOP:
        _LOOP.pop("loop").close()


def _update(body: dict[str, object]) -> dict[str, object]:
    return {"update_id": next(_updates), **body}


def post_update(client: TestClient, update: dict[str, object]) -> None:
    answer = client.post(
        "/webhooks/telegram", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert answer.is_success, answer.text


def tg_text(client: TestClient, user: TelegramUser, text: str) -> None:
    """She types on Telegram (the update as Telegram posts it to the webhook)."""
    number = next(_updates)
    user.transcript.append(("she", text))
    post_update(
        client,
        {
            "update_id": number,
            "message": {
                "message_id": number,
                "date": 1_796_000_000,
                "chat": user.chat,
                "from": user.user,
                "text": text,
            },
        },
    )


def tg_press(client: TestClient, user: TelegramUser, message: Received, label: str) -> None:
    """She taps ``label`` under ``message``."""
    (button,) = [b for b in message.buttons if b["text"] == label]
    number = next(_updates)
    user.transcript.append(("she", f"[{label}]"))
    post_update(
        client,
        {
            "update_id": number,
            "callback_query": {
                "id": str(number),
                "from": user.user,
                "chat_instance": str(user.user["id"]),
                "data": button["callback_data"],
                "message": {
                    "message_id": message.message_id,
                    "date": 1_796_000_000,
                    "chat": user.chat,
                    "text": message.text,
                },
            },
        },
    )


def drain(user: TelegramUser) -> list[Received]:
    """Everything the bot sent her since the last look (after ``deliver`` all of it is at
    the stand-in; it hands the messages out a few at a time)."""
    got = user.receive(1)
    while True:
        try:
            got += user.receive(1, timeout=0.3)
        except AssertionError:
            return got


#: One event loop for every send of a test: the Telegram client keeps its connections on the
#: loop it first ran on (``asyncio.run`` per call would close it under them, and a request
#: that reached Telegram would be reported failed and sent again).
_LOOP: dict[str, asyncio.AbstractEventLoop] = {}


def _loop() -> asyncio.AbstractEventLoop:
    if "loop" not in _LOOP or _LOOP["loop"].is_closed():
        _LOOP["loop"] = asyncio.new_event_loop()
    return _LOOP["loop"]


def deliver(runtime: Runtime) -> None:
    """Send everything due.  A second message to the same chat within a second waits for
    Telegram's limit: the clock is moved on a second instead of sleeping."""
    loop = _loop()
    for _ in range(60):
        while loop.run_until_complete(runtime.dispatcher.dispatch()):
            pass
        with runtime.db.connect() as conn:
            waiting = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
            ).scalar_one()
        if not waiting:
            return
        clock = runtime.clock
        assert isinstance(clock, RunningClock)
        clock.advance(seconds=1.1)
    raise AssertionError("messages still waiting after a minute")


def tick(runtime: Runtime) -> None:
    """What the scheduler does: due nudges fire, the linked group's posts are queued, and
    everything due is sent."""
    fire_due(runtime.db, runtime.turns, runtime.clock)
    with runtime.db.begin() as conn:
        post_meetups(conn, runtime.flow_engine.catalogs, runtime.clock())
    deliver(runtime)


def members(runtime: Runtime) -> tuple[int, int, int, int]:
    """The women's café in Hoya linked to its Telegram group: Leyla organises (Telegram,
    German), Olena (Telegram, Ukrainian) and Amina (WhatsApp, Arabic) are members."""
    now = runtime.clock()
    org = organisation_id(runtime, DEMO)
    leyla = add_person(runtime, org, NAMES[0], now, channels=[("telegram", str(LEYLA_TG), "ok")])
    olena = add_person(
        runtime, org, NAMES[1], now, language="uk", channels=[("telegram", str(OLENA_TG), "ok")]
    )
    amina = add_person(
        runtime,
        org,
        NAMES[2],
        now,
        language="ar",
        channels=[("whatsapp", f"whatsapp:{AMINA_WA}", "ok")],
    )
    with runtime.db.begin() as conn:
        for person, channel in ((leyla, "telegram"), (olena, "telegram"), (amina, "whatsapp")):
            for purpose in ("profile", "messages"):
                conn.execute(
                    insert(consents).values(
                        person_id=person,
                        purpose=purpose,
                        wording_version="test",
                        language="de",
                        channel=channel,
                        given_at=now,
                    )
                )
        chat = conn.execute(
            insert(telegram_groups)
            .values(
                chat_id=GROUP_CHAT,
                title="Frauencafé Hoya",
                organisation_id=org,
                status="member",
                added_at=now,
            )
            .returning(telegram_groups.c.id)
        ).scalar_one()
        group = conn.execute(
            insert(groups)
            .values(
                organisation_id=org,
                code="g-cafe-e2e",
                name={"de": "Frauencafé Hoya", "ar": "مقهى النساء في هويا", "uk": "Жіноче кафе"},
                description={"de": "Kaffee und Gespräche"},
                town="Hoya",
                usual_places=["Gemeindehaus Hoya"],
                children_welcome=True,
                directions={"de": "Bus 12 bis Marktplatz"},
                telegram_group_id=chat,
                created_by="staff:1",
                created_at=now,
                updated_at=now,
            )
            .returning(groups.c.id)
        ).scalar_one()
        for person, role in ((leyla, "organiser"), (olena, "member"), (amina, "member")):
            conn.execute(
                insert(group_members).values(
                    group_id=group, person_id=person, role=role, status="active", joined_at=now
                )
            )
    return int(group), leyla, olena, amina


def telegram_lines(user: TelegramUser) -> list[str]:
    """Her chat as she sees it.  The stand-in hands out a message again when the bot edits it
    (an answered question loses its buttons): shown once."""
    received = iter(user.inbox)
    lines: list[str] = []
    seen: set[int] = set()
    for who, text in user.transcript:
        if who == "bot":
            message = next(received)
            if message.message_id in seen:
                continue
            seen.add(message.message_id)
            buttons = "  ".join(f"[{label}]" for label in message.labels)
            text = f"{message.text}\n{buttons}" if buttons else message.text
        lines.append(f"{who}: " + text.replace("\n", "\n     "))
    return lines


def test_propose_vote_poll_confirm_answer_remind_move_and_rate(
    both: Runtime,
    twilio_stand_in: TwilioStandIn,
    telegram: tuple[StandIn, FixingProxy],
    clock: RunningClock,
) -> None:
    runtime, proxy = both, telegram[1]
    group, leyla, olena, amina = members(runtime)
    leyla_tg = TelegramUser(telegram[0], LEYLA_TG, "Leyla", "de")
    olena_tg = TelegramUser(telegram[0], OLENA_TG, "Olena", "uk")
    with TestClient(create_app(runtime, background=False)) as client:
        amina_wa = WhatsAppPhone(client, runtime, twilio_stand_in, AMINA_WA)
        amina_wa.send("مرحبا")  # she wrote this morning: her 24-hour window is open
        # Leyla taps "📅 Treffen vorschlagen" in her group (the groups chat sets v_group).
        runtime.turns.fire(leyla, TriggerIn("meetup.propose", {"group": group}), "e2e:propose")
        deliver(runtime)
        assert "Was möchten Sie machen?" in drain(leyla_tg)[0].text
        for typed in ("Kaffee und Kuchen", "Gemeindehaus Hoya", "1.12. 15:00", "1.12. 16:00"):
            tg_text(client, leyla_tg, typed)
            deliver(runtime)
            drain(leyla_tg)
        (more,) = leyla_tg.inbox[-1:]
        tg_press(client, leyla_tg, more, "➡️ Weiter")
        deliver(runtime)
        check = drain(leyla_tg)[-1]
        assert "📅 Kaffee und Kuchen" in check.text and "📍 Gemeindehaus Hoya" in check.text
        tg_press(client, leyla_tg, check, "✅ Ja, fragen")
        deliver(runtime)
        assert "Wir fragen jetzt 3 Frauen der Gruppe" in drain(leyla_tg)[0].text
        with runtime.db.connect() as conn:
            meetup = conn.execute(select(meetups.c.id)).scalar_one()

        # Every member is asked on her own channel, in her language; the group gets a poll.
        tick(runtime)
        ask_olena = drain(olena_tg)[-1]
        assert "Жіноче кафе: Kaffee und Kuchen" in ask_olena.text
        drain(leyla_tg)
        ask_amina = amina_wa.deliver()[-1]
        assert "مقهى النساء في هويا: Kaffee und Kuchen" in shown(ask_amina)
        (poll,) = proxy.calls_of("sendPoll")
        assert poll.params["chat_id"] == GROUP_CHAT
        question = str(poll.params["question"])
        assert "Frauencafé Hoya" in question and "Kaffee und Kuchen" in question
        poll_id = str(poll.params["poll_id"])

        amina_wa.send("1, 2")  # numbered, as WhatsApp shows the times: both are ticked
        assert "1️⃣ ✅" in amina_wa.text() and "2️⃣ ✅" in amina_wa.text()
        amina_wa.send("4")  # ➡️ تم (done)
        # Olena votes in the group's poll instead of her private chat: it counts as hers.
        post_update(
            client,
            _update(
                {
                    "poll_answer": {
                        "poll_id": poll_id,
                        "user": {"id": OLENA_TG, "is_bot": False, "first_name": "Olena"},
                        "option_ids": [0],
                        "option_persistent_ids": [f"{poll_id}-0"],
                    }
                }
            ),
        )
        with runtime.db.connect() as conn:
            tally = [n for _, _, n in counts(conn, meetup)]
            voters = set(conn.execute(select(meetup_votes.c.voter)).scalars())
        assert tally == [2, 1] and voters == {f"p:{olena}", f"p:{amina}"}

        # Leyla looks ("treffen") and confirms Tuesday 15:00.
        tg_text(client, leyla_tg, "treffen")
        deliver(runtime)
        hub = drain(leyla_tg)[-1]
        tg_press(client, leyla_tg, hub, "Kaffee und Kuchen")
        deliver(runtime)
        status = drain(leyla_tg)[-1]
        tg_press(client, leyla_tg, status, status.labels[0])
        deliver(runtime)
        assert "bestätigt" in drain(leyla_tg)[-1].text

        # Everyone is told and answers: Amina yes (WhatsApp), Olena no (Telegram).
        tick(runtime)
        told_olena = drain(olena_tg)[-1]
        drain(leyla_tg)
        told_amina = amina_wa.deliver()[-1]
        assert "Gemeindehaus Hoya" in shown(told_amina)
        amina_wa.press(told_amina.variables["2"])  # her first quick-reply button: ✅ yes
        tg_press(client, olena_tg, told_olena, told_olena.labels[2])
        deliver(runtime)
        drain(olena_tg)
        with runtime.db.connect() as conn:
            answers = dict(
                conn.execute(select(meetup_rsvps.c.person_id, meetup_rsvps.c.answer))
                .tuples()
                .all()
            )
        assert answers[amina] == "yes" and answers[olena] == "no"

        # Monday 17:00, the day before: a reminder to yes (and maybe) only.
        clock.set(datetime(2026, 11, 30, 16, 0, 1, tzinfo=UTC))
        tick(runtime)
        reminder = amina_wa.deliver()[-1]
        assert "Kaffee und Kuchen" in shown(reminder)

        # Monday 18:00: Leyla moves it to 18:00; those who answered are told and asked again.
        clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
        tg_text(client, leyla_tg, "treffen")
        deliver(runtime)
        hub = drain(leyla_tg)[-1]
        tg_press(client, leyla_tg, hub, "Kaffee und Kuchen")
        deliver(runtime)
        tg_press(client, leyla_tg, drain(leyla_tg)[-1], "🕒 Verschieben")
        deliver(runtime)
        drain(leyla_tg)
        tg_text(client, leyla_tg, "1.12. 18:00")
        deliver(runtime)
        drain(leyla_tg)
        tick(runtime)
        moved_olena = drain(olena_tg)[-1]
        # Amina had three messages from the bot today (the question, the confirmation, the
        # reminder): the daily cap moves hers to the next morning.
        assert amina_wa.deliver() == []
        clock.set(datetime(2026, 12, 1, 7, 30, tzinfo=UTC))
        tick(runtime)
        moved_amina = amina_wa.deliver()[-1]
        assert "Gemeindehaus Hoya" in shown(moved_amina)
        amina_wa.press(moved_amina.variables["4"])  # her second button: 🤔 maybe
        tg_press(client, olena_tg, moved_olena, moved_olena.labels[0])  # now she can come
        deliver(runtime)
        drain(olena_tg)

        # Tuesday 16:00, two hours before: both are reminded (yes and maybe).
        clock.set(TUESDAY_6PM - timedelta(hours=2) + timedelta(seconds=1))
        tick(runtime)
        assert "6:00 م" in shown(amina_wa.deliver()[-1])  # 18:00, as Arabic writes it
        assert "⏰" in drain(olena_tg)[-1].text

        # "How was it?" three hours after the start falls in the quiet hours (from 20:00): it
        # comes on Wednesday morning at 8:00, only to those who said yes.
        clock.set(datetime(2026, 12, 2, 7, 0, 1, tzinfo=UTC))
        tick(runtime)
        after = drain(olena_tg)[-1]
        assert amina_wa.deliver() == []
        tg_press(client, olena_tg, after, after.labels[0])
        deliver(runtime)
        drain(olena_tg)

    with runtime.db.connect() as conn:
        rated = conn.execute(
            select(meetup_rsvps.c.rating).where(meetup_rsvps.c.person_id == olena)
        ).scalar()
        group_posts = [
            str(p) for p in conn.execute(select(outbox.c.payload).where(outbox.c.kind == "group"))
        ]
    assert rated == 4
    # The group saw the poll, the confirmation and the move.
    assert [c.method for c in proxy.calls if str(c.params.get("chat_id")) == GROUP_CHAT] == [
        "sendPoll",
        "sendMessage",
        "sendMessage",
    ]
    for post in group_posts:
        for secret in (*NAMES, *(n.split()[0] for n in NAMES), AMINA_WA, str(OLENA_TG)):
            assert secret not in post
    for name, lines in (
        ("Leyla, Telegram, de (organiser)", telegram_lines(leyla_tg)),
        ("Olena, Telegram, uk", telegram_lines(olena_tg)),
        ("Amina, WhatsApp, ar", amina_wa.transcript),
    ):
        print(f"\n=== {name} ===")
        for line in lines:
            print(line)
    print("\n=== the Telegram group ===")
    for call in proxy.calls:
        if str(call.params.get("chat_id")) == GROUP_CHAT:
            print(f"{call.method}: {call.params.get('question') or call.params.get('text')}")
