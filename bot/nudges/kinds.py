"""What a kind of nudge means: the contract between the scheduler and the features.

The scheduler (:mod:`scheduler.due`) only claims due rows and asks the kind of each what to do
with it.  A feature declares its kinds (:class:`NudgeKind`) in its folder; the registry
(:mod:`bot.features.registry`) hands them to the scheduler.  A kind that no feature declares is
settled ``skipped`` (a row written by a newer version, say).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection

from conversations.events import Event
from conversations.i18n import Catalogs
from conversations.languages import LanguageTable


class ClaimedNudge(NamedTuple):
    """A claimed nudge row with what deciding about it needs (plain tuple: read fast)."""

    id: int
    person_id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime | None
    """Only for kinds that ask for it (:attr:`NudgeKind.needs_created_at`)."""
    timezone: str
    quiet_hours_start: str
    quiet_hours_end: str
    language: str | None
    person_status: str
    consented: bool
    """She agrees to the privacy notice and to ``messages`` now (read when the row fires)."""
    with_team_since: datetime | None = None
    """Set while she talks with a person of the team: the bot's own prompts wait."""


@dataclass(frozen=True, slots=True)
class NudgeEnv:
    """What building events may need besides the database."""

    now: datetime
    languages: LanguageTable
    catalogs: Catalogs
    """The flow engine's catalogs (a value named in her language: a topic, a separator)."""
    secret_key: str
    link_base: str
    """The public address of the web server (links in messages)."""


Built = Event | str
"""The engine event to fire, or the status to settle the row with instead (``skipped``)."""

BuildEvents = Callable[[Connection, Sequence[ClaimedNudge], NudgeEnv], list[Built]]


@dataclass(frozen=True, slots=True)
class NudgeKind:
    """One kind of nudge row (``nudges.kind``)."""

    name: str
    build: BuildEvents
    """For claimed rows of this kind: the events to fire (or a status), one per row."""
    quiet: bool = False
    """Started by the bot (not an answer to her): never sent in the organisation's quiet
    hours; found due there, it moves to the next allowed moment."""
    deadline: Callable[[dict[str, Any]], datetime | None] | None = None
    """After this moment the nudge is useless (its session began): ``missed``, not late."""
    needs_created_at: bool = False
    """The claim reads the row's ``created_at`` (it costs time on 100 000 rows)."""


__all__ = ["Built", "ClaimedNudge", "NudgeEnv", "NudgeKind"]
