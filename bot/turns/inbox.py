"""Her messages to the team, written in the turn's transaction: the hot path of the inbox.

What she writes while a conversation with a person is open, her "talk to a person" question,
the voice note or photo she sends, "I can't come: childcare": each becomes an entry of her
open inbox thread (``inbox_threads``/``inbox_messages``), or opens one, and marks her as with
the team (``people.with_team_since``).  Like the rest of :class:`~bot.turns.writer.TurnWriter`
it writes one statement per kind of row for a whole batch:

1. her open threads (one ``SELECT``),
2. the threads to open (one ``INSERT … RETURNING``),
3. the media she sent (one ``INSERT … RETURNING``: type and the platform's URL, encrypted),
4. the messages (one ``INSERT``),
5. the threads that got news (one ``UPDATE``: last message, waiting since, urgent once a
   message of hers was),
6. the people now with the team (one ``UPDATE``; not for an item that leaves her with the
   bot, ``RequestHuman.with_team``).

The staff side (reading, replying, closing, notifying) is the inbox feature
(``bot.features.inbox``); this module is core because the turn writer must not import features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from bot.channels.messages import Media
from bot.db.tables import inbox_messages, inbox_threads, media, people
from conversations.events import RequestHuman

OPEN_THREADS = select(inbox_threads.c.id, inbox_threads.c.person_id).where(
    inbox_threads.c.status == "open",
    inbox_threads.c.person_id.in_(bindparam("ids", expanding=True)),
)
OPEN_THREAD = insert(inbox_threads).returning(
    inbox_threads.c.id, inbox_threads.c.person_id, sort_by_parameter_order=True
)
KEEP_MEDIA = insert(media).returning(media.c.id, sort_by_parameter_order=True)
ADD_MESSAGE = insert(inbox_messages)
THREAD_NEWS = (
    update(inbox_threads)
    .where(inbox_threads.c.id == bindparam("t_id"))
    .values(
        last_message_at=bindparam("t_at"),
        waiting_since=func.coalesce(inbox_threads.c.waiting_since, bindparam("t_at")),
        language=bindparam("t_language"),
        urgent=inbox_threads.c.urgent | bindparam("t_urgent"),
    )
)
WITH_TEAM = (
    update(people)
    .where(people.c.id == bindparam("p_id"))
    .values(with_team_since=func.coalesce(people.c.with_team_since, bindparam("p_at")))
)


@dataclass(slots=True)
class _Entry:
    person_id: int
    organisation_id: int
    channel: str
    language: str
    reason: str
    text: str | None
    media_kind: str | None
    media: tuple[Media, ...]
    external_id: str
    at: datetime
    urgent: bool = False
    with_team: bool = True


@dataclass(slots=True)
class InboxWrites:
    """The inbox entries of one batch of turns, written by :meth:`flush`."""

    entries: list[_Entry] = field(default_factory=list)

    def collect(
        self,
        effect: RequestHuman,
        person_id: int,
        organisation_id: int,
        channel: str,
        now: datetime,
        media_items: Sequence[Media] = (),
        external_id: str = "",
    ) -> None:
        """Queue one entry (her text, or what she sent: the inbound's media, if any)."""
        self.entries.append(
            _Entry(
                person_id,
                organisation_id,
                channel,
                effect.language,
                effect.reason,
                effect.text or None,
                effect.media_kind,
                tuple(media_items) if effect.media_kind else (),
                external_id,
                now,
                effect.urgent,
                effect.with_team,
            )
        )

    def forget(self, person_id: int) -> None:
        """She was erased in this batch: nothing of hers is written."""
        self.entries = [e for e in self.entries if e.person_id != person_id]

    def flush(self, conn: Connection) -> None:
        """Write every queued entry (see the module docstring for the statements)."""
        entries, self.entries = self.entries, []
        if not entries:
            return
        ids = sorted({e.person_id for e in entries})
        threads = {row.person_id: row.id for row in conn.execute(OPEN_THREADS, {"ids": ids})}
        first: dict[int, _Entry] = {}
        for entry in entries:
            if entry.person_id not in threads:
                first.setdefault(entry.person_id, entry)
        if first:
            opened = conn.execute(
                OPEN_THREAD,
                [
                    {
                        "organisation_id": e.organisation_id,
                        "person_id": e.person_id,
                        "status": "open",
                        "reason": e.reason,
                        "language": e.language,
                        "channel": e.channel,
                        "opened_at": e.at,
                        "waiting_since": e.at,
                        "last_message_at": e.at,
                        "urgent": any(x.urgent for x in entries if x.person_id == e.person_id),
                    }
                    for e in first.values()
                ],
            )
            threads.update({row.person_id: row.id for row in opened})
        kept = [(e, item) for e in entries for item in e.media]
        media_ids: dict[tuple[int, int], int] = {}
        if kept:
            rows = conn.execute(
                KEEP_MEDIA,
                [
                    {
                        "person_id": e.person_id,
                        "channel": e.channel,
                        "external_id": e.external_id[:128],
                        "kind": item.kind,
                        "content_type": item.content_type or "application/octet-stream",
                        "url": item.url,
                        "received_at": e.at,
                    }
                    for e, item in kept
                ],
            ).scalars()
            for (entry, item), media_id in zip(kept, rows, strict=True):
                media_ids[(id(entry), id(item))] = media_id
        messages: list[dict[str, Any]] = []
        for entry in entries:
            base = {
                "thread_id": threads[entry.person_id],
                "person_id": entry.person_id,
                "direction": "in",
                "created_at": entry.at,
            }
            if entry.media:
                messages.extend(
                    {
                        **base,
                        "text": entry.text,
                        "media_kind": item.kind,
                        "media_id": media_ids[(id(entry), id(item))],
                    }
                    for item in entry.media
                )
            else:
                messages.append(
                    {**base, "text": entry.text, "media_kind": entry.media_kind, "media_id": None}
                )
        conn.execute(ADD_MESSAGE, messages)
        news: dict[int, dict[str, Any]] = {}
        for entry in entries:
            if entry.person_id not in first:  # a thread opened now has these values already
                earlier = news.get(entry.person_id, {}).get("t_urgent", False)
                news[entry.person_id] = {
                    "t_id": threads[entry.person_id],
                    "t_at": entry.at,
                    "t_language": entry.language,
                    "t_urgent": earlier or entry.urgent,
                }
        if news:
            conn.execute(THREAD_NEWS, list(news.values()))
        latest: dict[int, datetime] = {}
        for entry in entries:
            if entry.with_team:
                latest.setdefault(entry.person_id, entry.at)
        if latest:
            conn.execute(WITH_TEAM, [{"p_id": p, "p_at": at} for p, at in latest.items()])


__all__ = ["InboxWrites"]
