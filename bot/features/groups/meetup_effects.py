"""The meetup's chat side: the actions of ``flows/meetup.yaml``, their effects, and the
choices built from her working data.

The engine holds no database, so what a question offers comes from her working data: the
times of a vote (``v_opts``, put there by the ``meetup_vote`` nudge), an organiser's open
meetups (``v_mine``, kept when she is asked to vote on a meetup she organises).  Everything
that is stored or checked (may she propose? is she still a member? is the vote still open?)
is done by :mod:`.meetup_replies` in the turn's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import format_skeleton, format_time

from bot.features.groups.meetup_times import deadline_for, read_time
from conversations import Turn
from conversations.events import FeatureEffect
from conversations.flow_engine import Option
from conversations.i18n import local_time, native_digits
from conversations.languages import Language
from conversations.spec import ActionCall, Node

#: Working data of a proposal being written (cleared when it is sent or dropped).
GROUP, WHAT, PLACE, TIMES, BAD = "v_group", "v_what", "v_place", "m_times", "v_bad"
SHOWN_TIMES, DEADLINE, DEADLINE_TEXT = "v_times", "m_deadline", "v_deadline"
#: Working data of a vote (from the nudge) and of an organiser's hub.
MEETUP, OPTIONS, PICKED, ORGANISER, MINE = (
    "v_meetup",
    "v_opts",
    "v_picked",
    "v_organiser",
    "v_mine",
)
#: The group's usual places, if the groups chat gives them along with ``v_group``.
PLACES = "v_places"
NONE_FITS = "none"
ANSWERS = ("yes", "maybe", "no")
DRAFT = (WHAT, PLACE, TIMES, BAD, SHOWN_TIMES, DEADLINE, DEADLINE_TEXT, "v_t1", "v_t2", "v_t3")


def _day_and_time(skeleton: str, moment: datetime, language: Language, timezone: str) -> str:
    local = local_time(moment, timezone)
    day = format_skeleton(skeleton, local, locale=language.babel_locale)
    clock = format_time(local, "short", locale=language.babel_locale)
    comma = "، " if language.rtl else ", "
    return native_digits(f"{day}{comma}{clock}", language)


def when(moment: datetime, language: Language, timezone: str) -> str:
    """A day with its weekday and a time in her language ("Sa., 12.12., 15:00"), for texts."""
    return _day_and_time("MEd", moment, language, timezone)


def button_when(moment: datetime, language: Language, timezone: str) -> str:
    """The same without the weekday ("12.12., 15:00"): at most 17 characters in every
    language, so a WhatsApp button (20) keeps the time whole."""
    return _day_and_time("Md", moment, language, timezone)[:20]


@dataclass(frozen=True, slots=True)
class ProposeMeetup(FeatureEffect):
    """Her proposal: ask every active member of ``group_id`` (or of the group she picked on
    her groups hub, ``picked``: the host reads it again)."""

    group_id: int | None
    title: str
    place: str
    times: tuple[str, ...]
    """The options, ISO 8601 UTC, in order."""
    deadline: str
    language: str
    picked: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class ShowPlaces(FeatureEffect):
    """List the group's usual places (she types the number or another place)."""

    group_id: int | None
    language: str
    picked: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class MeetupVote(FeatureEffect):
    """Her votes: the positions that fit (empty: none fits)."""

    meetup_id: int
    positions: tuple[int, ...]
    language: str


@dataclass(frozen=True, slots=True)
class ShowMeetupCounts(FeatureEffect):
    """An organiser's hub: how many can come at each time."""

    meetup_id: int
    language: str


@dataclass(frozen=True, slots=True)
class ConfirmMeetup(FeatureEffect):
    """An organiser confirms the time at ``position``: everyone is told."""

    meetup_id: int
    position: int
    language: str


@dataclass(frozen=True, slots=True)
class MeetupAnswer(FeatureEffect):
    """Her answer to a confirmed meetup: ``yes``, ``maybe``, ``no``."""

    meetup_id: int
    answer: str
    language: str


@dataclass(frozen=True, slots=True)
class MoveMeetup(FeatureEffect):
    """An organiser moves a confirmed meetup to ``starts_at`` (ISO 8601 UTC)."""

    meetup_id: int
    starts_at: str
    language: str


@dataclass(frozen=True, slots=True)
class CancelMeetup(FeatureEffect):
    """An organiser cancels a meetup."""

    meetup_id: int
    language: str


@dataclass(frozen=True, slots=True)
class RateMeetup(FeatureEffect):
    """ "How was it?": 1 (😞) to 4 (😀)."""

    meetup_id: int
    rating: int
    language: str


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _data(turn: Turn) -> dict[str, Any]:
    return turn.conversation.data if turn.conversation else {}


#: Working data of the groups chat: the list she saw and the number she picked (the engine
#: keeps no ids: ``group_chat.picked_group_id`` reads the group again).
PICKED_LIST, PICKED_NUMBER = "g_list", "g_pick"


def group_of(data: Mapping[str, Any]) -> tuple[int | None, tuple[str, int] | None]:
    """The group a proposal is for: ``v_group`` (set by a trigger), else the group she
    picked on her groups hub."""
    group = _number(data.get(GROUP))
    if group is not None:
        return group, None
    pick = _number(data.get(PICKED_NUMBER))
    if pick is None:
        return None, None
    return None, (str(data.get(PICKED_LIST) or ""), pick)


def meetup_from_group(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """ "📅 Treffen vorschlagen" on a group's card: the proposal is for the group she picked
    there (an earlier proposal's group is forgotten)."""
    data = _data(turn)
    data.pop(GROUP, None)
    data.pop(PLACES, None)


def meetup_begin(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """A new proposal: forget an earlier draft."""
    data = _data(turn)
    for key in DRAFT:
        data.pop(key, None)


def meetup_places(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Before "where?": the group's usual places as a list to copy from, unless the groups
    chat put them into ``v_places`` (then they are buttons: :func:`place_choices`)."""
    data = _data(turn)
    group, picked = group_of(data)
    if (group is not None or picked is not None) and not data.get(PLACES):
        turn.effects.append(ShowPlaces(group, turn.language.code, picked))


def meetup_read_time(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """Read the time she typed for option ``slot`` (1..3); ``v_bad`` says it was not
    understood (the flow asks again).  The times so far are shown in her language."""
    data = _data(turn)
    slot = _number(args.get("slot")) or 1
    timezone = turn.organisation.timezone
    moment = read_time(str(data.get(f"v_t{slot}", "")), turn.context.now, timezone)
    if moment is None:
        data[BAD] = "1"
        return
    data[BAD] = ""
    times = [t for t in list(data.get(TIMES) or [])[: slot - 1]]
    times.append(moment.isoformat())
    data[TIMES] = times
    moments = [datetime.fromisoformat(t) for t in times]
    data[SHOWN_TIMES] = "\n".join(
        f"{native_digits(str(n), turn.language)}. {when(m, turn.language, timezone)}"
        for n, m in enumerate(moments, start=1)
    )
    deadline = deadline_for(min(moments), turn.context.now)
    data[DEADLINE] = deadline.isoformat()
    data[DEADLINE_TEXT] = when(deadline, turn.language, timezone)


def meetup_propose(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She confirmed her proposal: hand it to the host (which checks she may propose)."""
    data = _data(turn)
    group, picked = group_of(data)
    times = tuple(str(t) for t in (data.get(TIMES) or []))
    if (group is not None or picked is not None) and times and data.get(DEADLINE):
        turn.effects.append(
            ProposeMeetup(
                group,
                str(data.get(WHAT, ""))[:200],
                str(data.get(PLACE, ""))[:300],
                times[:3],
                str(data[DEADLINE]),
                turn.language.code,
                picked,
            )
        )
    meetup_begin(turn, {}, None)


def meetup_keep(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """On a vote for a meetup she organises: remember it for her hub ("treffen")."""
    data = _data(turn)
    meetup = _number(data.get(MEETUP))
    if meetup is None or not data.get(ORGANISER):
        return
    mine = dict(data.get(MINE) or {})
    mine[str(meetup)] = {"t": str(data.get("v_what", "")), "o": list(data.get(OPTIONS) or [])}
    data[MINE] = dict(list(mine.items())[-5:])


def meetup_vote(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She pressed "done": the times she ticked ("none fits" wins over any time)."""
    data = _data(turn)
    meetup = _number(data.get(MEETUP))
    picked = [str(p) for p in (data.pop(PICKED, None) or [])]
    if meetup is None:
        return
    positions: tuple[int, ...] = ()
    if NONE_FITS not in picked:
        positions = tuple(sorted({n for p in picked if (n := _number(p[1:])) is not None}))
    turn.effects.append(MeetupVote(meetup, positions, turn.language.code))


def meetup_pick(turn: Turn, _args: Mapping[str, Any], value: Any) -> None:
    """An organiser picked one of her meetups in the hub."""
    _data(turn)[MEETUP] = value


def meetup_show(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """The hub's counts (read by the host)."""
    meetup = _number(_data(turn).get(MEETUP))
    if meetup is not None:
        turn.effects.append(ShowMeetupCounts(meetup, turn.language.code))


def meetup_confirm(turn: Turn, _args: Mapping[str, Any], value: Any) -> None:
    """She confirmed the time at position ``value``."""
    data = _data(turn)
    meetup, position = _number(data.get(MEETUP)), _number(value)
    if meetup is None or position is None:
        return
    turn.effects.append(ConfirmMeetup(meetup, position, turn.language.code))
    _mark_confirmed(data, meetup)


def _mark_confirmed(data: dict[str, Any], meetup: int) -> None:
    """In her hub the meetup now offers "move" and "cancel" instead of its times."""
    mine = dict(data.get(MINE) or {})
    if str(meetup) in mine:
        mine[str(meetup)] = {**mine[str(meetup)], "c": 1}
    data[MINE] = mine


def meetup_read_move(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """The new time she typed for a confirmed meetup (``v_bad`` when not understood)."""
    data = _data(turn)
    meetup = _number(data.get(MEETUP))
    moment = read_time(str(data.get("v_new", "")), turn.context.now, turn.organisation.timezone)
    if moment is None or meetup is None:
        data[BAD] = "1"
        return
    data[BAD] = ""
    turn.effects.append(MoveMeetup(meetup, moment.isoformat(), turn.language.code))


def meetup_cancel(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She cancels the meetup her hub shows."""
    data = _data(turn)
    meetup = _number(data.get(MEETUP))
    if meetup is None:
        return
    turn.effects.append(CancelMeetup(meetup, turn.language.code))
    mine = dict(data.get(MINE) or {})
    mine.pop(str(meetup), None)
    data[MINE] = mine


def meetup_rate(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """ "How was it?" (1..4)."""
    meetup, rating = _number(_data(turn).get(MEETUP)), _number(args.get("rating"))
    if meetup is not None and rating in (1, 2, 3, 4):
        turn.effects.append(RateMeetup(meetup, rating, turn.language.code))


def meetup_forget(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """The meetup was confirmed on its own: her hub offers "move" and "cancel" now."""
    data = _data(turn)
    meetup = _number(data.get(MEETUP))
    if meetup is not None:
        _mark_confirmed(data, meetup)


def meetup_rsvp(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """Her answer to the confirmed meetup."""
    meetup, answer = _number(_data(turn).get(MEETUP)), str(args.get("answer"))
    if meetup is not None and answer in ANSWERS:
        turn.effects.append(MeetupAnswer(meetup, answer, turn.language.code))


def meetup_times(turn: Turn, _node: Node) -> list[Option]:
    """The vote's times as choices (``t0``…: the option's position)."""
    labels = _data(turn).get(OPTIONS) or []
    return [Option(f"t{n}", str(label)[:20], n) for n, label in enumerate(labels)]


def place_choices(turn: Turn, _node: Node) -> list[Option]:
    """The group's usual places as buttons (when ``v_places`` is given)."""
    places = _data(turn).get(PLACES) or []
    return [Option(f"p{n}", str(p)[:20], str(p)[:300]) for n, p in enumerate(places[:5])]


def meetup_mine(turn: Turn, _node: Node) -> list[Option]:
    """An organiser's open meetups (at most five)."""
    mine = _data(turn).get(MINE) or {}
    return [
        Option(
            f"m{meetup}",
            str(info.get("t", ""))[:20] or f"#{meetup}",
            int(meetup),
            next="status",
            do=(ActionCall("meetup_pick"),),
        )
        for meetup, info in mine.items()
    ]


def meetup_confirm_times(turn: Turn, _node: Node) -> list[Option]:
    """The times of the meetup her hub shows, to confirm one (none once confirmed: then
    it can be moved or cancelled)."""
    data = _data(turn)
    info = (data.get(MINE) or {}).get(str(data.get(MEETUP))) or {}
    if info.get("c"):
        return []
    return [
        Option(f"c{n}", str(label)[:20], n, do=(ActionCall("meetup_confirm"),))
        for n, label in enumerate(info.get("o") or [])
    ]


ACTIONS = {
    "meetup_from_group": meetup_from_group,
    "meetup_begin": meetup_begin,
    "meetup_places": meetup_places,
    "meetup_read_time": meetup_read_time,
    "meetup_propose": meetup_propose,
    "meetup_keep": meetup_keep,
    "meetup_vote": meetup_vote,
    "meetup_pick": meetup_pick,
    "meetup_show": meetup_show,
    "meetup_confirm": meetup_confirm,
    "meetup_rsvp": meetup_rsvp,
    "meetup_forget": meetup_forget,
    "meetup_read_move": meetup_read_move,
    "meetup_cancel": meetup_cancel,
    "meetup_rate": meetup_rate,
}
CHOICE_SOURCES = {
    "meetup_times": meetup_times,
    "meetup_mine": meetup_mine,
    "meetup_places": place_choices,
    "meetup_confirm_times": meetup_confirm_times,
}

__all__ = [
    "ACTIONS",
    "CHOICE_SOURCES",
    "CancelMeetup",
    "ConfirmMeetup",
    "MeetupAnswer",
    "MeetupVote",
    "MoveMeetup",
    "ProposeMeetup",
    "RateMeetup",
    "ShowMeetupCounts",
    "ShowPlaces",
    "button_when",
    "when",
]
