"""The core actions flows may call, in one explicit registry.

An action is a small function that only records effects (and updates the turn's profile copy
so later texts in the same turn see the change).  A flow that names an action missing here is
rejected at start-up.  To add one: write the function, add it to :data:`ACTIONS`, use it in a flow
as ``do: [{action: name, arg: value}]``.  A feature brings its own actions (its
``Feature.actions``);
the host passes all of them to :class:`conversations.flow_engine.FlowEngine`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from conversations.events import (
    ForgetPerson,
    JoinByInvite,
    OptIn,
    OptOut,
    RecordConsent,
    RequestHuman,
    SendMyDataExport,
    ShowMyData,
)

#: Where a ``/start <code>`` waits for her consent (an invite code is not personal).
PENDING_INVITE = "invite"

#: What an invite code may look like: Telegram's deep-link alphabet, at most 64 characters.
INVITE_CODE = re.compile(r"[a-z0-9_-]{1,64}")


def invite_code(argument: str | None) -> str | None:
    """The invite code in a ``/start`` argument (case-insensitive), or ``None``."""
    code = (argument or "").strip().lower()
    return code if INVITE_CODE.fullmatch(code) else None


if TYPE_CHECKING:
    from conversations.flow_engine import Turn as _Turn

Action = Callable[["_Turn", Mapping[str, Any], Any], None]


def record_consent(turn: _Turn, args: Mapping[str, Any], _value: Any) -> None:
    """She agreed to the privacy notice: record purposes and wording version."""
    purposes = tuple(str(p) for p in args.get("purposes", ("profile",)))
    turn.effects.append(
        RecordConsent(purposes, str(args.get("wording_version", "1")), turn.language.code)
    )
    turn.profile.consent_given_at = turn.context.now
    turn.profile.status = "active"
    if turn.conversation is not None and PENDING_INVITE in turn.conversation.data:
        turn.effects.append(JoinByInvite(str(turn.conversation.data.pop(PENDING_INVITE))))


def forget_person(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Erase everything about her; the conversation ends with this turn."""
    turn.effects.append(ForgetPerson())
    turn.forgotten = True


def opt_out(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Stop all messages to her."""
    turn.effects.append(OptOut())
    turn.profile.status = "opted_out"


def opt_in(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Resume messages to her."""
    turn.effects.append(OptIn())
    turn.profile.status = "active"


def request_human(turn: _Turn, _args: Mapping[str, Any], value: Any) -> None:
    """Put what she wrote into the coordinators' inbox, with her language shown."""
    turn.effects.append(RequestHuman(str(value or ""), turn.language.code))


def show_my_data(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Show her what is stored about her (the host reads it and writes the messages)."""
    turn.effects.append(ShowMyData(turn.language.code, turn.language.rtl))


def export_my_data(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Send her everything stored about her as a file (made when the message goes out)."""
    turn.effects.append(SendMyDataExport(turn.language.code, turn.language.rtl))


# ---- the registry ---------------------------------------------------------------------------

ACTIONS: dict[str, Action] = {
    "record_consent": record_consent,
    "forget_person": forget_person,
    "opt_out": opt_out,
    "opt_in": opt_in,
    "request_human": request_human,
    "show_my_data": show_my_data,
    "export_my_data": export_my_data,
}
