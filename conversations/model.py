"""The engine's view of the world: a person's profile, her organisation, her conversation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

#: Profile fields a flow may fill with ``save_as: profile.<field>``.
PROFILE_FIELDS = ("language", "display_name", "town", "interests", "attend_help")


@dataclass(slots=True)
class Profile:
    """What we know about her.  Empty until she consents (except her language)."""

    language: str | None = None
    display_name: str | None = None
    town: str | None = None
    interests: list[str] = field(default_factory=list)
    attend_help: list[str] = field(default_factory=list)
    status: str = "new"
    consent_given_at: datetime | None = None
    consents: frozenset[str] = frozenset()
    """The purposes she agrees to now (``conversations.consent``): given, not withdrawn."""
    with_team_since: datetime | None = None
    """Set while a conversation with a person of the team is open: what she writes goes to
    them, not to the bot (the engine answers only commands and buttons meanwhile)."""

    @property
    def consented(self) -> bool:
        """Whether she has agreed to the privacy notice (and not deleted everything since)."""
        return self.consent_given_at is not None

    def copy(self) -> Profile:
        """An independent copy the engine may change during a turn."""
        return replace(self, interests=list(self.interests), attend_help=list(self.attend_help))


@dataclass(frozen=True, slots=True)
class OrganisationInfo:
    """What flows may say about the organisation she belongs to."""

    name: str
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    towns: tuple[str, ...] = ()
    privacy_contact: str = ""
    office_hours: str = ""


@dataclass(frozen=True, slots=True)
class Context:
    """Everything about the moment of a turn that is not the conversation itself."""

    profile: Profile
    organisation: OrganisationInfo
    now: datetime
    channel: str = "simulator"
    language_hint: str | None = None


@dataclass(slots=True)
class Conversation:
    """Where she is: flow, node, how many times the node was entered, working data."""

    flow: str
    node: str
    visit: int = 0
    data: dict[str, Any] = field(default_factory=dict)

    def copy(self) -> Conversation:
        """An independent copy the engine may change during a turn."""
        return Conversation(self.flow, self.node, self.visit, dict(self.data))
