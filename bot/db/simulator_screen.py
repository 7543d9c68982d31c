"""The chat simulator's "phone screens": a table of what each test user sees.

The simulator channel (:mod:`bot.channels.simulator`) does no SQL itself; this store is its
platform.  Her own messages are written in the same transaction as the turn they start
(:meth:`SimulatorScreen.write_inbound`, a transcript writer of the turn service), the bot's by
the dispatcher's send (:meth:`SimulatorScreen.deliver`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from bot.channels.messages import Inbound, Outbound
from bot.db.tables import simulator_screens
from conversations.events import ChoiceIn

screen = simulator_screens


class SimulatorScreen:
    """Reads and writes the simulated screens."""

    def __init__(
        self,
        db: Engine,
        clock: Callable[[], datetime],
        shown_text: Callable[[Inbound, dict[str, str]], str],
    ) -> None:
        self.db = db
        self.clock = clock
        self.shown_text = shown_text
        self._labels: dict[str, dict[str, str]] = {}
        """The buttons each user saw last (this process), so that a press shows its label
        without reading her screen back; read from the table when unknown."""

    def write_inbound(self, conn: Connection, inbounds: Sequence[Inbound]) -> None:
        """Her own new messages, as she sees them (a pressed button shows its label)."""
        rows = []
        for inbound in inbounds:
            labels: dict[str, str] = {}
            if isinstance(inbound.event, ChoiceIn):
                labels = self._labels.get(inbound.address) or self._last_choices(
                    conn, inbound.address
                )
            rows.append(
                {
                    "user": inbound.address,
                    "direction": "in",
                    "text": self.shown_text(inbound, labels),
                    "choices": [],
                    "rtl": False,
                    "created_at": inbound.received_at,
                }
            )
        if rows:
            conn.execute(insert(screen), rows)

    def show_replies(
        self, conn: Connection, replies: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[str | None]:
        """A batch's replies on the screens, in the turns' transaction, with one statement.

        They need no id on the screen (nothing refers back to them), so none is returned.
        """
        now = self.clock()
        rows = []
        for address, payload in replies:
            choices = [{"id": c["id"], "label": c["label"]} for c in payload.get("choices", ())]
            rows.append(
                {
                    "user": address,
                    "direction": "out",
                    "text": str(payload.get("text", "")),
                    "choices": choices,
                    "rtl": bool(payload.get("rtl", False)),
                    "created_at": now,
                }
            )
            if choices:
                self._remember(address, choices)
        if rows:
            conn.execute(insert(screen), rows)
        return [None] * len(rows)

    def forget(self, channel: str, address: str) -> None:
        """Drop the buttons remembered for a user who was erased (her rows go with her)."""
        if channel == "simulator":
            self._labels.pop(address, None)

    def _remember(self, address: str, choices: list[dict[str, str]]) -> None:
        if len(self._labels) > 10_000:  # a bounded cache, not a second screen
            self._labels.clear()
        self._labels[address] = {c["id"]: c["label"] for c in choices}

    def _insert(self, conn: Connection, address: str, message: Outbound, now: datetime) -> int:
        if message.choices:
            self._remember(address, [{"id": i, "label": label} for i, label in message.choices])
        return int(
            conn.execute(
                insert(screen)
                .values(
                    user=address,
                    direction="out",
                    text=message.text,
                    choices=[{"id": i, "label": label} for i, label in message.choices],
                    rtl=message.rtl,
                    created_at=now,
                )
                .returning(screen.c.id)
            ).scalar_one()
        )

    def deliver_many(self, messages: Sequence[tuple[str, Outbound]]) -> list[int]:
        """Put many messages on their screens in one transaction; their row ids, in order."""
        now = self.clock()
        with self.db.begin() as conn:
            return [self._insert(conn, address, message, now) for address, message in messages]

    def transcript(self, user: str) -> list[dict[str, Any]]:
        """Everything on her screen, oldest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                select(screen).where(screen.c.user == user).order_by(screen.c.id)
            ).mappings()
            return [
                {
                    "direction": row["direction"],
                    "text": row["text"],
                    "choices": row["choices"],
                    "rtl": row["rtl"],
                    "at": row["created_at"].isoformat(),
                }
                for row in rows
            ]

    def last_choices(self, user: str) -> dict[str, str]:
        """Button ids → labels from her recent messages, to show which button she pressed."""
        with self.db.connect() as conn:
            return self._last_choices(conn, user)

    @staticmethod
    def _last_choices(conn: Connection, user: str) -> dict[str, str]:
        rows = conn.execute(
            select(screen.c.choices)
            .where(screen.c.user == user, screen.c.direction == "out")
            .order_by(screen.c.id.desc())
            .limit(10)
        ).scalars()
        return {c["id"]: c["label"] for choices in rows for c in choices}

    def users(self) -> list[str]:
        """Test users seen so far, for the user switcher."""
        with self.db.connect() as conn:
            return list(
                conn.execute(select(screen.c.user).distinct().order_by(screen.c.user)).scalars()
            )


__all__ = ["SimulatorScreen"]
