"""What was sent: the buttons of a sent message, found by the platform's id for it.

Telegram's buttons carry at most 64 bytes, so a long choice id travels as a hash, and a long
keyboard is paged; both are resolved against the buttons of the message she pressed, which
its outbox row still holds.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, select

from bot.channels.messages import Outbound
from bot.db.tables import outbox


def choices_of_sent(db: Engine, channel: str, external_id: str) -> list[tuple[str, str]]:
    """The buttons of the message the platform knows as ``external_id``."""
    with db.connect() as conn:
        payload = conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.channel == channel, outbox.c.external_id == external_id)
            .limit(1)
        ).scalar()
    if not payload:
        return []
    return list(Outbound.from_payload(payload).choices)


class SentChoices:
    """:func:`choices_of_sent` for a channel, off the event loop."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    async def __call__(self, channel: str, external_id: str) -> list[tuple[str, str]]:
        return await asyncio.to_thread(choices_of_sent, self.db, channel, external_id)


__all__ = ["SentChoices", "choices_of_sent"]
