"""The chat simulator: a channel whose "phone" is a table, so the bot can be tried with no account.

It implements the same adapter interface as Telegram and WhatsApp.  Inbound, the web layer
turns the simulator's JSON into :class:`bot.channels.messages.Inbound`; outbound, :meth:`send`
puts the
message on the test user's screen (the ``simulator_messages`` table).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from bot.channels.messages import Inbound, Outbound, SendResult
from bot.db.models import InboundMessage, SimulatorMessage
from conversations.events import ChoiceIn, Event, StartIn, TextIn
from conversations.matching import clean_text

CHANNEL = "simulator"
MAX_USER_ID = 64
screen = SimulatorMessage.__table__


class SimulatorInputError(ValueError):
    """The simulator request is malformed; the message says what is wrong."""


def parse_request(body: Any, now: datetime) -> Inbound:
    """Turn ``{"user": …, "text": …}`` or ``{"user": …, "choice": …}`` into an inbound event."""
    if not isinstance(body, dict):
        raise SimulatorInputError("the body must be a JSON object")
    user = body.get("user")
    if not isinstance(user, str | int) or isinstance(user, bool) or not str(user).strip():
        raise SimulatorInputError("'user' is required: any id for the test user, e.g. \"amina\"")
    user = str(user).strip()
    if len(user) > MAX_USER_ID:
        raise SimulatorInputError(f"'user' must be at most {MAX_USER_ID} characters")
    if not user.isprintable():
        raise SimulatorInputError("'user' must not contain control characters")
    text, choice = body.get("text"), body.get("choice")
    event: Event
    if choice is not None:
        if not isinstance(choice, str) or not choice or len(choice) > 128:
            raise SimulatorInputError("'choice' must be a choice id from a reply (a string)")
        if not choice.isprintable():
            raise SimulatorInputError("'choice' must not contain control characters")
        event = ChoiceIn(choice)
    elif text is not None:
        if not isinstance(text, str):
            raise SimulatorInputError("'text' must be a string")
        if len(text) > 20_000:
            raise SimulatorInputError("'text' is too long (at most 20000 characters)")
        stripped = text.strip()
        if stripped.startswith("/start"):
            event = StartIn(clean_text(stripped.removeprefix("/start"))[:64] or None)
        else:
            event = TextIn(text)
    else:
        raise SimulatorInputError("send either 'text' or 'choice'")
    message_id = body.get("id")
    if message_id is not None and (
        not isinstance(message_id, str) or len(message_id) > 100 or not message_id.isprintable()
    ):
        raise SimulatorInputError("'id' must be printable text of at most 100 characters")
    hint = body.get("language")
    return Inbound(
        channel=CHANNEL,
        address=user,
        external_id=message_id or uuid.uuid4().hex,
        event=event,
        received_at=now,
        language_hint=hint if isinstance(hint, str) and len(hint) <= 16 else None,
    )


def shown_text(inbound: Inbound, labels: dict[str, str] | None = None) -> str:
    """What her own message looks like on the simulated screen."""
    event = inbound.event
    if isinstance(event, TextIn):
        return clean_text(event.text)
    if isinstance(event, ChoiceIn):
        return (labels or {}).get(event.choice_id, event.choice_id)
    if isinstance(event, StartIn):
        return f"/start {event.code}" if event.code else "/start"
    return ""


class SimulatorChannel:
    """Delivers messages to the simulated phone screens."""

    name = CHANNEL

    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    def seen_before(self, external_id: str) -> bool:
        """Whether a simulator message with this id was already handled (a re-send)."""
        table = InboundMessage.__table__
        with self.db.connect() as conn:
            found = conn.execute(
                select(table.c.id).where(
                    table.c.channel == CHANNEL, table.c.external_id == external_id[:128]
                )
            ).first()
        return found is not None

    def record_inbound(self, user: str, text: str) -> None:
        """Show her own message on her screen."""
        with self.db.begin() as conn:
            conn.execute(
                insert(screen).values(
                    user=user,
                    direction="in",
                    text=text,
                    choices=[],
                    rtl=False,
                    created_at=self.clock(),
                )
            )

    def deliver(self, address: str, message: Outbound) -> SendResult:
        """Synchronous send (the simulator's "platform" is our own database)."""
        with self.db.begin() as conn:
            new_id = conn.execute(
                insert(screen)
                .values(
                    user=address,
                    direction="out",
                    text=message.text,
                    choices=[{"id": i, "label": label} for i, label in message.choices],
                    rtl=message.rtl,
                    created_at=self.clock(),
                )
                .returning(screen.c.id)
            ).scalar_one()
        return SendResult(external_id=f"sim-{new_id}")

    async def send(self, address: str, message: Outbound) -> SendResult:
        """Deliver one message."""
        return await asyncio.to_thread(self.deliver, address, message)

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
