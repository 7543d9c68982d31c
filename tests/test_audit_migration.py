"""Migration 0016: earlier audit entries get their organisation where the details make it
certain, and keep none where they do not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text

from bot.db.connect import make_engine
from bot.db.migrate import upgrade
from bot.db.tables import audit

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _organisation(conn: Connection, slug: str) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO organisations (slug, name, timezone, default_language, towns, "
                "privacy_contact, office_hours, quiet_hours_start, quiet_hours_end, created_at) "
                "VALUES (:slug, :slug, 'Europe/Berlin', 'de', '[]', '', '', '20:00', '08:00', "
                ":at) RETURNING id"
            ),
            {"slug": slug, "at": AT},
        ).scalar_one()
    )


def _person(conn: Connection, org: int) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO people (organisation_id, role, status, interests, attend_help, "
                "created_at) VALUES (:org, 'participant', 'active', '[]', '[]', :at) "
                "RETURNING id"
            ),
            {"org": org, "at": AT},
        ).scalar_one()
    )


def test_entries_get_the_organisation_their_details_name(database_url: str) -> None:
    upgrade(database_url, "0015")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        north, south = _organisation(conn, "north"), _organisation(conn, "south")
        anna, bea, cleo = _person(conn, north), _person(conn, north), _person(conn, south)
        course = conn.execute(
            text(
                "INSERT INTO courses (organisation_id, code, title, description, created_at, "
                "reminders) VALUES (:org, 'sew', '{}', '{}', :at, '[]') RETURNING id"
            ),
            {"org": south, "at": AT},
        ).scalar_one()
        session = conn.execute(
            text(
                "INSERT INTO course_sessions (course_id, starts_at, ends_at, place, address, "
                "directions, childcare, status) VALUES (:course, :at, :at, '', '', '', false, "
                "'planned') RETURNING id"
            ),
            {"course": course, "at": AT},
        ).scalar_one()
        thread = conn.execute(
            text(
                "INSERT INTO inbox_threads (organisation_id, person_id, status, reason, "
                "opened_at, last_message_at) VALUES (:org, :person, 'closed', 'request', :at, "
                ":at) RETURNING id"
            ),
            {"org": north, "person": anna, "at": AT},
        ).scalar_one()
        entries: list[tuple[str, dict[str, Any]]] = [
            ("organisation.edit", {"organisation": "south", "changed": {}}),
            ("staff.role", {"staff_id": 1, "organisation_id": north, "role": "admin"}),
            ("inbox.quick_reply.save", {"organisation": south, "quick_reply": 1}),
            ("inbox.reply", {"thread": thread, "people": [anna]}),
            ("course.create", {"course": course, "code": "sew"}),
            ("course.enrol", {"course": "sew", "people": [cleo]}),
            ("session.move", {"session": session, "from": "x", "to": "y"}),
            ("people.export", {"people": [anna, bea], "to": "web"}),
            # Not certain: people of two organisations, a person erased, a staff account,
            # an erasure, the purge, a slug that does not exist, details that disagree.
            ("people.export", {"people": [anna, cleo]}),
            ("people.export", {"people": [anna + cleo + 100]}),
            ("staff.password_reset", {"staff_id": 1}),
            ("person.erase", {"erasure": "ab12", "reason": "chat"}),
            ("privacy.purge", {"silent": 0}),
            ("privacy.retention", {"organisation": "gone", "days": 90}),
            ("course.enrol", {"course": "sew", "people": [anna]}),
        ]
        for action, details in entries:
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, details) "
                    "VALUES (:at, 'cli:root', :action, :details)"
                ),
                {"at": AT, "action": action, "details": json.dumps(details)},
            )
    upgrade(database_url)
    with engine.connect() as conn:
        found = [
            row.organisation_id
            for row in conn.execute(select(audit.c.organisation_id).order_by(audit.c.id))
        ]
    engine.dispose()
    assert found == [south, north, south, north, south, south, south, north] + [None] * 7
