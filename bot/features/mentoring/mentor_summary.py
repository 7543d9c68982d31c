"""A mentor's hub begins with her profile as stored: languages, topics, how many women, when
she has time, how many she accompanies now, and whether we may propose someone (active,
paused until …, full, retired, not finished).  Read in the turn's transaction by a reply
source, because the engine does not hold ``mentor_profiles``; the same source writes her
changes (``mentor_profile.store``) in their place among the turn's effects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from bot.db.tables import mentor_matches, mentor_profiles
from bot.features.mentoring import chat_texts as t
from bot.features.mentoring import states
from bot.features.mentoring.chat_values import Words
from bot.features.mentoring.mentor_profile import ACTIVE, CHANGES, RETIRED, store
from bot.settings import Settings
from bot.turns.effects import HostReply
from conversations import Turn
from conversations.events import FeatureEffect, Reply
from conversations.flow_engine import FlowEngine

if TYPE_CHECKING:
    from bot.turns.writer import Target


@dataclass(frozen=True, slots=True)
class ShowMentorProfile(FeatureEffect):
    """Show her mentor profile, in ``language``."""

    language: str


def show_mentor_profile(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """The mentor hub's first message: her profile (the host reads it)."""
    turn.effects.append(ShowMentorProfile(turn.language.code))


class MentorProfileReplies:
    """Answers :class:`ShowMentorProfile` (a reply source, see ``bot.turns.effects``), and
    writes her changes where they happen among the turn's effects, so that the profile shown
    after a change is the changed one (an effect writer would flush after the replies)."""

    handles: tuple[type, ...] = (ShowMentorProfile, *CHANGES)

    def __init__(self, engine: FlowEngine, _settings: Settings) -> None:
        self.engine = engine

    def replies(
        self, conn: Connection, effect: Any, target: Target, now: datetime
    ) -> Sequence[HostReply]:
        if isinstance(effect, FeatureEffect) and isinstance(effect, CHANGES):
            store(conn, effect, target.person_id, now)
            return []
        words = Words(self.engine, effect.language, target.organisation.info.timezone)
        row = conn.execute(
            select(mentor_profiles).where(mentor_profiles.c.person_id == target.person_id)
        ).first()
        if row is None or row.status not in (ACTIVE, RETIRED):
            text = words.say(t.PROFILE_INCOMPLETE)
        else:
            mentees = conn.execute(
                select(func.count())
                .select_from(mentor_matches)
                .where(
                    mentor_matches.c.mentor_id == target.person_id,
                    mentor_matches.c.status == states.ACTIVE,
                )
            ).scalar_one()
            profile = words.say(
                t.PROFILE,
                languages=words.languages(row.languages or ()),
                topics=words.topics(row.topics or ()),
                capacity=row.capacity,
                times=words.times(row.availability or ()),
                mentees=mentees,
            )
            if row.status == RETIRED:
                state = words.say(t.PROFILE_RETIRED)
            elif row.paused_until is not None and row.paused_until > now:
                state = words.say(t.PROFILE_PAUSED, date=words.day(row.paused_until))
            elif mentees >= row.capacity:
                state = words.say(t.PROFILE_FULL)
            else:
                state = words.say(t.PROFILE_OPEN)
            text = f"{profile}\n\n{state}"
        language = words.language
        return [HostReply(Reply(text, (), language.code, language.rtl))]


def make_replies(engine: FlowEngine, settings: Settings) -> MentorProfileReplies:
    """The reply source factory the feature declares."""
    return MentorProfileReplies(engine, settings)


__all__ = ["MentorProfileReplies", "ShowMentorProfile", "make_replies", "show_mentor_profile"]
