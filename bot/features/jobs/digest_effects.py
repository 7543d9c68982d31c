"""The weekly digest in her chat: one offer's card at a time, and what her answers stand for.

The nudge that starts a digest (:mod:`.digest_nudges`) puts the cards, already in her
language, into her working data: ``v_count`` cards ``v_card1`` … with their offers
``v_offer1`` … and the team's line for each (``v_staff1`` …).  ``job_next_card`` moves the
next card into ``v_card``/``v_offer`` (or empties them: the flow's ``skip_if: empty:v_card``
then ends the digest); showing a card records that she was told of that offer
(:class:`JobCardShown`), so an offer she never got to see is not used up.

Her answers are effects, checked by :mod:`.digest_writer` against the stored notice:
"✋ Interessiert" also leaves an item in the team's inbox (the offer and her answers) without
handing her chat over, so she can go on with the next card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.features.jobs.kinds import INTERESTED, MORE_LIKE_THIS, NOT_FOR_ME
from conversations import Turn
from conversations.actions import to_team
from conversations.events import FeatureEffect

#: Working data: the card shown now, its offer, where she is, how many there are.
CARD, OFFER, STAFF, POSITION, COUNT = "v_card", "v_offer", "v_staff", "v_position", "v_count"
#: Working data: which digest the cards belong to (``<person>:<local date>``).
DIGEST = "v_digest"
#: The inbox thread's reason for "✋ Interessiert" (the inbox names it "Interesse").
REASON = "interested"
ANSWERS = (INTERESTED, NOT_FOR_ME, MORE_LIKE_THIS)


@dataclass(frozen=True, slots=True)
class JobCardShown(FeatureEffect):
    """She was shown the card of ``offer_id`` (in the digest ``digest``)."""

    offer_id: int
    digest: str


@dataclass(frozen=True, slots=True)
class JobAnswer(FeatureEffect):
    """Her answer to one offer: ``interested``, ``not_for_me``, ``more_like_this``."""

    offer_id: int
    answer: str


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def job_next_card(turn: Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Move the digest's next card into ``v_card`` (or empty it when none is left), and
    record that she sees it."""
    if turn.conversation is None:
        return
    data = turn.conversation.data
    position = (_number(data.get(POSITION)) or 0) + 1
    count = _number(data.get(COUNT)) or 0
    offer = _number(data.get(f"{OFFER}{position}"))
    if position > count or offer is None:
        for key in [
            k for k in data if k.startswith((CARD, OFFER, STAFF, POSITION, COUNT, DIGEST))
        ]:
            del data[key]
        data[CARD] = ""
        return
    data[POSITION] = position
    data[CARD] = str(data.pop(f"{CARD}{position}", ""))
    data[OFFER] = offer
    data[STAFF] = str(data.pop(f"{STAFF}{position}", ""))
    turn.effects.append(JobCardShown(offer, str(data.get(DIGEST, ""))))


def job_answer(turn: Turn, args: Mapping[str, Any], _value: Any) -> None:
    """Her answer to the card shown (``answer``); "interested" also reaches the team."""
    data = turn.conversation.data if turn.conversation else {}
    offer, answer = _number(data.get(OFFER)), str(args.get("answer"))
    if offer is None or answer not in ANSWERS:
        return
    turn.effects.append(JobAnswer(offer, answer))
    if answer == INTERESTED:
        to_team(turn, str(data.get(STAFF) or ""), REASON, with_team=False)


ACTIONS = {"job_next_card": job_next_card, "job_answer": job_answer}

__all__ = ["ACTIONS", "JobAnswer", "JobCardShown", "job_answer", "job_next_card"]
