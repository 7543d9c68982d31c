"""Bulk writes for the hottest statements, straight through the database driver.

For a batch of turns SQLAlchemy Core spends more time preparing each parameter set (bind
processors, type coercion) than SQLite spends executing it.  These statements run once or
twice per message, so they are written as plain SQL with the driver's own ``executemany`` and
values converted here once.  Everything else goes through SQLAlchemy as usual.

The SQL is the same on SQLite and PostgreSQL except for the parameter style and explicit JSON
casts; datetimes are stored as SQLAlchemy stores them (naive UTC text on SQLite, ``timestamptz``
on PostgreSQL), so reading them back through the models is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from bot.db.bulk import SqlTimes
from bot.db.tables import states
from bot.db.types import encrypt_json


class BulkWriter:
    """Runs the hot statements for many rows with one driver call each."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        self._time: Callable[[datetime], Any] = SqlTimes(dialect).convert
        json_param = "?" if self.sqlite else "%s::json"

        def sql(text: str) -> str:
            text = text.replace("{json}", json_param)
            return text if self.sqlite else text.replace("?", "%s")

        self._record_inbound = sql(
            "INSERT INTO inbound_messages (channel, external_id, received_at) VALUES (?, ?, ?)"
        )
        self._touch_identity = sql(
            "UPDATE channel_identities SET last_inbound_at = ?, status = CASE WHEN "
            "status = 'unreachable' THEN 'ok' ELSE status END WHERE id = ?"
        )
        # Her flow data is encrypted (it holds what she typed mid-flow): a plain text column.
        self._upsert_state = sql(
            "INSERT INTO conversation_states (person_id, flow, node, visit, data, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET "
            "flow = excluded.flow, node = excluded.node, visit = excluded.visit, "
            "data = excluded.data, updated_at = excluded.updated_at"
        )

    @staticmethod
    def _run(conn: Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            conn.exec_driver_sql(statement, list(rows))

    def record_inbound(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert inbound message ids (known to be new)."""
        t = self._time
        self._run(
            conn,
            self._record_inbound,
            [(r["channel"], r["external_id"], t(r["received_at"])) for r in rows],
        )

    def touch_identities(self, conn: Connection, touched: dict[int, datetime]) -> None:
        """Record her latest message per channel identity (and that she is reachable)."""
        t = self._time
        self._run(
            conn, self._touch_identity, [(t(when), identity) for identity, when in touched.items()]
        )

    def upsert_states(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Store each person's conversation state (its data encrypted)."""
        t = self._time
        self._run(
            conn,
            self._upsert_state,
            [
                (
                    r["person_id"],
                    r["flow"],
                    r["node"],
                    r["visit"],
                    encrypt_json(r["data"]),
                    t(r["updated_at"]),
                )
                for r in rows
            ],
        )

    def merge_states(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Move each person to a trigger's node, merging its data into hers.

        ``visit`` and ``data`` are what a person without a conversation gets; a person with
        one keeps her data (the trigger's values win) and her visit counts up by one.  Her
        data is encrypted, so the merge happens here (one read of the batch's states), not in
        SQL.
        """
        if not rows:
            return
        ids = [r["person_id"] for r in rows]
        current = {
            person: (visit, data)
            for person, visit, data in conn.execute(
                select(states.c.person_id, states.c.visit, states.c.data).where(
                    states.c.person_id.in_(ids)
                )
            )
        }
        merged = []
        for r in rows:
            found = current.get(r["person_id"])
            if found is None:
                merged.append(r)
            else:
                visit, data = found
                merged.append({**r, "visit": visit + 1, "data": {**(data or {}), **r["data"]}})
        self.upsert_states(conn, merged)
