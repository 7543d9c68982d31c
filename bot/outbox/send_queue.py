"""Claimed outbox rows waiting for their turn: one line per chat, replies ahead of bulk.

The dispatcher sends several chats at once but each chat's rows one after the other, in
``(priority, id)`` order, so a person reads her messages in the order they were written and an
answer to her goes ahead of an announcement still waiting for her.  Across chats, the chat whose
first row has the lowest ``(priority, id)`` goes first: a reply (priority 0) to someone chatting
now is offered the next free slot before any bulk row (priority 5).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any

#: Rows at or below this priority are replies to someone chatting now: never paced, always first.
REPLY_PRIORITY = 0

Key = tuple[str, str]
"""A chat: ``(channel, address)``."""

Row = dict[str, Any]


def order(row: Row) -> tuple[int, int]:
    """Where a row stands: lower priority numbers first, then older rows."""
    return (row.get("priority") or 0, row["id"])


def is_reply(row: Row) -> bool:
    """A reply to someone chatting now (goes ahead, and is not paced like bulk)."""
    return (row.get("priority") or 0) <= REPLY_PRIORITY


class SendQueue:
    """Rows per chat, each chat in ``(priority, id)`` order."""

    def __init__(self) -> None:
        self._chats: dict[Key, list[Row]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, key: Key, row: Row) -> None:
        """Queue ``row`` for chat ``key`` in its place (a reply overtakes that chat's bulk)."""
        rows = self._chats.setdefault(key, [])
        bisect.insort(rows, row, key=order)
        self._count += 1

    def chats(self) -> Iterator[Key]:
        """Chats with rows waiting, the one whose next row stands first first."""
        return iter(sorted(self._chats, key=lambda key: order(self._chats[key][0])))

    def head(self, key: Key) -> Row:
        """The row chat ``key`` sends next."""
        return self._chats[key][0]

    def pop(self, key: Key) -> Row:
        """Take the next row of chat ``key``."""
        rows = self._chats[key]
        row = rows.pop(0)
        if not rows:
            del self._chats[key]
        self._count -= 1
        return row

    def ids(self) -> list[int]:
        """Every queued row's id (to give them back when stopping)."""
        return [row["id"] for rows in self._chats.values() for row in rows]

    def clear(self) -> None:
        """Forget every queued row."""
        self._chats.clear()
        self._count = 0
