"""The meetup's host side: stores what the chat decided and answers from what is stored, in
the turn's own transaction (so what she reads is what is stored).

Every effect is checked against the rows as they are now: she may propose in that group,
she is still an active member when she votes or answers, the vote is still open, she
organises the meetup whose counts she asks for.  A forged or stale id changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from bot.db.tables import groups, meetup_options, meetup_rsvps, meetups, organisations
from bot.features.groups import meetup_texts as t
from bot.features.groups.group_chat import picked_group_id
from bot.features.groups.meetup_changes import cancel_meetup, move_meetup
from bot.features.groups.meetup_effects import (
    CancelMeetup,
    ConfirmMeetup,
    MeetupAnswer,
    MeetupVote,
    MoveMeetup,
    ProposeMeetup,
    RateMeetup,
    ShowMeetupCounts,
    ShowPlaces,
    when,
)
from bot.features.groups.meetup_members import active_members, is_member, is_organiser, may_propose
from bot.features.groups.meetup_reminders import (
    COMING,
    drop_reminders,
    plan_after,
    plan_reminders,
)
from bot.features.groups.meetup_schedule import CONFIRMED_KIND, VOTE_KIND, tell_members
from bot.features.groups.meetup_votes import counts, person_voter, record_votes
from bot.settings import Settings
from bot.turns.effects import HostReply
from conversations.events import Reply
from conversations.flow_engine import FlowEngine
from conversations.i18n import native_digits
from conversations.languages import Language

if TYPE_CHECKING:
    from bot.turns.writer import Target

VOTING, CONFIRMED = "voting", "confirmed"


class Words:
    """Texts in one language."""

    def __init__(self, engine: FlowEngine, code: str) -> None:
        table = engine.languages
        found = table.get(code) or table.get(table.master)
        assert found is not None
        self.language: Language = found
        self.catalogs = engine.catalogs

    def say(self, text: Any, **values: object) -> str:
        filled = {
            k: native_digits(str(v), self.language) if isinstance(v, int) else v
            for k, v in values.items()
        }
        return self.catalogs.fill(
            self.language, self.catalogs.translate(self.language, text), filled
        )

    def reply(self, text: str) -> HostReply:
        return HostReply(Reply(text, (), self.language.code, self.language.rtl))


def _meetup(conn: Connection, meetup_id: int) -> Any:
    return conn.execute(
        select(meetups, organisations.c.timezone)
        .join(groups, groups.c.id == meetups.c.group_id)
        .join(organisations, organisations.c.id == groups.c.organisation_id)
        .where(meetups.c.id == meetup_id)
    ).first()


def resolved_group(
    conn: Connection, group_id: int | None, picked: tuple[str, int] | None, person: int
) -> int | None:
    """The group a proposal is for: given, or the one she picked on her groups hub."""
    if group_id is not None:
        return group_id
    if picked is None:
        return None
    return picked_group_id(conn, person, {"g_list": picked[0], "g_pick": picked[1]})


class MeetupReplies:
    """Writes proposals, votes, confirmations and answers; shows places and counts."""

    handles: tuple[type, ...] = (
        ProposeMeetup,
        ShowPlaces,
        MeetupVote,
        ShowMeetupCounts,
        ConfirmMeetup,
        MeetupAnswer,
        MoveMeetup,
        CancelMeetup,
        RateMeetup,
    )

    def __init__(self, engine: FlowEngine, _settings: Settings) -> None:
        self.engine = engine

    def replies(
        self, conn: Connection, effect: Any, target: Target, now: datetime
    ) -> Sequence[HostReply]:
        words = Words(self.engine, effect.language)
        person = target.person_id
        if isinstance(effect, ShowPlaces):
            group_id = resolved_group(conn, effect.group_id, effect.picked, person)
            if group_id is None:
                return []
            places = conn.execute(
                select(groups.c.usual_places).where(groups.c.id == group_id)
            ).scalar()
            if not places or not is_member(conn, group_id, person):
                return []
            lines = "\n".join(f"• {p}" for p in places)
            return [words.reply(words.say(t.PLACES, places=lines))]
        if isinstance(effect, ProposeMeetup):
            return [words.reply(self.propose(conn, effect, person, now, words))]
        meetup = _meetup(conn, effect.meetup_id)
        if meetup is None:
            return [words.reply(words.say(t.CLOSED))]
        if isinstance(effect, MeetupVote):
            if meetup.status != VOTING or meetup.deadline <= now:
                return [words.reply(words.say(t.CLOSED))]
            if not is_member(conn, meetup.group_id, person):
                return [words.reply(words.say(t.CLOSED))]
            voter = person_voter(person)
            record_votes(conn, meetup.id, voter, person, effect.positions, "chat", now)
            return [words.reply(words.say(t.VOTED if effect.positions else t.VOTED_NONE))]
        if isinstance(effect, MeetupAnswer):
            if meetup.status != CONFIRMED or not is_member(conn, meetup.group_id, person):
                return [words.reply(words.say(t.CLOSED))]
            self.answer(conn, meetup.id, person, effect.answer, now)
            if effect.answer in COMING and meetup.starts_at is not None:
                plan_reminders(conn, meetup.id, meetup.starts_at, person, now)
                if effect.answer == "yes":
                    plan_after(conn, meetup.id, meetup.starts_at, person, now)
                else:
                    drop_reminders(conn, meetup.id, person, after=False)
            else:
                drop_reminders(conn, meetup.id, person)
            return [words.reply(words.say(t.RSVP[effect.answer]))]
        if isinstance(effect, RateMeetup):
            done = conn.execute(
                update(meetup_rsvps)
                .where(
                    meetup_rsvps.c.meetup_id == meetup.id,
                    meetup_rsvps.c.person_id == person,
                    meetup_rsvps.c.answer == "yes",
                )
                .values(rating=effect.rating)
            ).rowcount
            return [words.reply(words.say(t.RATED))] if done else []
        if not is_organiser(conn, meetup.group_id, person):
            return [words.reply(words.say(t.NOT_ALLOWED))]
        if isinstance(effect, MoveMeetup):
            starts_at = datetime.fromisoformat(effect.starts_at)
            if meetup.status == VOTING:
                return [words.reply(words.say(t.MOVE_FIRST))]
            if meetup.status != CONFIRMED or starts_at <= now:
                return [words.reply(words.say(t.CLOSED))]
            count = move_meetup(conn, meetup.id, meetup.group_id, starts_at, now)
            moved = when(starts_at, words.language, meetup.timezone)
            return [words.reply(words.say(t.MOVED, when=moved, count=count))]
        if isinstance(effect, CancelMeetup):
            if meetup.status not in (VOTING, CONFIRMED):
                return [words.reply(words.say(t.CLOSED))]
            count = cancel_meetup(conn, meetup.id, meetup.group_id, now)
            return [words.reply(words.say(t.CANCELLED, count=count))]
        if isinstance(effect, ShowMeetupCounts):
            return [words.reply(self.counts(conn, meetup, words))]
        assert isinstance(effect, ConfirmMeetup)
        return [words.reply(self.confirm(conn, meetup, effect.position, now, words))]

    @staticmethod
    def propose(
        conn: Connection, effect: ProposeMeetup, person: int, now: datetime, words: Words
    ) -> str:
        """Store the meetup and its times; ask every active member (a nudge each)."""
        group_id = resolved_group(conn, effect.group_id, effect.picked, person)
        if group_id is None or not may_propose(conn, group_id, person):
            return words.say(t.NOT_ALLOWED)
        times = sorted({datetime.fromisoformat(x) for x in effect.times})
        if not times or times[0] <= now:
            return words.say(t.CLOSED)
        meetup = conn.execute(
            insert(meetups)
            .values(
                group_id=group_id,
                title=effect.title or "…",
                place=effect.place,
                status=VOTING,
                deadline=min(datetime.fromisoformat(effect.deadline), times[0]),
                proposed_by=person,
                created_at=now,
                updated_at=now,
            )
            .returning(meetups.c.id)
        ).scalar_one()
        conn.execute(
            insert(meetup_options),
            [{"meetup_id": meetup, "position": n, "starts_at": m} for n, m in enumerate(times)],
        )
        members = active_members(conn, group_id)
        tell_members(conn, meetup, members, VOTE_KIND, now)
        return words.say(t.PROPOSED, count=len(members))

    @staticmethod
    def counts(conn: Connection, meetup: Any, words: Words) -> str:
        lines = "\n".join(
            f"{native_digits(str(n + 1), words.language)}. "
            f"{when(moment, words.language, meetup.timezone)}: "
            f"{native_digits(str(voters), words.language)} 👍"
            for n, moment, voters in counts(conn, meetup.id)
        )
        deadline = when(meetup.deadline, words.language, meetup.timezone)
        return words.say(t.COUNTS, title=meetup.title, lines=lines, deadline=deadline)

    @staticmethod
    def confirm(conn: Connection, meetup: Any, position: int, now: datetime, words: Words) -> str:
        """Fix the time; tell every active member (a nudge each, with yes / maybe / no)."""
        if meetup.status != VOTING:
            return words.say(t.CLOSED)
        option = conn.execute(
            select(meetup_options.c.id, meetup_options.c.starts_at).where(
                meetup_options.c.meetup_id == meetup.id, meetup_options.c.position == position
            )
        ).first()
        if option is None or option.starts_at <= now:
            return words.say(t.CLOSED)
        confirm_meetup(conn, meetup.id, meetup.group_id, option.id, option.starts_at, now)
        return words.say(t.CONFIRMED, when=when(option.starts_at, words.language, meetup.timezone))

    @staticmethod
    def answer(conn: Connection, meetup_id: int, person: int, answer: str, now: datetime) -> None:
        done = conn.execute(
            update(meetup_rsvps)
            .where(meetup_rsvps.c.meetup_id == meetup_id, meetup_rsvps.c.person_id == person)
            .values(answer=answer, answered_at=now)
        ).rowcount
        if not done:
            conn.execute(
                insert(meetup_rsvps).values(
                    meetup_id=meetup_id, person_id=person, answer=answer, answered_at=now
                )
            )


def confirm_meetup(
    conn: Connection,
    meetup_id: int,
    group_id: int,
    option_id: int,
    starts_at: datetime,
    now: datetime,
) -> int:
    """Confirm a meetup at one of its options and ask every active member to answer
    (also used by the deadline's automatic confirmation).  Returns how many are told."""
    conn.execute(
        update(meetups)
        .where(meetups.c.id == meetup_id)
        .values(status=CONFIRMED, option_id=option_id, starts_at=starts_at, updated_at=now)
    )
    members = active_members(conn, group_id)
    tell_members(conn, meetup_id, members, CONFIRMED_KIND, now)
    return len(members)


def make_replies(engine: FlowEngine, settings: Settings) -> MeetupReplies:
    """The reply source factory the part declares."""
    return MeetupReplies(engine, settings)


__all__ = ["MeetupReplies", "confirm_meetup", "make_replies"]
