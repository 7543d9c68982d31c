"""Votes for a meetup's times: the one place that writes and counts ``meetup_votes``.

Shared by the women's private chats (:mod:`.meetup_side`, source ``chat``) and the linked
Telegram group's native poll (:mod:`.poll_side`, source ``poll``), so that the same woman
voting in both places counts once: her voter is ``p:<person id>`` either way, and each call
*replaces* that voter's votes for the meetup (Telegram sends the whole new answer each time;
in the chat she picks all the times that fit at once).  An empty ``positions`` removes her
votes (a retracted poll answer, or "none fits").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select

from bot.db.tables import meetup_options, meetup_votes


def person_voter(person_id: int) -> str:
    """The voter of a known woman: the same in her chat and in the Telegram poll."""
    return f"p:{person_id}"


def record_votes(
    conn: Connection,
    meetup_id: int,
    voter: str,
    person_id: int | None,
    positions: Iterable[int],
    source: str,
    now: datetime,
) -> int:
    """Replace ``voter``'s votes for this meetup with votes for the options at ``positions``
    (0..2; unknown positions are ignored, duplicates count once).  Returns how many votes are
    stored for her now.  Runs in the caller's transaction."""
    options: dict[int, int] = {
        int(position): int(option_id)
        for position, option_id in conn.execute(
            select(meetup_options.c.position, meetup_options.c.id).where(
                meetup_options.c.meetup_id == meetup_id
            )
        )
    }
    conn.execute(
        delete(meetup_votes).where(
            meetup_votes.c.voter == voter,
            meetup_votes.c.option_id.in_(list(options.values()) or [-1]),
        )
    )
    chosen = sorted({options[p] for p in positions if p in options})
    if chosen:
        conn.execute(
            insert(meetup_votes),
            [
                {
                    "option_id": option_id,
                    "voter": voter[:80],
                    "person_id": person_id,
                    "source": source[:8],
                    "voted_at": now,
                }
                for option_id in chosen
            ],
        )
    return len(chosen)


def counts(conn: Connection, meetup_id: int) -> list[tuple[int, datetime, int]]:
    """Every option of the meetup, in order: (position, time, how many voters chose it)."""
    voters = func.count(meetup_votes.c.id)
    rows = conn.execute(
        select(meetup_options.c.position, meetup_options.c.starts_at, voters)
        .select_from(meetup_options)
        .outerjoin(meetup_votes, meetup_votes.c.option_id == meetup_options.c.id)
        .where(meetup_options.c.meetup_id == meetup_id)
        .group_by(meetup_options.c.id, meetup_options.c.position, meetup_options.c.starts_at)
        .order_by(meetup_options.c.position)
    ).all()
    return [(int(position), starts_at, int(n)) for position, starts_at, n in rows]


def positions_of(conn: Connection, meetup_id: int, voter: str) -> list[int]:
    """The positions ``voter`` chose for this meetup (her earlier answer, shown again)."""
    return [
        int(p)
        for p in conn.execute(
            select(meetup_options.c.position)
            .join(meetup_votes, meetup_votes.c.option_id == meetup_options.c.id)
            .where(meetup_options.c.meetup_id == meetup_id, meetup_votes.c.voter == voter)
            .order_by(meetup_options.c.position)
        ).scalars()
    ]


__all__ = ["counts", "person_voter", "positions_of", "record_votes"]
