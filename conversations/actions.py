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

from conversations.consent import MESSAGES, PROFILE, wording_hash
from conversations.events import (
    ForgetPerson,
    JoinByInvite,
    OptIn,
    OptOut,
    RecordConsent,
    RequestHuman,
    SendMyDataExport,
    ShowMyData,
    WithdrawConsent,
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


def purposes_of(args: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``purposes`` an action names (validated against the registry when flows load)."""
    return tuple(str(p) for p in args.get("purposes", ()))


def shown_wording(turn: _Turn, args: Mapping[str, Any]) -> str:
    """The catalog entry of the question she answered, in her language, placeholders unfilled.

    The question is the node she is at (the choice whose button carries the action) or, for
    an action elsewhere, the node named by ``wording: flow.node``.
    """
    target = args.get("wording")
    if target:
        flow_id, node_id = str(target).split(".", 1)
    else:
        assert turn.conversation is not None, "record_consent runs at a question"
        flow_id, node_id = turn.conversation.flow, turn.conversation.node
    node = turn.engine.node(flow_id, node_id)
    assert node.text is not None, f"{flow_id}.{node_id} has no text to consent to"
    text = turn.engine.text(flow_id, node_id, "text", node.text)
    return turn.engine.catalogs.translate(turn.language, text)


def record_consent(turn: _Turn, args: Mapping[str, Any], _value: Any) -> None:
    """She said yes to a question: record each purpose with the fingerprint of its wording
    (not again a purpose she agrees to already).

    ``profile`` is the consent to the privacy notice: it signs her up (and joins the course
    an invite code named).  Other purposes only add to what she agreed to.
    """
    purposes = tuple(p for p in purposes_of(args) if p not in turn.profile.consents)
    if not purposes:
        return  # agreed already: the first record stands
    wording = shown_wording(turn, args)
    turn.effects.append(
        RecordConsent(purposes, wording_hash(wording), wording, turn.language.code)
    )
    turn.profile.consents = turn.profile.consents | set(purposes)
    if PROFILE not in purposes:
        return
    turn.profile.consent_given_at = turn.context.now
    turn.profile.status = "active"
    if turn.conversation is not None and PENDING_INVITE in turn.conversation.data:
        turn.effects.append(JoinByInvite(str(turn.conversation.data.pop(PENDING_INVITE))))


def withdraw_consent(turn: _Turn, args: Mapping[str, Any], _value: Any) -> None:
    """She took back some purposes (not ``profile``: that is erasure, ``forget_person``).

    Emitted even when her profile copy shows none of them: the stored records decide (ending
    what is not there changes nothing).
    """
    purposes = purposes_of(args)
    turn.effects.append(WithdrawConsent(purposes))
    turn.profile.consents = turn.profile.consents - set(purposes)


def forget_person(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Erase everything about her; the conversation ends with this turn."""
    turn.effects.append(ForgetPerson())
    turn.forgotten = True


def opt_out(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Stop all messages to her: her consent to ``messages`` is withdrawn now."""
    turn.effects.append(OptOut())
    turn.profile.status = "opted_out"
    withdraw_consent(turn, {"purposes": [MESSAGES]}, None)


def opt_in(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """She is back after opting out; messages resume only once she says yes to them again."""
    turn.effects.append(OptIn())
    turn.profile.status = "active"


def to_team(
    turn: _Turn,
    text: str,
    reason: str = "request",
    media_kind: str | None = None,
    urgent: bool = False,
    with_team: bool = True,
) -> None:
    """Put what she wrote (or sent) into the team's inbox; from now on she is with the team.

    The host adds it to her open conversation with a person or opens one (``reason``: why);
    while it is open her texts go to the team and the bot stays silent (see
    :meth:`conversations.flow_engine.Turn.run`).  Features call this too (courses: "I can't
    come: childcare").  ``with_team=False`` leaves an item for the team while she goes on
    with the bot (a job offer she is interested in); the team's first reply connects her.
    """
    turn.effects.append(
        RequestHuman(text, turn.language.code, reason, media_kind, urgent, with_team)
    )
    if with_team and turn.profile.with_team_since is None:
        turn.profile.with_team_since = turn.context.now


def request_human(turn: _Turn, _args: Mapping[str, Any], value: Any) -> None:
    """Put what she wrote into the team's inbox, with her language shown."""
    to_team(turn, str(value or ""), "request")


def show_my_data(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Show her what is stored about her (the host reads it and writes the messages)."""
    turn.effects.append(ShowMyData(turn.language.code, turn.language.rtl))


def export_my_data(turn: _Turn, _args: Mapping[str, Any], _value: Any) -> None:
    """Send her everything stored about her as a file (made when the message goes out)."""
    turn.effects.append(SendMyDataExport(turn.language.code, turn.language.rtl))


# ---- the registry ---------------------------------------------------------------------------

ACTIONS: dict[str, Action] = {
    "record_consent": record_consent,
    "withdraw_consent": withdraw_consent,
    "forget_person": forget_person,
    "opt_out": opt_out,
    "opt_in": opt_in,
    "request_human": request_human,
    "show_my_data": show_my_data,
    "export_my_data": export_my_data,
}
