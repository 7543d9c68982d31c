"""Whether a person can be reached on a channel: kept on her identity, in the database.

A platform's signal (Telegram's ``my_chat_member``: she blocked the bot, or unblocked it) sets
her identity ``unreachable`` at once, so the next broadcast leaves her out instead of failing;
writing again or unblocking sets it back to ``ok``.  A send refused as unreachable does the
same (the dispatcher), and so does a message from her (the turn writer).
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, update

from bot.channels.messages import Reachability
from bot.db.tables import identities
from bot.identity import lookup_key

log = logging.getLogger(__name__)


def apply_reachability(db: Engine, secret_key: str, notice: Reachability) -> bool:
    """Set her identity's status; ``True`` when it became reachable (rows may be waiting)."""
    key = lookup_key(secret_key, notice.channel, notice.address)
    if notice.reachable:
        condition = identities.c.status == "unreachable"
        values = {"status": "ok"}
    else:
        condition = identities.c.status == "ok"
        values = {"status": "unreachable"}
    with db.begin() as conn:
        changed = conn.execute(
            update(identities).where(identities.c.lookup_key == key, condition).values(**values)
        ).rowcount
    if changed:
        state = "reachable again" if notice.reachable else "unreachable"
        log.info("%s: a person is %s", notice.channel, state)
    return bool(changed and notice.reachable)


__all__ = ["apply_reachability"]
