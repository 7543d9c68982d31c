"""Nothing she told the bot is readable in the database files (issue 11, point 3).

People are onboarded with marker names and numbers through WhatsApp (signed Twilio
webhooks, Prism) and Telegram (the npm stand-in), one of them answers a reminder with "ill"
and asks for a person with a marker text, and one is imported from a CSV file with a
free-typed marker town.  Then no marker is in any column of any table (SQLite and
PostgreSQL), nor, on SQLite, anywhere in the bytes of the main file and the write-ahead log,
read while the bot still has them open (before any checkpoint).
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select, text, update

from bot.db.models import Attendance, InboxMessage, OutboxMessage
from bot.db.models import Person as PersonRow
from bot.db.tables import organisations
from bot.features.people_import.importer import PeopleImporter
from bot.outbox.rows import KEPT_AFTER_SENDING
from bot.runtime import Runtime
from scheduler.due import fire_due
from tests.auxil.clock import FrozenClock
from tests.auxil.courses import course_with, service_of
from tests.auxil.person import WhatsAppPerson, on_channel, onboard
from tests.auxil.twilio import Prism
from tests.auxil.whatsapp import WhatsAppPhone

pytestmark = pytest.mark.slow

WA_NAME = "Zorvelinda"
TG_NAME = "Quibbleska"
IMPORTED_NAME = "Frobnitza"
TOWN = "Wuppelsdorf-Nord"
REQUEST = "Glimmerquast braucht einen Termin"
WA_NUMBER = "+4915799887766"
IMPORTED_NUMBER = "+4915744332211"
#: Every form a number may take (E.164, digits, national, the WhatsApp address).
MARKERS = [
    WA_NAME,
    TG_NAME,
    IMPORTED_NAME,
    TOWN,
    REQUEST,
    "Glimmerquast",
    "15799887766",
    "15744332211",
    f"whatsapp:{WA_NUMBER}",
]


def _on_whatsapp(runtime: Runtime, client: object, twilio: object, clock: FrozenClock) -> None:
    amina = WhatsAppPerson(WhatsAppPhone(client, runtime, twilio, WA_NUMBER))  # type: ignore[arg-type]
    onboard(amina, name=WA_NAME)
    assert WA_NAME in "\n".join(amina.transcript)
    person = int(amina.stored()["id"])
    # A reminder (inside her 24-hour window) that she answers: she cannot come, she is ill.
    service = service_of(runtime, clock)
    course_with(service)
    service.enrol("a2-hoya", [person])
    session = service.add_session("a2-hoya", "2026-12-01 09:00", "2026-12-01 12:00", "VHS Hoya")
    clock.now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 17:00 in Berlin, the day before
    assert fire_due(runtime.db, runtime.turns, clock) == 1
    amina._seen(amina._convert(amina.phone.deliver()))
    amina.press("❌ Ich kann nicht")
    amina.press("🤒 Ich bin krank")
    assert [(r["intention"], r["reason"]) for r in service.attendance(session["id"])] == [
        ("not_coming", "ill")
    ]
    # She asks for a person, in her own words.
    amina.say("Menü")
    amina.press("🙋 Team fragen")
    amina.say(REQUEST)
    with runtime.db.connect() as conn:
        assert conn.execute(select(InboxMessage.__table__.c.text)).scalars().all() == [REQUEST]
        raw = conn.execute(text("SELECT reason FROM attendance")).scalar_one()
    assert raw.startswith("v1.") and "ill" not in raw  # health data: encrypted
    # Once Twilio accepted a message only its buttons and language are kept (a later press
    # is resolved against them); the text is gone.
    with runtime.db.connect() as conn:
        sent = (
            conn.execute(
                select(OutboxMessage.__table__.c.payload).where(
                    OutboxMessage.__table__.c.status == "sent"
                )
            )
            .scalars()
            .all()
        )
    assert sent and all(set(p) <= set(KEPT_AFTER_SENDING) for p in sent)


def _imported(runtime: Runtime, tmp_path: Path) -> None:
    # A free-typed town is imported only when the organisation lists no towns (else it must
    # be one of them, and the marker would then be stored in clear in that list): for the
    # import, the list is emptied, then restored.
    demo = organisations.c.slug == "vnb-nienburg"
    with runtime.db.begin() as conn:
        towns = conn.execute(select(organisations.c.towns).where(demo)).scalar_one()
        conn.execute(update(organisations).where(demo).values(towns=[]))
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["name", "language", "town", "whatsapp number", "consent"])
        writer.writerow([IMPORTED_NAME, "de", TOWN, IMPORTED_NUMBER, "2026-11-01"])
    importer = PeopleImporter(
        runtime.db,
        runtime.settings.secret_key,
        runtime.flow_engine.catalogs.languages,
        runtime.clock,
    )
    report = importer.run(path, "vnb-nienburg")
    assert len(report.created) == 1, report
    path.unlink()
    with runtime.db.begin() as conn:
        conn.execute(update(organisations).where(demo).values(towns=towns))


def _rows_as_text(db: Engine) -> str:
    """Every row of every table, each column as text."""
    parts = []
    with db.connect() as conn:
        for table in inspect(conn).get_table_names():
            columns = [c["name"] for c in inspect(conn).get_columns(table)]
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(
                    f"{table}.{name}={value}" for name, value in zip(columns, row, strict=True)
                )
    return "\n".join(parts)


def test_no_marker_is_stored_in_clear(
    database_url: str, tmp_path: Path, clock: FrozenClock, prism: Prism
) -> None:
    with on_channel("whatsapp", database_url, tmp_path, clock, prism.url) as wa:
        _on_whatsapp(wa.runtime, wa.client, wa.peers["twilio"], clock)
        _imported(wa.runtime, tmp_path)
        (tmp_path / "tg").mkdir()
        with on_channel("telegram", database_url, tmp_path / "tg", clock) as tg:
            olga = tg.person(TG_NAME)
            onboard(olga, name=TG_NAME)
            assert TG_NAME in "\n".join(olga.transcript)

            stored = _rows_as_text(wa.runtime.db)
            assert "VHS Hoya" in stored  # the search sees what is stored in clear (not hers)
            found = [m for m in MARKERS if m.casefold() in stored.casefold()]
            assert found == [], [line for line in stored.splitlines() if found[0] in line]
            with wa.runtime.db.connect() as conn:  # and yet everything reads back
                names = set(conn.execute(select(PersonRow.__table__.c.display_name)).scalars())
                towns = set(conn.execute(select(PersonRow.__table__.c.town)).scalars())
                reasons = conn.execute(select(Attendance.__table__.c.reason)).scalars().all()
            assert {WA_NAME, TG_NAME, IMPORTED_NAME} <= names and TOWN in towns
            assert reasons == ["ill"]

            if database_url.startswith("sqlite"):
                main = Path(database_url.removeprefix("sqlite:///"))
                wal = main.with_name(main.name + "-wal")
                assert wal.exists() and wal.stat().st_size > 0  # not checkpointed away
                files = [main.read_bytes(), wal.read_bytes()]
                assert any(b"VHS Hoya" in data for data in files)  # plain text is visible
                for path, data in zip((main, wal), files, strict=True):
                    for marker in MARKERS:
                        for form in {marker, marker.casefold(), marker.upper()}:
                            assert form.encode() not in data, (path.name, marker)
