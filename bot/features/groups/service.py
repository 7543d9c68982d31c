"""Group chats the bot is in: recorded when it is added, greeted once, answered neutrally.

Channels report group events as notices (:class:`~bot.channels.messages.GroupJoined`,
``GroupLeft``, ``GroupCommand``); this feature stores the group (``telegram_groups``: its chat
id and title, which organisation it belongs to, whether the bot is still a member) and queues
what the bot says there through the outbox.  Privacy mode stays on: the bot
reads only commands addressed to it, and answers each with one neutral text pointing to the
private chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update

from bot.channels.messages import GroupCommand, GroupJoined, GroupLeft
from bot.db.tables import organisations, telegram_groups
from bot.features.groups.texts import GROUP_GREETING, GROUP_PRIVATE_ONLY
from bot.outbox.rows import REPLY_PRIORITY, OutboxRow, enqueue
from conversations.events import Reply
from conversations.i18n import Catalogs
from conversations.texts import Text

log = logging.getLogger(__name__)


class GroupChats:
    """Handles group notices for one deployment (in a worker thread)."""

    def __init__(
        self,
        db: Engine,
        catalogs: Catalogs,
        default_organisation: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.catalogs = catalogs
        self.default_organisation = default_organisation
        self.clock = clock

    def joined(self, notice: GroupJoined) -> bool:
        """Record the group (or its return) and greet it, once per group."""
        now = self.clock()
        with self.db.begin() as conn:
            organisation_id = conn.execute(
                select(organisations.c.id).where(organisations.c.slug == self.default_organisation)
            ).scalar()
            known = conn.execute(
                select(telegram_groups.c.id).where(telegram_groups.c.chat_id == notice.chat)
            ).scalar()
            if known is None:
                conn.execute(
                    insert(telegram_groups).values(
                        chat_id=notice.chat,
                        title=notice.title[:256],
                        organisation_id=organisation_id,
                        status="member",
                        added_at=now,
                    )
                )
            else:
                conn.execute(
                    update(telegram_groups)
                    .where(telegram_groups.c.id == known)
                    .values(status="member", title=notice.title[:256])
                )
            self._say(
                conn,
                notice.channel,
                notice.chat,
                f"{notice.channel}:group-greeting:{notice.chat}",
                GROUP_GREETING,
                notice.language,
                notice.bot_link,
                now,
            )
        log.info("added to a group")
        return True

    def left(self, notice: GroupLeft) -> bool:
        """The bot is no longer in the group: nothing more goes there."""
        with self.db.begin() as conn:
            conn.execute(
                update(telegram_groups)
                .where(telegram_groups.c.chat_id == notice.chat)
                .values(status="left")
            )
        log.info("removed from a group")
        return False

    def command(self, notice: GroupCommand) -> bool:
        """A command in a group gets one neutral answer pointing to the private chat."""
        with self.db.begin() as conn:
            self._say(
                conn,
                notice.channel,
                notice.chat,
                f"{notice.channel}:{notice.external_id}:0",
                GROUP_PRIVATE_ONLY,
                notice.language,
                notice.bot_link,
                self.clock(),
            )
        return True

    def _say(
        self,
        conn: Connection,
        channel: str,
        chat: str,
        key: str,
        text: Text,
        language_code: str | None,
        bot_link: str,
        now: datetime,
    ) -> None:
        """Queue a neutral text for a group, once per ``key`` (the outbox's idempotency)."""
        table = self.catalogs.languages
        language = table.get(language_code) or table.get(table.master)
        assert language is not None
        body = self.catalogs.render(language, text, bot=bot_link)
        reply = Reply(body, (), language.code, language.rtl)
        enqueue(
            conn,
            [
                OutboxRow(
                    idempotency_key=key,
                    channel=channel,
                    payload=reply.to_payload(),
                    next_attempt_at=now,
                    created_at=now,
                    kind="group",
                    priority=REPLY_PRIORITY,
                    address=chat,
                )
            ],
            skip_existing=True,  # said already: once per group, a command once per update
        )


__all__ = ["GroupChats"]
