"""The engine's view of the world: a person's profile, her organisation, her conversation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from conversations.opening_hours import WeeklyHours

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
    role: str = "participant"
    """``participant`` or ``mentor`` (a volunteer who is introduced to participants)."""

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
    """Office hours as its staff wrote them (shown when ``opening_hours`` is empty)."""
    slug: str = ""
    country: str = ""
    """ISO 3166 code: a newcomer choosing where she lives picks her country first when the
    organisations are in several."""
    district: str = ""
    """The district it serves, as the women know it (the answer to "where do you live?")."""
    languages: tuple[str, ...] = ()
    """The language codes it offers; empty: every language the bot has."""
    opening_hours: WeeklyHours = field(default_factory=WeeklyHours)
    """When staff answer; shown in her language, and "we read your message from …" outside."""

    def offers(self, language: str) -> bool:
        """Whether it offers ``language`` (every language when it names none)."""
        return not self.languages or language in self.languages


@dataclass(frozen=True, slots=True)
class Context:
    """Everything about the moment of a turn that is not the conversation itself."""

    profile: Profile
    organisation: OrganisationInfo
    now: datetime
    channel: str = "simulator"
    language_hint: str | None = None
    organisations: tuple[OrganisationInfo, ...] = ()
    """Where a newcomer may choose to belong (``choices_from: countries`` and
    ``organisations``): the host gives every organisation while she has not consented in a
    deployment with several, else none (nothing to choose)."""


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
