"""Migration 0014: open "talk to a person" requests become open inbox threads."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, select, text

from bot.db.connect import make_engine
from bot.db.migrate import upgrade
from bot.db.tables import inbox_messages, inbox_threads, people
from bot.db.types import cipher, configure_cipher
from tests.auxil.constants import TEST_SECRET

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_open_requests_move_into_one_open_thread_per_person(database_url: str) -> None:
    configure_cipher(TEST_SECRET, ())
    upgrade(database_url, "0013")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        org = conn.execute(
            text(
                "INSERT INTO organisations (slug, name, timezone, default_language, towns, "
                "privacy_contact, office_hours, quiet_hours_start, quiet_hours_end, created_at) "
                "VALUES ('o', 'O', 'Europe/Berlin', 'de', '[]', '', '', '20:00', '08:00', :at) "
                "RETURNING id"
            ),
            {"at": AT},
        ).scalar_one()
        ids = [
            conn.execute(
                text(
                    "INSERT INTO people (organisation_id, role, status, interests, attend_help, "
                    "created_at) VALUES (:org, 'participant', 'active', '[]', '[]', :at) "
                    "RETURNING id"
                ),
                {"org": org, "at": AT},
            ).scalar_one()
            for _ in range(2)
        ]
        requests = text(
            "INSERT INTO human_requests (organisation_id, person_id, language, text, status, "
            "created_at) VALUES (:org, :person, 'ar', :text, :status, :at)"
        )
        for person, words, status, minute in (
            (ids[0], "erste Frage", "open", 0),
            (ids[0], "zweite Frage", "open", 5),
            (ids[1], "alt", "done", 0),
        ):
            conn.execute(
                requests,
                {
                    "org": org,
                    "person": person,
                    "text": cipher().encrypt(words),  # as EncryptedText stores it
                    "status": status,
                    "at": AT.replace(minute=minute),
                },
            )
    upgrade(database_url)
    with engine.connect() as conn:
        [thread] = conn.execute(select(inbox_threads)).all()
        assert (thread.person_id, thread.status, thread.reason) == (ids[0], "open", "request")
        assert thread.waiting_since == AT and thread.last_message_at == AT.replace(minute=5)
        texts = conn.execute(
            select(inbox_messages.c.text, inbox_messages.c.direction).order_by(inbox_messages.c.id)
        ).all()
        assert [tuple(t) for t in texts] == [("erste Frage", "in"), ("zweite Frage", "in")]
        flags = dict(conn.execute(select(people.c.id, people.c.with_team_since)).all())
        assert flags == {ids[0]: AT, ids[1]: None}
        assert "human_requests" not in _tables(conn)
    engine.dispose()


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())
