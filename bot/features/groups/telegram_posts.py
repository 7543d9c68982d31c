"""Posts about meetups in a group's linked Telegram group, queued by a periodic job.

For each meetup of a group whose Telegram group is linked (``groups.telegram_group_id``) and
still has the bot, once each (the outbox's idempotency keys, ``skip_existing``):

* while it is ``voting``: the native poll (its times and "none fits");
* once ``confirmed``: the time and place with the answers so far (or the votes for that time);
* moved (``starts_at`` is not the confirmed option's time, or a move cleared the option): the
  new time, once per new time;
* ``cancelled``: that it is off (only where something was posted about it before).

Nothing personal: the group's name, the meetup's title, time, place and counts.  Texts are in
the organisation's default language, times in its time zone.  The poll's id, which the
channel returns as the outbox row's external id, is copied to ``meetups.telegram_poll_id`` so
that a vote finds its meetup (:mod:`.poll_votes`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from bot.channels.messages import Poll
from bot.db.tables import (
    groups,
    meetup_options,
    meetup_rsvps,
    meetups,
    organisations,
    outbox,
    telegram_groups,
)
from bot.features.groups.meetup_votes import counts
from bot.features.groups.membership import group_name
from bot.features.groups.poll_texts import (
    POLL_NONE,
    POLL_QUESTION,
    POST_ANSWERS,
    POST_CANCELLED,
    POST_CONFIRMED,
    POST_MOVED,
    POST_VOTES,
)
from bot.outbox.rows import BULK_PRIORITY, OutboxRow, enqueue
from conversations.i18n import Catalogs, format_moment, format_number, native_digits
from conversations.languages import Language

log = logging.getLogger(__name__)

CHANNEL = "telegram"
KIND = "group"
#: How long after a cancellation it is still posted (the job was down, the bot re-added).
CANCELLED_WITHIN = timedelta(days=2)


def poll_key(meetup_id: int) -> str:
    """The outbox key of a meetup's poll (its row's external id is ``poll:<poll id>``)."""
    return f"groups:tg-poll:{meetup_id}"


def meetup_of_poll_key(key: str) -> int | None:
    """The meetup a poll's outbox key names, else ``None``."""
    prefix = poll_key(0)[:-1]
    tail = key.removeprefix(prefix)
    return int(tail) if key.startswith(prefix) and tail.isdigit() else None


def post_meetups(conn: Connection, catalogs: Catalogs, now: datetime) -> int:
    """Queue what is due for every meetup of a linked group; returns the rows queued."""
    link_polls(conn)
    query = (
        select(
            meetups,
            groups.c.name.label("group_names"),
            telegram_groups.c.chat_id,
            organisations.c.default_language,
            organisations.c.timezone,
        )
        .select_from(
            meetups.join(groups, groups.c.id == meetups.c.group_id)
            .join(telegram_groups, telegram_groups.c.id == groups.c.telegram_group_id)
            .join(organisations, organisations.c.id == groups.c.organisation_id)
        )
        .where(
            groups.c.status == "active",
            telegram_groups.c.status == "member",
            or_(
                and_(meetups.c.status == "voting", meetups.c.deadline > now),
                and_(meetups.c.status == "confirmed", meetups.c.starts_at > now),
                and_(
                    meetups.c.status == "cancelled",
                    meetups.c.updated_at > now - CANCELLED_WITHIN,
                ),
            ),
        )
        .order_by(meetups.c.id)
    )
    rows: list[OutboxRow] = []
    for meetup in conn.execute(query).mappings():
        language = catalogs.languages.get(meetup["default_language"]) or catalogs.languages.get(
            catalogs.languages.master
        )
        assert language is not None
        post = _Post(conn, catalogs, language, dict(meetup))
        for key, payload in post.due():
            rows.append(
                OutboxRow(
                    idempotency_key=key,
                    channel=CHANNEL,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                    kind=KIND,
                    priority=BULK_PRIORITY,
                    address=str(meetup["chat_id"]),
                )
            )
    fresh = _unqueued(conn, [r.idempotency_key for r in rows])
    rows = [r for r in rows if r.idempotency_key in fresh]
    enqueue(conn, rows, skip_existing=True)
    if rows:
        log.info("groups: %d post(s) for linked Telegram groups", len(rows))
    return len(rows)


def link_polls(conn: Connection) -> int:
    """Copy sent polls' ids to their meetups (``meetups.telegram_poll_id``): only meetups in
    their vote without one are looked at, so a run costs little once the ids are copied."""
    waiting = conn.execute(
        select(meetups.c.id).where(
            meetups.c.status == "voting", meetups.c.telegram_poll_id.is_(None)
        )
    ).scalars()
    keys = {poll_key(int(meetup_id)): int(meetup_id) for meetup_id in waiting}
    if not keys:
        return 0
    sent = conn.execute(
        select(outbox.c.idempotency_key, outbox.c.external_id).where(
            outbox.c.idempotency_key.in_(list(keys)), outbox.c.external_id.like("poll:%")
        )
    ).tuples()
    linked = 0
    for key, external_id in sent:
        linked += conn.execute(
            update(meetups)
            .where(meetups.c.id == keys[key], meetups.c.telegram_poll_id.is_(None))
            .values(telegram_poll_id=str(external_id).removeprefix("poll:"))
        ).rowcount
    return linked


def _unqueued(conn: Connection, keys: list[str]) -> set[str]:
    """Those of ``keys`` not in the outbox yet (most are, on every run but the first)."""
    if not keys:
        return set()
    queued = set(
        conn.execute(select(outbox.c.idempotency_key).where(outbox.c.idempotency_key.in_(keys)))
        .scalars()
        .all()
    )
    return set(keys) - queued


class _Post:
    """What one meetup's linked group is due to see."""

    def __init__(
        self, conn: Connection, catalogs: Catalogs, language: Language, meetup: Mapping[str, Any]
    ) -> None:
        self.conn = conn
        self.catalogs = catalogs
        self.language = language
        self.meetup = meetup
        self.id = int(meetup["id"])
        name = group_name(
            meetup["group_names"] or {}, language.code, str(meetup["default_language"])
        )
        self.header = f"{name}: {meetup['title']}"

    def due(self) -> list[tuple[str, dict[str, Any]]]:
        status = self.meetup["status"]
        if status == "voting":
            return [(poll_key(self.id), self.poll())]
        if status == "confirmed" and self.meetup["starts_at"] is not None:
            posts = [(f"groups:tg-confirmed:{self.id}", self.confirmed())]
            option_time = self._option_time()
            starts_at = self.meetup["starts_at"]
            # A move keeps no option (``meetup_changes.move_meetup`` clears it): moved.
            if option_time is None or starts_at != option_time:
                stamp = int(starts_at.timestamp())
                posts.append((f"groups:tg-moved:{self.id}:{stamp}", self.moved()))
            return posts
        if status == "cancelled" and self._posted_before():
            return [(f"groups:tg-cancelled:{self.id}", self.cancelled())]
        return []

    def poll(self) -> dict[str, Any]:
        times = [self._time(starts_at) for _position, starts_at, _voters in self._counts()]
        question = f"📅 {self.header}\n{self._say(POLL_QUESTION)}"
        poll = Poll(
            question,
            (*times, self._say(POLL_NONE)),
            multiple=True,
            closes_at=int(self.meetup["deadline"].timestamp()),  # Telegram closes it then
        )
        return self._payload(question, poll)

    def confirmed(self) -> dict[str, Any]:
        yes, maybe = self._answers()
        if yes or maybe:
            tally = self._say(POST_ANSWERS, yes=self._number(yes), maybe=self._number(maybe))
        else:
            tally = self._say(POST_VOTES, votes=self._number(self._votes_for_confirmed()))
        lines = [
            f"✅ {self.header}",
            self._say(POST_CONFIRMED),
            f"📅 {self._time(self.meetup['starts_at'])}",
            *self._place(),
            f"🙋 {tally}",
        ]
        return self._payload("\n".join(lines))

    def moved(self) -> dict[str, Any]:
        lines = [
            f"🔁 {self.header}",
            self._say(POST_MOVED),
            f"📅 {self._time(self.meetup['starts_at'])}",
            *self._place(),
        ]
        return self._payload("\n".join(lines))

    def cancelled(self) -> dict[str, Any]:
        lines = [f"❌ {self.header}", self._say(POST_CANCELLED)]
        if self.meetup["starts_at"] is not None:
            lines.append(f"📅 {self._time(self.meetup['starts_at'])}")
        return self._payload("\n".join(lines))

    # ---- helpers ------------------------------------------------------------------------

    def _payload(self, text: str, poll: Poll | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "text": text,
            "choices": [],
            "language": self.language.code,
            "rtl": self.language.rtl,
        }
        if poll is not None:
            payload["poll"] = poll.to_payload()
        return payload

    def _say(self, text: Any, **values: object) -> str:
        return self.catalogs.render(self.language, text, **values)

    def _time(self, moment: datetime) -> str:
        return native_digits(
            format_moment(moment, self.language, str(self.meetup["timezone"])), self.language
        )

    def _number(self, number: int) -> str:
        return format_number(number, self.language)

    def _place(self) -> list[str]:
        place = str(self.meetup["place"] or "").strip()
        return [f"📍 {place}"] if place else []

    def _counts(self) -> list[tuple[int, datetime, int]]:
        return counts(self.conn, self.id)

    def _option_time(self) -> datetime | None:
        option_id = self.meetup["option_id"]
        if option_id is None:
            return None
        value: datetime | None = self.conn.execute(
            select(meetup_options.c.starts_at).where(meetup_options.c.id == option_id)
        ).scalar()
        return value

    def _votes_for_confirmed(self) -> int:
        option_time = self._option_time() or self.meetup["starts_at"]
        return next((n for _p, at, n in self._counts() if at == option_time), 0)

    def _answers(self) -> tuple[int, int]:
        rows: dict[str, int] = {
            str(answer): int(number)
            for answer, number in self.conn.execute(
                select(meetup_rsvps.c.answer, func.count())
                .where(meetup_rsvps.c.meetup_id == self.id)
                .group_by(meetup_rsvps.c.answer)
            ).tuples()
        }
        return int(rows.get("yes", 0)), int(rows.get("maybe", 0))

    def _posted_before(self) -> bool:
        keys = [poll_key(self.id), f"groups:tg-confirmed:{self.id}"]
        return (
            self.conn.execute(
                select(outbox.c.id).where(outbox.c.idempotency_key.in_(keys)).limit(1)
            ).first()
            is not None
        )


__all__ = ["link_polls", "meetup_of_poll_key", "poll_key", "post_meetups"]
