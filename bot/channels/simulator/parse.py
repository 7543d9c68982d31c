"""The simulator's JSON → one channel-neutral :class:`~bot.channels.messages.Inbound`.

``{"user": …, "text": …}`` or ``{"user": …, "choice": …}``; ``/start <code>`` is a start with an
invite code; a malformed body is a :class:`SimulatorInputError` whose message says what is
wrong (the API answers 422 with it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from bot.channels.messages import Inbound
from conversations.events import ChoiceIn, Event, StartIn, TextIn
from conversations.matching import clean_text

CHANNEL = "simulator"
MAX_USER_ID = 64


class SimulatorInputError(ValueError):
    """The simulator request is malformed; the message says what is wrong."""


def parse_request(body: Any, now: datetime) -> Inbound:
    """Turn ``{"user": …, "text": …}`` or ``{"user": …, "choice": …}`` into an inbound event."""
    if not isinstance(body, dict):
        raise SimulatorInputError("the body must be a JSON object")
    user = body.get("user")
    if not isinstance(user, str | int) or isinstance(user, bool) or not str(user).strip():
        raise SimulatorInputError("'user' is required: any id for the test user, e.g. \"amina\"")
    user = str(user).strip()
    if len(user) > MAX_USER_ID:
        raise SimulatorInputError(f"'user' must be at most {MAX_USER_ID} characters")
    if not user.isprintable():
        raise SimulatorInputError("'user' must not contain control characters")
    text, choice = body.get("text"), body.get("choice")
    event: Event
    if choice is not None:
        if not isinstance(choice, str) or not choice or len(choice) > 128:
            raise SimulatorInputError("'choice' must be a choice id from a reply (a string)")
        if not choice.isprintable():
            raise SimulatorInputError("'choice' must not contain control characters")
        event = ChoiceIn(choice)
    elif text is not None:
        if not isinstance(text, str):
            raise SimulatorInputError("'text' must be a string")
        if len(text) > 20_000:
            raise SimulatorInputError("'text' is too long (at most 20000 characters)")
        stripped = text.strip()
        if stripped.startswith("/start"):
            event = StartIn(clean_text(stripped.removeprefix("/start"))[:64] or None)
        else:
            event = TextIn(text)
    else:
        raise SimulatorInputError("send either 'text' or 'choice'")
    message_id = body.get("id")
    if message_id is not None and (
        not isinstance(message_id, str) or len(message_id) > 100 or not message_id.isprintable()
    ):
        raise SimulatorInputError("'id' must be printable text of at most 100 characters")
    hint = body.get("language")
    return Inbound(
        channel=CHANNEL,
        address=user,
        external_id=message_id or uuid.uuid4().hex,
        event=event,
        received_at=now,
        language_hint=hint if isinstance(hint, str) and len(hint) <= 16 else None,
    )


def shown_text(inbound: Inbound, labels: dict[str, str] | None = None) -> str:
    """What her own message looks like on the simulated screen."""
    event = inbound.event
    if isinstance(event, TextIn):
        return clean_text(event.text)
    if isinstance(event, ChoiceIn):
        return (labels or {}).get(event.choice_id, event.choice_id)
    if isinstance(event, StartIn):
        return f"/start {event.code}" if event.code else "/start"
    return ""


__all__ = ["CHANNEL", "MAX_USER_ID", "SimulatorInputError", "parse_request", "shown_text"]
