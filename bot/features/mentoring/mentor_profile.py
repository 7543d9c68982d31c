"""A mentor's profile as she answers in the chat: the effects her answers become, the flow
actions that make them, and :func:`store`, which writes them to ``mentor_profiles``.

The questions keep their answers in the conversation's working data (``m_languages``,
``m_topics``, ``m_capacity``, ``m_time``); an action takes what is there, clears it, and
records one effect, so a later change of one answer does not write the others again.  All
her questions answered make the profile ``active`` (the matching reads only active mentors);
a single change keeps the status as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from bot.db.tables import mentor_profiles, people
from bot.features.mentoring.chat_values import day_of
from bot.features.mentoring.topics import AVAILABILITY, CAPACITIES, TOPICS
from conversations import Turn
from conversations.events import FeatureEffect

#: Working-data keys of her answers (``save_as`` in ``flows/mentor.yaml``).
LANGUAGES, TOPICS_KEY, CAPACITY, TIME, PAUSE_DATE = (
    "m_languages",
    "m_topics",
    "m_capacity",
    "m_time",
    "m_pause_date",
)
#: The date a pause ends, for the text that confirms it.
UNTIL = "v_until"
#: The longest pause a typed date may ask for (a later date is cut to this).
LONGEST_PAUSE_DAYS = 366

ACTIVE, INCOMPLETE, RETIRED = "active", "incomplete", "retired"

#: The choice ids of "how many women?" (``ask_capacity``) and the capacity each means.
_CAPACITY_IDS = dict(zip(("one", "two", "three"), CAPACITIES, strict=True))


@dataclass(frozen=True, slots=True)
class SaveMentorProfile(FeatureEffect):
    """Her answers: ``None`` leaves a field as it is; ``complete`` makes the profile active."""

    languages: tuple[str, ...] | None = None
    topics: tuple[str, ...] | None = None
    availability: tuple[str, ...] | None = None
    capacity: int | None = None
    complete: bool = False


@dataclass(frozen=True, slots=True)
class PauseMentor(FeatureEffect):
    """No new introductions before ``until`` (``None``: the pause ends now)."""

    until: datetime | None


@dataclass(frozen=True, slots=True)
class RetireMentor(FeatureEffect):
    """She no longer wants to be introduced; her live matches go on until they end."""


def _ids(value: Any, allowed: Sequence[str]) -> tuple[str, ...] | None:
    """The known ids of a multiple-choice answer, in the order offered; ``None`` if none."""
    if not isinstance(value, list):
        return None
    chosen = tuple(i for i in allowed if i in value)
    return chosen or None


def _answers(turn: Turn) -> dict[str, Any]:
    """Her answers since the last save, taken out of the working data."""
    data = turn.conversation.data if turn.conversation else {}
    offered = [lang.code for lang in turn.offered_languages()]
    languages = data.pop(LANGUAGES, None)
    topics = data.pop(TOPICS_KEY, None)
    times = data.pop(TIME, None)
    capacity = data.pop(CAPACITY, None)
    return {
        "languages": _ids(languages, offered),
        "topics": _ids(topics, list(TOPICS)),
        "availability": _ids(times, AVAILABILITY),
        "capacity": _CAPACITY_IDS.get(str(capacity)),
    }


def save_mentor_profile(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """All her questions are answered: store them and make her profile active.

    A question finished with nothing ticked keeps what she said before; a first profile
    without a language gets her own (the language she writes to us in).
    """
    answers = _answers(turn)
    if answers["languages"] is None and turn.profile.language:
        answers["languages"] = (turn.profile.language,)
    turn.effects.append(SaveMentorProfile(**answers, complete=True))


def change_mentor_profile(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She changed one answer: store only that one."""
    answers = _answers(turn)
    if any(value is not None for value in answers.values()):
        turn.effects.append(SaveMentorProfile(**answers))


def _end_of_pause(turn: Turn, args: Mapping[str, Any]) -> datetime:
    """When the pause ends: ``days`` from now, or the start of the day she typed (at least
    tomorrow, at most a year ahead), in her organisation's time zone."""
    now = turn.context.now
    zone = ZoneInfo(turn.organisation.timezone)
    today = now.astimezone(zone).date()
    data = turn.conversation.data if turn.conversation else {}
    typed = data.pop(PAUSE_DATE, None)
    if "days" in args:
        day = today + timedelta(days=int(args["days"]))
    else:
        try:
            day = date.fromisoformat(str(typed))
        except ValueError:
            day = today + timedelta(days=1)
    day = min(max(day, today + timedelta(days=1)), today + timedelta(days=LONGEST_PAUSE_DAYS))
    return datetime.combine(day, time(0, 0), zone).astimezone(now.tzinfo)


def pause_mentor(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """Pause her introductions (``days: N``, or the date she typed) and keep the date, in
    her language, for the text that confirms it."""
    until = _end_of_pause(turn, args)
    if turn.conversation is not None:
        turn.conversation.data[UNTIL] = day_of(until, turn.language, turn.organisation.timezone)
    turn.effects.append(PauseMentor(until))


def resume_mentor(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """End her pause now."""
    turn.effects.append(PauseMentor(None))


def retire_mentor(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She stops being a mentor (her profile stays, ``retired``, until she is erased)."""
    turn.effects.append(RetireMentor())


def store(conn: Connection, effect: FeatureEffect, person_id: int, now: datetime) -> None:
    """Write one of her changes at once, in the turn's transaction: her hub, shown next in
    the same turn, reads it (``mentor_summary``).  A profile is created ``incomplete`` and
    becomes ``active`` when every question is answered."""
    change: dict[str, Any] = {}
    if isinstance(effect, SaveMentorProfile):
        for field in ("languages", "topics", "availability", "capacity"):
            value = getattr(effect, field)
            if value is not None:
                change[field] = list(value) if isinstance(value, tuple) else value
        if effect.complete:
            change["status"] = ACTIVE
    elif isinstance(effect, PauseMentor):
        change["paused_until"] = effect.until
    elif isinstance(effect, RetireMentor):
        change["status"] = RETIRED
    done = conn.execute(
        update(mentor_profiles)
        .where(mentor_profiles.c.person_id == person_id)
        .values(**change, updated_at=now)
    )
    if done.rowcount:
        return
    organisation_id = conn.execute(
        select(people.c.organisation_id).where(people.c.id == person_id)
    ).scalar()
    if organisation_id is None:
        return
    conn.execute(
        insert(mentor_profiles).values(
            {
                "languages": [],
                "topics": [],
                "availability": [],
                "capacity": 1,
                "status": INCOMPLETE,
                **change,
                "person_id": person_id,
                "organisation_id": organisation_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    )


#: The effects :func:`store` writes.
CHANGES: tuple[type, ...] = (SaveMentorProfile, PauseMentor, RetireMentor)


ACTIONS = {
    "save_mentor_profile": save_mentor_profile,
    "change_mentor_profile": change_mentor_profile,
    "pause_mentor": pause_mentor,
    "resume_mentor": resume_mentor,
    "retire_mentor": retire_mentor,
}

__all__ = [
    "ACTIONS",
    "CHANGES",
    "PauseMentor",
    "RetireMentor",
    "SaveMentorProfile",
    "store",
]
