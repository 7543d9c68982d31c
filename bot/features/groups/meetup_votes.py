"""A meetup's votes: recorded from a woman's chat or from the linked Telegram group's poll,
counted per time.

One voter (``p:<person id>`` for a member, ``t:<keyed hash>`` for a Telegram user the bot does
not know) has at most one vote per option; voting again replaces her earlier votes, so the
same woman voting in her chat and in the poll counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select

from bot.db.tables import meetup_options, meetup_votes


def record_votes(
    conn: Connection,
    meetup_id: int,
    voter: str,
    person_id: int | None,
    positions: Iterable[int],
    source: str,
    now: datetime,
) -> None:
    """Replace ``voter``'s votes for this meetup with ``positions`` (option positions 0..2);
    none (a retracted vote, or "none fits") leaves her with no vote.  Positions the meetup
    does not have are ignored."""
    options: dict[int, int] = {
        int(position): int(option_id)
        for position, option_id in conn.execute(
            select(meetup_options.c.position, meetup_options.c.id).where(
                meetup_options.c.meetup_id == meetup_id
            )
        ).tuples()
    }
    conn.execute(
        delete(meetup_votes).where(
            meetup_votes.c.option_id.in_(list(options.values())), meetup_votes.c.voter == voter
        )
    )
    chosen = sorted({options[p] for p in positions if p in options})
    if chosen:
        conn.execute(
            insert(meetup_votes),
            [
                {
                    "option_id": option_id,
                    "voter": voter,
                    "person_id": person_id,
                    "source": source,
                    "voted_at": now,
                }
                for option_id in chosen
            ],
        )


def counts(conn: Connection, meetup_id: int) -> list[tuple[int, datetime, int]]:
    """``(position, time, voters)`` for each of the meetup's options, in their order."""
    rows = conn.execute(
        select(
            meetup_options.c.position,
            meetup_options.c.starts_at,
            func.count(meetup_votes.c.id),
        )
        .select_from(
            meetup_options.outerjoin(meetup_votes, meetup_votes.c.option_id == meetup_options.c.id)
        )
        .where(meetup_options.c.meetup_id == meetup_id)
        .group_by(meetup_options.c.id, meetup_options.c.position, meetup_options.c.starts_at)
        .order_by(meetup_options.c.position)
    ).tuples()
    return [(int(position), starts_at, int(voters)) for position, starts_at, voters in rows]


__all__ = ["counts", "record_votes"]
