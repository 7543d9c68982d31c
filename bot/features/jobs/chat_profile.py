"""Her job answers in the chat: the hub shows them, the three questions store them, "🔕 Keine
Job-Angebote" deletes them.

Answers are written by a reply source in the turn's own transaction (as the mentoring hub
does): what she sees ("saved", "deleted") is what is stored.  The answers are the minimum
the matching needs (German level, hours a week, how far she can travel), kept in the
encrypted ``job_profiles.answers``; nothing of them is logged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select, update

from bot.db.tables import job_profiles, people
from bot.features.jobs import chat_texts as t
from bot.features.jobs.kinds import GERMAN_LEVELS
from bot.settings import Settings
from bot.turns.effects import HostReply
from conversations import Turn
from conversations.events import FeatureEffect, Reply
from conversations.flow_engine import FlowEngine
from conversations.i18n import native_digits
from conversations.languages import Language

if TYPE_CHECKING:
    from bot.turns.writer import Target

#: Working-data keys of her answers (``save_as`` in ``flows/jobs.yaml``).
GERMAN_KEY, HOURS_KEY, TRAVEL_KEY = "j_german", "j_hours", "j_travel"
#: The onboarding interest that makes the hub offer job offers in so many words.
INTEREST = "jobs"
#: Stored for "more than 30 hours": any offer's hours fit (offers have at most 60).
MOST_HOURS = 60


@dataclass(frozen=True, slots=True)
class ShowJobProfile(FeatureEffect):
    """Show her answers (or what job offers are), in ``language``."""

    language: str


@dataclass(frozen=True, slots=True)
class SaveJobProfile(FeatureEffect):
    """Store her answers: German level, hours a week, how far she travels (0: her town)."""

    language: str
    german: str
    hours: int
    travel_km: int


@dataclass(frozen=True, slots=True)
class ForgetJobProfile(FeatureEffect):
    """She wants no more job offers: delete her answers."""

    language: str


def _number(value: Any, default: int) -> int:
    """A stored number, or a choice id's digits ("h20" → 20, "town" → ``default``)."""
    digits = "".join(c for c in str(value) if c.isdigit())
    return int(digits) if digits else default


def show_job_profile(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Her hub's first message (the host reads her answers)."""
    turn.effects.append(ShowJobProfile(turn.language.code))


def save_job_profile(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She answered the three questions: take them from the working data (then cleared)."""
    data = turn.conversation.data if turn.conversation else {}
    given = str(data.pop(GERMAN_KEY, "none"))
    german = given if given == "none" else given.upper()  # choice ids are lower case
    hours = _number(data.pop(HOURS_KEY, MOST_HOURS), MOST_HOURS)
    travel = _number(data.pop(TRAVEL_KEY, 0), 0)
    turn.effects.append(
        SaveJobProfile(
            turn.language.code,
            german if german in GERMAN_LEVELS else "none",
            min(hours, MOST_HOURS),
            travel,
        )
    )


def forget_job_profile(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She said "no more job offers" (the flow withdraws the consent alongside)."""
    turn.effects.append(ForgetJobProfile(turn.language.code))


def answers_of(conn: Connection, person_id: int) -> dict[str, Any] | None:
    """Her stored answers, or ``None`` when she has given none."""
    return conn.execute(
        select(job_profiles.c.answers).where(job_profiles.c.person_id == person_id)
    ).scalar()


class Words:
    """Renders the hub's texts in one language (her reply's)."""

    def __init__(self, engine: FlowEngine, code: str) -> None:
        table = engine.languages
        found = table.get(code) or table.get(table.master)
        assert found is not None
        self.language: Language = found
        self.catalogs = engine.catalogs

    def say(self, text: Any, **values: object) -> str:
        """``text`` in her language with ``values`` filled (numbers in her digits)."""
        filled = {
            k: native_digits(str(v), self.language) if isinstance(v, int) else v
            for k, v in values.items()
        }
        return self.catalogs.fill(
            self.language, self.catalogs.translate(self.language, text), filled
        )

    def answers(self, answers: Mapping[str, Any]) -> str:
        """Her answers as the hub shows them."""
        hours = _number(answers.get("hours"), MOST_HOURS)
        travel = _number(answers.get("travel_km"), 0)
        return self.say(
            t.PROFILE,
            german=self.say(t.GERMAN.get(str(answers.get("german")), t.GERMAN["none"])),
            hours=self.say(t.HOURS_MORE) if hours > 30 else self.say(t.HOURS_UP_TO, hours=hours),
            travel=self.say(t.TRAVEL_KM, km=travel) if travel else self.say(t.TRAVEL_TOWN),
        )


class ProfileReplies:
    """Answers her hub, stores and deletes her answers (a reply source that also writes)."""

    handles: tuple[type, ...] = (ShowJobProfile, SaveJobProfile, ForgetJobProfile)

    def __init__(self, engine: FlowEngine, _settings: Settings) -> None:
        self.engine = engine

    def replies(
        self, conn: Connection, effect: Any, target: Target, now: datetime
    ) -> Sequence[HostReply]:
        words = Words(self.engine, effect.language)
        person_id = target.person_id
        if isinstance(effect, SaveJobProfile):
            self.save(conn, effect, person_id, now)
            text = words.say(t.SAVED)
        elif isinstance(effect, ForgetJobProfile):
            conn.execute(delete(job_profiles).where(job_profiles.c.person_id == person_id))
            text = words.say(t.FORGOTTEN)
        elif (answers := answers_of(conn, person_id)) is not None:
            text = words.answers(answers)
        else:
            interests = conn.execute(
                select(people.c.interests).where(people.c.id == person_id)
            ).scalar()
            text = words.say(
                t.NO_PROFILE_INTERESTED if INTEREST in (interests or []) else t.NO_PROFILE
            )
        return [HostReply(Reply(text, (), words.language.code, words.language.rtl))]

    @staticmethod
    def save(conn: Connection, effect: SaveJobProfile, person_id: int, now: datetime) -> None:
        """Insert or replace her answers (kinds she asked more of are kept)."""
        before = answers_of(conn, person_id)
        answers: dict[str, Any] = {
            "german": effect.german,
            "hours": effect.hours,
            "travel_km": effect.travel_km,
        }
        if before is None:
            conn.execute(
                insert(job_profiles).values(person_id=person_id, answers=answers, updated_at=now)
            )
            return
        if before.get("kinds"):
            answers["kinds"] = list(before["kinds"])
        conn.execute(
            update(job_profiles)
            .where(job_profiles.c.person_id == person_id)
            .values(answers=answers, updated_at=now)
        )


def make_replies(engine: FlowEngine, settings: Settings) -> ProfileReplies:
    """The reply source factory the part declares."""
    return ProfileReplies(engine, settings)


ACTIONS = {
    "show_job_profile": show_job_profile,
    "save_job_profile": save_job_profile,
    "forget_job_profile": forget_job_profile,
}

__all__ = [
    "ACTIONS",
    "ForgetJobProfile",
    "ProfileReplies",
    "SaveJobProfile",
    "ShowJobProfile",
    "answers_of",
    "make_replies",
]
