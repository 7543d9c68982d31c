"""A participant's request for a mentor in the chat: her hub's status, asking, withdrawing.

One open request per woman is decided by what is stored (a request may have moved on since
her last message: a staff proposal, a match), so asking and withdrawing are answered by a
reply source that reads her request and changes it in the turn's own transaction, and says
what it did: "we are looking", "we changed your wish", "an introduction is under way",
"withdrawn".  Before both women said yes she learns nothing about the mentor who is asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from bot.db.tables import mentor_matches, mentoring_requests, people
from bot.features.mentoring import chat_texts as t
from bot.features.mentoring import states
from bot.features.mentoring.chat_values import Words
from bot.features.mentoring.proposals import tell_taken_back
from bot.features.mentoring.topics import TOPICS
from bot.settings import Settings
from bot.turns.effects import HostReply
from conversations import Turn
from conversations.events import FeatureEffect, Reply
from conversations.flow_engine import FlowEngine

if TYPE_CHECKING:
    from sqlalchemy import Row

    from bot.turns.writer import Target

#: Working-data keys of her answers (``save_as`` in ``flows/mentee.yaml``).
TOPICS_KEY, LANGUAGE_KEY = "m_topics", "m_language"


@dataclass(frozen=True, slots=True)
class ShowMentoringRequest(FeatureEffect):
    """Show her request's state, in ``language``."""

    language: str


@dataclass(frozen=True, slots=True)
class AskForMentor(FeatureEffect):
    """She would like a mentor for ``topics``, speaking ``wished`` (a language code)."""

    language: str
    topics: tuple[str, ...]
    wished: str | None


@dataclass(frozen=True, slots=True)
class WithdrawMentoringRequest(FeatureEffect):
    """She no longer wants a mentor (a waiting request, or one with an introduction under
    way: that introduction is taken back; the mentor is not told who)."""

    language: str


def show_mentoring_request(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Her hub's first message: the state of her request (the host reads it)."""
    turn.effects.append(ShowMentoringRequest(turn.language.code))


def ask_for_mentor(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She confirmed: her topics and language from the working data (then cleared)."""
    data = turn.conversation.data if turn.conversation else {}
    ticked = data.pop(TOPICS_KEY, None) or []
    topics = tuple(i for i in TOPICS if isinstance(ticked, list) and i in ticked)
    wished = data.pop(LANGUAGE_KEY, None)
    turn.effects.append(
        AskForMentor(turn.language.code, topics, str(wished) if wished else turn.language.code)
    )


def withdraw_mentoring_request(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She withdraws her request."""
    turn.effects.append(WithdrawMentoringRequest(turn.language.code))


def open_request(conn: Connection, person_id: int) -> Row[Any] | None:
    """Her open request (waiting, proposed or matched), if any."""
    return conn.execute(
        select(mentoring_requests)
        .where(
            mentoring_requests.c.person_id == person_id,
            mentoring_requests.c.status.in_(states.OPEN_REQUEST),
        )
        .order_by(mentoring_requests.c.id.desc())
        .limit(1)
    ).first()


def interested(conn: Connection, person_id: int) -> bool:
    """Whether she ticked "🤝 Mentorin" among her interests at onboarding and never asked
    (her hub then offers it in so many words)."""
    interests = conn.execute(select(people.c.interests).where(people.c.id == person_id)).scalar()
    asked = conn.execute(
        select(mentoring_requests.c.id).where(mentoring_requests.c.person_id == person_id).limit(1)
    ).first()
    return "mentor" in (interests or []) and asked is None


def mentor_name(conn: Connection, request_id: int) -> str | None:
    """The first name of her mentor once both said yes (``active``), else ``None``."""
    return conn.execute(
        select(people.c.display_name)
        .join(mentor_matches, mentor_matches.c.mentor_id == people.c.id)
        .where(
            mentor_matches.c.request_id == request_id,
            mentor_matches.c.status == states.ACTIVE,
        )
    ).scalar()


class RequestReplies:
    """Answers her hub, her request and her withdrawal (a reply source that also writes:
    see the module's docstring)."""

    handles: tuple[type, ...] = (ShowMentoringRequest, AskForMentor, WithdrawMentoringRequest)

    def __init__(self, engine: FlowEngine, _settings: Settings) -> None:
        self.engine = engine

    def replies(
        self, conn: Connection, effect: Any, target: Target, now: datetime
    ) -> Sequence[HostReply]:
        words = Words(self.engine, effect.language, target.organisation.info.timezone)
        if isinstance(effect, AskForMentor):
            text = self.ask(conn, words, effect, target, now)
        elif isinstance(effect, WithdrawMentoringRequest):
            text = self.withdraw(conn, words, target.person_id, now)
        else:
            text = self.status(conn, words, target.person_id)
        return [HostReply(Reply(text, (), words.language.code, words.language.rtl))]

    def status(self, conn: Connection, words: Words, person_id: int) -> str:
        """What her hub says about her request."""
        row = open_request(conn, person_id)
        if row is None:
            return words.say(
                t.NO_REQUEST_INTERESTED if interested(conn, person_id) else t.NO_REQUEST
            )
        if row.status == states.MATCHED:
            name = mentor_name(conn, row.id)
            if name:
                return words.say(t.MATCHED, mentor=name)
            return words.say(t.PROPOSED)
        if row.status == states.PROPOSED:
            return words.say(t.PROPOSED)
        return words.say(
            t.WAITING,
            date=words.day(row.created_at),
            topics=words.topics(row.topics or ()),
            language=words.languages([row.language] if row.language else ()),
        )

    def ask(
        self, conn: Connection, words: Words, effect: AskForMentor, target: Target, now: datetime
    ) -> str:
        """A new request, or her waiting one with the new wish; nothing while an
        introduction is under way or she has a mentor."""
        topics, language = list(effect.topics), effect.wished
        named = {
            "topics": words.topics(topics),
            "language": words.languages([language] if language else ()),
        }
        row = open_request(conn, target.person_id)
        if row is None:
            conn.execute(
                insert(mentoring_requests).values(
                    organisation_id=target.organisation.id,
                    person_id=target.person_id,
                    topics=topics,
                    language=language,
                    status=states.WAITING,
                    created_at=now,
                    updated_at=now,
                )
            )
            return words.say(t.ASKED, **named)
        if row.status == states.WAITING:
            conn.execute(
                update(mentoring_requests)
                .where(mentoring_requests.c.id == row.id)
                .values(topics=topics, language=language, updated_at=now)
            )
            return words.say(t.CHANGED, date=words.day(row.created_at), **named)
        if row.status == states.MATCHED and (name := mentor_name(conn, row.id)):
            return words.say(t.ALREADY_MATCHED, mentor=name)
        return words.say(t.UNDER_WAY)

    def withdraw(self, conn: Connection, words: Words, person_id: int, now: datetime) -> str:
        """Withdraw a waiting or proposed request; an introduction under way is taken back
        (the mentor hears nothing about her).  A mentor she has keeps going: that contact is
        ended in the contact's own menu."""
        row = open_request(conn, person_id)
        if row is None:
            return words.say(t.NOTHING_TO_WITHDRAW)
        if row.status == states.MATCHED and (name := mentor_name(conn, row.id)):
            return words.say(t.ALREADY_MATCHED, mentor=name)
        in_flight = conn.execute(
            select(mentor_matches.c.id, mentor_matches.c.mentor_id, mentor_matches.c.status).where(
                mentor_matches.c.request_id == row.id,
                mentor_matches.c.status.in_(states.IN_FLIGHT),
            )
        ).all()
        conn.execute(
            update(mentor_matches)
            .where(
                mentor_matches.c.request_id == row.id,
                mentor_matches.c.status.in_(states.IN_FLIGHT),
            )
            .values(
                status=states.TAKEN_BACK,
                ended_at=now,
                ended_by=states.PARTICIPANT,
            )
        )
        for match in in_flight:  # a mentor who said yes hears "not this time", never why
            tell_taken_back(conn, match.id, match.mentor_id, match.status, now)
        conn.execute(
            update(mentoring_requests)
            .where(mentoring_requests.c.id == row.id)
            .values(status=states.WITHDRAWN, updated_at=now, closed_at=now)
        )
        return words.say(t.WITHDRAWN)


def make_replies(engine: FlowEngine, settings: Settings) -> RequestReplies:
    """The reply source factory the feature declares."""
    return RequestReplies(engine, settings)


ACTIONS = {
    "show_mentoring_request": show_mentoring_request,
    "ask_for_mentor": ask_for_mentor,
    "withdraw_mentoring_request": withdraw_mentoring_request,
}

__all__ = [
    "ACTIONS",
    "AskForMentor",
    "RequestReplies",
    "ShowMentoringRequest",
    "WithdrawMentoringRequest",
    "make_replies",
]
