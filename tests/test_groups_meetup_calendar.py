"""Issue 16, the meetup's calendar file: the confirmation (and the news of a move or a
cancellation) brings an ``.ics`` with one ``VEVENT``, resolved from the outbox row just before
sending (``Feature.attachments`` → the dispatcher's resolver for the outbox kind).

What, the group's name, start and two hours later, the place, "children welcome" and how to
get there in her language; UID stable per meetup, SEQUENCE one more for each move,
``STATUS:CANCELLED`` after a cancellation, ``METHOD:PUBLISH``.  Women on the simulator
channel; frozen clock (Monday 30 November 2026, 10:00 in Berlin); SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.channels.messages import Attachment, Outbound
from bot.db.migrate import upgrade
from bot.db.tables import consents, meetup_options, outbox
from bot.demo import load_demo
from bot.features.groups.meetup_changes import cancel_meetup, move_meetup
from bot.features.groups.meetup_replies import confirm_meetup
from bot.ics import fold
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from scheduler.due import fire_due
from tests.auxil.clock import DEFAULT_START, FrozenClock, running_from
from tests.auxil.constants import TEST_SECRET
from tests.auxil.courses import person_of
from tests.auxil.meetups import add_group, add_meetup
from tests.auxil.people import DEMO, add_person, organisation_id
from tests.auxil.simulator import Simulator, onboard
from tests.auxil.telegram import (
    TOKEN,
    WEBHOOK_SECRET,
    FixingProxy,
    StandIn,
    TelegramUser,
    require_stand_in,
)

SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
SUNDAY = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
MOVED_TO = datetime(2026, 12, 12, 13, 30, tzinfo=UTC)
LEYLA = 770311


def parse(data: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """The calendar's and its one event's properties (unfolded, parameters dropped)."""
    text = data.decode()
    assert text.endswith("\r\n") and all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    start, end = lines.index("BEGIN:VEVENT"), lines.index("END:VEVENT")
    calendar = dict(line.split(":", 1) for line in lines[1:start])
    event = dict(line.split(":", 1) for line in lines[start + 1 : end])
    return calendar, event


def attachment(runtime: Runtime, person: int, kind: str, says: str = "") -> Attachment:
    """What the dispatcher attaches to her last outbox row of ``kind`` (which ``says``)."""
    with runtime.db.connect() as conn:
        payload = conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.person_id == person, outbox.c.kind == kind)
            .order_by(outbox.c.id.desc())
            .limit(1)
        ).scalar_one()
    assert says in payload["text"]
    resolve = runtime.dispatcher.attachments[kind]
    (file,) = asyncio.run(resolve(Outbound.from_payload(payload)))
    assert file is not None
    return file


def test_the_confirmation_brings_the_calendar_file_and_a_move_updates_it(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db = runtime.db
    amina_sim, bela_sim = Simulator(client, "amina"), Simulator(client, "bela")
    onboard(amina_sim)
    onboard(bela_sim, name="Bela")
    amina, bela = person_of(runtime, "amina"), person_of(runtime, "bela")
    group = add_group(db, clock(), organisers=[amina], members=[bela])
    meetup = add_meetup(db, group, clock(), [SATURDAY, SUNDAY], proposed_by=amina)
    with db.begin() as conn:
        option = conn.execute(
            select(meetup_options.c.id).where(
                meetup_options.c.meetup_id == meetup, meetup_options.c.position == 1
            )
        ).scalar_one()
        assert confirm_meetup(conn, meetup, group, option, SUNDAY, clock()) == 2
    assert fire_due(db, runtime.turns, clock) == 2

    file = attachment(runtime, bela, "meetup_confirmed", "Das Treffen findet statt!")
    assert file.filename == "Kaffee trinken.ics" and file.content_type == "text/calendar"
    calendar, event = parse(file.data)
    assert calendar["METHOD"] == "PUBLISH" and calendar["VERSION"] == "2.0"
    assert event == {
        "UID": f"meetup-{meetup}@together-we-can",
        "SEQUENCE": "0",
        "DTSTAMP": "20261130T090000Z",
        "DTSTART": "20261206T140000Z",
        "DTEND": "20261206T160000Z",
        "SUMMARY": "Kaffee trinken – Frauencafé Hoya",
        "LOCATION": "Café am Markt",
        "DESCRIPTION": "👶 Kinder sind willkommen.\\n🚌 So kommen Sie hin: Bus 12 bis Marktplatz",
        "STATUS": "CONFIRMED",
    }
    bela_sim.send("✅ Ich komme")

    # Moved: the same UID, SEQUENCE 1, the new time; sent to her as the news of the move.
    clock.advance(hours=1)
    with db.begin() as conn:
        assert move_meetup(conn, meetup, group, MOVED_TO, clock()) == 1
    assert fire_due(db, runtime.turns, clock) == 1
    changed = attachment(runtime, bela, "meetup_changed", "Das Treffen ist verschoben!")
    _calendar, moved = parse(changed.data)
    assert moved["UID"] == event["UID"] and moved["SEQUENCE"] == "1"
    assert (moved["DTSTART"], moved["DTEND"]) == ("20261212T133000Z", "20261212T153000Z")
    assert moved["STATUS"] == "CONFIRMED"

    # Cancelled: struck out in her calendar.
    clock.advance(hours=1)
    with db.begin() as conn:
        assert cancel_meetup(conn, meetup, group, clock()) == 1
    assert fire_due(db, runtime.turns, clock) == 1
    gone = attachment(runtime, bela, "meetup_changed", "Das Treffen fällt leider aus.")
    _calendar, cancelled = parse(gone.data)
    assert cancelled["UID"] == event["UID"] and cancelled["SEQUENCE"] == "2"
    assert cancelled["STATUS"] == "CANCELLED"


def test_the_calendar_file_in_her_language_and_long_lines_folded(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    db = runtime.db
    sim = Simulator(client, "olena")
    onboard(sim, name="Olena", language="Українська")
    olena = person_of(runtime, "olena")
    title = "Nähen, Stricken; und Tee " + "ж" * 40
    group = add_group(db, clock(), organisers=[olena], directions="")
    meetup = add_meetup(db, group, clock(), [SATURDAY], title=title)
    with db.begin() as conn:
        option = conn.execute(
            select(meetup_options.c.id).where(meetup_options.c.meetup_id == meetup)
        ).scalar_one()
        confirm_meetup(conn, meetup, group, option, SATURDAY, clock())
    fire_due(db, runtime.turns, clock)
    file = attachment(runtime, olena, "meetup_confirmed")
    assert fold("x" * 80) != "x" * 80  # long lines are folded (checked in parse)
    _calendar, event = parse(file.data)
    assert event["SUMMARY"] == "Nähen\\, Stricken\\; und Tee " + "ж" * 40 + " – Frauencafé Hoya"
    assert event["DESCRIPTION"] == "👶 Діти — бажані гості."


# ---- on Telegram: the file is uploaded with sendDocument before the text -------------------


@pytest.fixture
def telegram(tmp_path: Path) -> Iterator[tuple[StandIn, FixingProxy]]:
    require_stand_in()
    with StandIn(tmp_path) as stand_in, FixingProxy(stand_in.url) as proxy:
        yield stand_in, proxy


@pytest.mark.slow
def test_on_telegram_the_confirmation_uploads_the_calendar_file(
    sqlite_url: str, telegram: tuple[StandIn, FixingProxy]
) -> None:
    """A real runtime (real time: Telegram's one message a second per chat is waited for)."""
    stand_in, proxy = telegram
    settings = Settings(
        database_url=sqlite_url,
        environment="test",
        secret_key=TEST_SECRET,
        telegram_token=TOKEN,
        telegram_api_url=proxy.api_url,
        telegram_mode="webhook",
        telegram_webhook_secret=WEBHOOK_SECRET,
        public_url="https://bot.example.org",
    )
    upgrade(sqlite_url)
    runtime = build_runtime(settings, clock=running_from(DEFAULT_START))
    try:
        load_demo(runtime.db, TEST_SECRET, runtime.clock())
        db, now = runtime.db, runtime.clock()
        org = organisation_id(runtime, DEMO)
        leyla = add_person(runtime, org, "Leyla", now, channels=[("telegram", str(LEYLA), "ok")])
        with db.begin() as conn:
            conn.execute(
                insert(consents).values(
                    person_id=leyla,
                    purpose="messages",
                    wording_version="test",
                    language="de",
                    channel="telegram",
                    given_at=now,
                )
            )
        group = add_group(db, now, organisers=[leyla])
        meetup = add_meetup(db, group, now, [SATURDAY, SUNDAY])
        with db.begin() as conn:
            option = conn.execute(
                select(meetup_options.c.id).where(
                    meetup_options.c.meetup_id == meetup, meetup_options.c.position == 0
                )
            ).scalar_one()
            confirm_meetup(conn, meetup, group, option, SATURDAY, now)
        assert fire_due(db, runtime.turns, runtime.clock) == 1
        while asyncio.run(runtime.dispatcher.dispatch()):
            pass
        (text,) = TelegramUser(stand_in, LEYLA, "Leyla", "de").receive(1)
        assert "Das Treffen findet statt!" in text.text
        assert text.labels == ["✅ Ich komme", "🤔 Vielleicht", "❌ Ich kann nicht"]
        (call,) = [
            c for c in proxy.calls_of("sendDocument") if str(c.params.get("chat_id")) == str(LEYLA)
        ]
        document = call.params["document"]
        assert document["filename"] == "Kaffee trinken.ics"
        _calendar, event = parse(document["content"].encode())
        assert event["DTSTART"] == "20261205T140000Z" and event["SUMMARY"].startswith(
            "Kaffee trinken – "
        )
    finally:
        runtime.close()
