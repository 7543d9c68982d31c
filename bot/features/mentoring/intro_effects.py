"""What a woman's answers in an introduction stand for (``flows/intro.yaml``): the effects,
and the flow actions that emit them.

Actions only record effects; :mod:`.intro_writer` checks each against the match as stored (she
must be a side of it, the match in the state the answer belongs to) and moves it on.  The
match a conversation is about is ``v_match_id``, put into her working data by the nudge that
asked her (:mod:`.intro_nudges`) or by choosing a partner (``intro.contacts``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations import Turn
from conversations.actions import to_team
from conversations.events import FeatureEffect
from conversations.flow_engine import Option
from conversations.spec import ActionCall, Node

#: Working data: the match the conversation is about, and the other woman's first name.
MATCH = "v_match_id"
NAME = "v_name"
TEXT = "v_text"
#: Working data: the women she is in contact with, ``{match id: first name}``.
PARTNERS = "intro_partners"
ANSWERS = ("yes", "no", "not_now")
CONTACT_WAYS = ("relay", "shared")
SCORES = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class IntroAnswer(FeatureEffect):
    """Her yes, no or "not now" to an introduction."""

    match_id: int
    answer: str


@dataclass(frozen=True, slots=True)
class IntroContact(FeatureEffect):
    """How she wants to be reached: ``relay`` (through the bot) or ``shared``."""

    match_id: int
    how: str


@dataclass(frozen=True, slots=True)
class IntroRelay(FeatureEffect):
    """A message for the other woman (goes out encrypted, kept nowhere else)."""

    match_id: int
    text: str


@dataclass(frozen=True, slots=True)
class IntroStep(FeatureEffect):
    """A step without more to say: ``end``, ``problem``, ``met``, ``not_yet``."""

    match_id: int
    step: str


@dataclass(frozen=True, slots=True)
class IntroRate(FeatureEffect):
    """Was it helpful: 1 (😞) to 4 (😀)."""

    match_id: int
    score: int


def match_of(turn: Turn) -> int | None:
    """The match her conversation is about, if any."""
    if turn.conversation is None:
        return None
    try:
        return int(turn.conversation.data[MATCH])
    except (KeyError, TypeError, ValueError):
        return None


def intro_answer(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """She answered the introduction (``answer``: yes, no, not_now)."""
    match_id, answer = match_of(turn), str(args.get("answer"))
    if match_id is not None and answer in ANSWERS:
        turn.effects.append(IntroAnswer(match_id, answer))


def intro_contact(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """She chose how to be reached (``how``: relay, shared)."""
    match_id, how = match_of(turn), str(args.get("how"))
    if match_id is not None and how in CONTACT_WAYS:
        turn.effects.append(IntroContact(match_id, how))


def intro_relay(turn: Turn, _args: Mapping[str, Any], value: Any) -> None:
    """She wrote to the other woman: pass it on.  The message she read last is dropped from
    her working data (the outbox keeps it, encrypted; nothing else does)."""
    match_id = match_of(turn)
    if turn.conversation is not None:
        turn.conversation.data.pop(TEXT, None)
    if match_id is not None and str(value or "").strip():
        turn.effects.append(IntroRelay(match_id, str(value)))


def _step(step: str) -> Any:
    def action(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
        match_id = match_of(turn)
        if match_id is not None:
            turn.effects.append(IntroStep(match_id, step))

    action.__doc__ = f"Record the step ``{step}`` of her match."
    return action


def intro_end(turn: Turn, args: Mapping[str, Any], value: Any) -> None:
    """She ends the contact: the other woman is told kindly (:mod:`.intro_writer`)."""
    _step("end")(turn, args, value)
    intro_forget_partner(turn, args, value)


def intro_problem(turn: Turn, _args: Mapping[str, Any], value: Any) -> None:
    """She reports a problem: what she wrote goes to the team's inbox, marked urgent."""
    match_id = match_of(turn)
    to_team(turn, str(value or ""), "mentoring", urgent=True)
    if match_id is not None:
        turn.effects.append(IntroStep(match_id, "problem"))


def intro_rate(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """Her optional rating when the match ended (``score`` 1–4 from the flow file)."""
    match_id = match_of(turn)
    try:
        score = int(args.get("score", 0))
    except (TypeError, ValueError):
        return
    if match_id is not None and score in SCORES:
        turn.effects.append(IntroRate(match_id, score))


def intro_keep_partner(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Remember the woman she is in contact with (the choices of ``intro.contacts``)."""
    match_id = match_of(turn)
    if turn.conversation is None or match_id is None:
        return
    partners = dict(turn.conversation.data.get(PARTNERS) or {})
    partners[str(match_id)] = str(turn.conversation.data.get(NAME) or "")
    turn.conversation.data[PARTNERS] = partners


def intro_forget_partner(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """The contact ended: she no longer chooses that woman to write to."""
    match_id = match_of(turn)
    if turn.conversation is None or match_id is None:
        return
    partners = dict(turn.conversation.data.get(PARTNERS) or {})
    partners.pop(str(match_id), None)
    turn.conversation.data[PARTNERS] = partners


def intro_pick(turn: Turn, _args: Mapping[str, Any], value: Any) -> None:
    """She chose whom to write to (``intro.contacts``)."""
    if turn.conversation is None:
        return
    partners = turn.conversation.data.get(PARTNERS) or {}
    if str(value) in partners:
        turn.conversation.data[MATCH] = int(value)
        turn.conversation.data[NAME] = partners[str(value)]


#: Where choosing a woman leads, per node that lists them: write to her, or end the contact
#: (``intro.end_which``, reached by the word "beenden" from anywhere).
_AFTER_PICK = {"end_which": ("confirm_end", "🔚")}


def mentoring_partners(turn: Turn, node: Node) -> list[Option]:
    """The women she is in contact with, as choices (a mentor may have several)."""
    partners = (turn.conversation.data.get(PARTNERS) if turn.conversation else None) or {}
    after, mark = _AFTER_PICK.get(node.id, ("chat", "💬"))
    return [
        Option(
            f"m{match_id}",
            f"{mark} {name}"[:20],
            match_id,
            next=after,
            do=(ActionCall("intro_pick"),),
        )
        for match_id, name in sorted(partners.items(), key=lambda item: int(item[0]))
    ]


ACTIONS = {
    "intro_answer": intro_answer,
    "intro_contact": intro_contact,
    "intro_relay": intro_relay,
    "intro_end": intro_end,
    "intro_problem": intro_problem,
    "intro_rate": intro_rate,
    "intro_met": _step("met"),
    "intro_not_yet": _step("not_yet"),
    "intro_keep_partner": intro_keep_partner,
    "intro_forget_partner": intro_forget_partner,
    "intro_pick": intro_pick,
}

__all__ = [
    "ACTIONS",
    "IntroAnswer",
    "IntroContact",
    "IntroRate",
    "IntroRelay",
    "IntroStep",
    "mentoring_partners",
]
