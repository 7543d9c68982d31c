"""The shape of a flow file, as immutable dataclasses.

A flow is a graph of named nodes.  A node says something (``say``), asks for a choice
(``choice``), asks for typed input (``input``) or ends the conversation (``end``).  Node ids are
readable words (``ask_name``) because people edit these files by hand and review them in git.
A target is a node id in the same flow or ``flow.node`` in another flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

NodeType = Literal["say", "choice", "input", "end"]
ValidatorType = Literal["text", "number", "date", "one_of"]
#: The engine's own sources of built choices; a feature may register more by name
#: (``Feature.choice_sources``, e.g. the people a mentor is matched with).
CORE_CHOICE_SOURCES: tuple[str, ...] = ("languages", "towns", "countries", "organisations")
#: Conditions a node may be skipped on (``skip_if``), evaluated by the engine on her turn:
#: ``language_offered`` her organisation offers the language she chose; ``mentor`` /
#: ``participant`` her role (a mentor's onboarding and menu differ from a participant's);
#: ``empty:<key>`` the working data has nothing under ``<key>`` (a ``v_…`` value a feature's
#: action fills: the next card of a digest, none left).
Condition = str
CONDITIONS: tuple[str, ...] = ("language_offered", "mentor", "participant")
EMPTY_CONDITION = re.compile(r"empty:v_[a-z0-9_]{1,40}")


def is_condition(value: object) -> bool:
    """Whether ``value`` is a ``skip_if`` condition the engine knows."""
    return isinstance(value, str) and (
        value in CONDITIONS or EMPTY_CONDITION.fullmatch(value) is not None
    )


#: Spec version written by this code; older files are migrated on load.
CURRENT_SPEC_VERSION = 1
#: Guards against a flow that loops through ``say`` nodes forever.
MAX_STEPS_PER_TURN = 50


@dataclass(frozen=True, slots=True)
class ActionCall:
    """A registered action and the arguments given to it in the flow file."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Validator:
    """What a free-text answer must look like."""

    type: ValidatorType
    min_length: int = 1
    max_length: int = 200
    letters: bool = False
    minimum: float | None = None
    maximum: float | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer offered as a button (or a numbered line where buttons are not possible)."""

    id: str
    label: str
    next: str | None = None
    do: tuple[ActionCall, ...] = ()
    if_consent: str | None = None
    """Offered only while she has this consent (e.g. "stop messages" needs ``messages``)."""
    unless_consent: str | None = None
    """Offered only while she does not have this consent ("turn messages on")."""


@dataclass(frozen=True, slots=True)
class Timeout:
    """If she does not answer within ``seconds``, the host resumes the flow at ``next``."""

    seconds: int
    next: str


@dataclass(frozen=True, slots=True)
class Node:
    """One step of a flow."""

    id: str
    type: NodeType
    text: str | None = None
    #: ``text`` without the placeholders that may be empty (see ``conversations.i18n``).
    neutral: str | None = None
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    """Built choices: one of :data:`CORE_CHOICE_SOURCES` or a feature's registered source."""
    multiple: bool = False
    done_label: str | None = None
    save_as: str | None = None
    validate: Validator | None = None
    next: str | None = None
    do: tuple[ActionCall, ...] = ()
    do_after: tuple[ActionCall, ...] = ()
    timeout: Timeout | None = None
    #: A purpose (``conversations.consent``) she must have agreed to before this node runs;
    #: without it the engine goes to ``consent_question`` instead, a choice whose "yes"
    #: records the consent and leads back here.
    requires_consent: str | None = None
    consent_question: str = ""
    #: Passed over (straight to ``next``, nothing said) while this condition holds:
    #: ``language_offered``: her organisation offers the language she chose.
    skip_if: Condition | None = None
    #: Where a skipped node leads (default: ``next``): a fork by role, for example.
    skip_to: str | None = None
    #: An input node that keeps listening: after its ``do_after`` she stays here and nothing
    #: is asked again (a conversation relayed to another person, message after message).
    listen: bool = False
    #: Whether her answer to this choice question is kept as a flow result (the choice's id,
    #: for the reports' per-flow export).  Off by default for the choices of where she lives
    #: (towns, countries, organisations), and in a file (``results: false``) for answers that
    #: say more than a code should (health).
    results: bool = True

    @property
    def waits(self) -> bool:
        """Whether the conversation stops here until she answers."""
        return self.type in ("choice", "input")


@dataclass(frozen=True, slots=True)
class Flow:
    """A validated flow definition."""

    id: str
    spec_version: int
    start: str
    nodes: dict[str, Node]
    entry_points: tuple[str, ...] = ()
    source: str = "<memory>"
    menu: tuple[Choice, ...] = ()
    """Entries this flow adds to the main menu (``main.menu``), before the core's own: a
    feature is reached from the menu without editing ``main.yaml``.  Each entry's ``next``
    is resolved in this flow; its label is the catalog entry ``main.menu.<id>``."""

    def resolve(self, target: str) -> tuple[str, str]:
        """Split a target into ``(flow id, node id)``; a bare node id is in this flow."""
        if "." in target:
            flow_id, node_id = target.split(".", 1)
            return flow_id, node_id
        return self.id, target
