"""Votes from a linked Telegram group's poll (``poll_answer`` updates).

A vote names only the poll and the voter's Telegram user id.  The poll finds its meetup
(``meetups.telegram_poll_id``, or the outbox row whose external id is the poll's, for a vote
that comes before the posting job copied the id).  The voter counts as ``p:<person id>`` when
her Telegram identity belongs to an active member of the meetup's group (so her chat vote and
her poll vote are one vote), else as ``t:<keyed hash>``: counted, never named, never stored
raw.  Each vote replaces the voter's earlier ones; an empty one (taken back) removes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from bot.channels.messages import PollAnswer
from bot.db.tables import identities, meetups, outbox
from bot.features.groups.meetup_votes import person_voter, record_votes
from bot.features.groups.membership import is_member
from bot.features.groups.telegram_posts import KIND, meetup_of_poll_key
from bot.identity import lookup_key

log = logging.getLogger(__name__)

#: The ``lookup_key`` channel of a Telegram user who is not a known member: a different keyed
#: hash than her private chat's identity, so the votes table links to nothing else.
POLL_VOTER_CHANNEL = "telegram-poll-voter"
SOURCE = "poll"


class PollVotes:
    """Records poll answers for one deployment (in a worker thread)."""

    def __init__(self, db: Engine, secret_key: str, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.secret_key = secret_key
        self.clock = clock

    def answer(self, notice: PollAnswer) -> bool:
        """Record one vote (or its withdrawal); nothing is sent, so ``False``."""
        with self.db.begin() as conn:
            meetup = meetup_of_poll(conn, notice.poll_id)
            if meetup is None:
                log.info("groups: a vote in a poll of no meetup; ignored")
                return False
            if meetup["status"] != "voting":
                log.info("groups: a late vote in a closed poll; ignored")
                return False
            voter, person_id = self.voter(conn, int(meetup["group_id"]), notice)
            record_votes(
                conn,
                int(meetup["id"]),
                voter,
                person_id,
                notice.option_ids,
                SOURCE,
                self.clock(),
            )
        log.info("groups: a poll vote recorded (%d option(s))", len(notice.option_ids))
        return False

    def voter(self, conn: Connection, group_id: int, notice: PollAnswer) -> tuple[str, int | None]:
        """``("p:<id>", id)`` for an active member of the group, else a keyed hash."""
        key = lookup_key(self.secret_key, notice.channel, notice.voter_address)
        person_id = conn.execute(
            select(identities.c.person_id).where(
                identities.c.lookup_key == key, identities.c.channel == notice.channel
            )
        ).scalar()
        if person_id is not None and is_member(conn, group_id, int(person_id)):
            return person_voter(int(person_id)), int(person_id)
        hashed = lookup_key(self.secret_key, POLL_VOTER_CHANNEL, notice.voter_address)
        return f"t:{hashed[:40]}", None


def meetup_of_poll(conn: Connection, poll_id: str) -> dict[str, Any] | None:
    """The meetup whose poll this is (linking it now if the posting job has not yet)."""
    query = select(meetups.c.id, meetups.c.group_id, meetups.c.status)
    found = conn.execute(query.where(meetups.c.telegram_poll_id == poll_id)).mappings().first()
    if found is not None:
        return dict(found)
    key = conn.execute(
        select(outbox.c.idempotency_key).where(
            outbox.c.external_id == f"poll:{poll_id}", outbox.c.kind == KIND
        )
    ).scalar()
    meetup_id = meetup_of_poll_key(str(key)) if key is not None else None
    if meetup_id is None:
        return None
    conn.execute(
        update(meetups)
        .where(meetups.c.id == meetup_id, meetups.c.telegram_poll_id.is_(None))
        .values(telegram_poll_id=poll_id)
    )
    found = conn.execute(query.where(meetups.c.id == meetup_id)).mappings().first()
    return dict(found) if found is not None else None


__all__ = ["POLL_VOTER_CHANNEL", "PollVotes", "meetup_of_poll"]
