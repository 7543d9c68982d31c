"""What a feature is: everything one capability adds to the bot, declared in one value.

A feature lives in one folder, ``bot/features/<name>/``, and its ``__init__.py`` exposes one
:class:`Feature`.  The registry (:mod:`bot.features.registry`) lists them; the runtime, the turn
writer, the scheduler, the web app and the ``twc`` command line read that list and nothing
else, so adding a capability never means editing them (see ``docs/adding-a-feature.md``).
Nothing is registered by importing a module: what is not in the list does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.inbound.service import NoticeHandler
from bot.nudges.kinds import NudgeKind
from bot.turns.effects import EffectWriter, ReplySource
from conversations.actions import Action

if TYPE_CHECKING:
    import typer

    from bot.channels.base import AttachmentsFor
    from bot.runtime import Runtime
    from bot.settings import Settings
    from conversations.flow_engine import FlowEngine


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job the scheduler runs on its own (a sweep, a daily task)."""

    id: str
    run: Callable[[Runtime], bool]
    """Runs in a worker thread; returns ``True`` when it queued messages (wakes the
    dispatcher)."""
    trigger: str
    """APScheduler's trigger: ``interval`` or ``cron``."""
    trigger_args: Mapping[str, Any] = field(default_factory=dict)
    """``{"seconds": 5}`` or ``{"hour": 6, "minute": 0}``; ``seconds`` are the sweep's
    interval when left out of an interval job."""
    start_offset: float = 0.0
    """For interval jobs: first run this many intervals after start (jobs apart)."""
    misfire_grace_seconds: int | None = None
    """How late a missed run may still run (a daily job missed while the process was down)."""


@dataclass(frozen=True, slots=True)
class Feature:
    """One capability of the bot: its flows, actions, effects, nudges, jobs, routes and CLI."""

    name: str
    flows: Path | None = None
    """A folder of flow files (``*.yaml``) the feature's conversations run on."""
    actions: Mapping[str, Action] = field(default_factory=dict)
    """Actions its flows call (``do: [{action: name}]``), by name."""
    effect_writers: Sequence[Callable[[], EffectWriter]] = ()
    """Writers for the effects its actions emit (one new writer per batch of turns)."""
    reply_sources: Sequence[Callable[[FlowEngine, Settings], ReplySource]] = ()
    """Answers to effects with messages read from the database ("my data"), made once per
    runtime from the flow engine (texts, labels) and the settings."""
    nudge_kinds: Sequence[NudgeKind] = ()
    """The kinds of nudge rows it schedules, and what each means when due."""
    periodic_jobs: Sequence[PeriodicJob] = ()
    notice_handlers: Callable[[Runtime], Mapping[type, NoticeHandler]] | None = None
    """Handlers for channel notices (the bot added to a group, …), bound to a runtime."""
    organisation_for_code: Callable[[Connection, str], str | None] | None = None
    """The organisation (slug) a start code belongs to, for a newcomer (invite codes)."""
    attachments: Mapping[str, Callable[[Runtime], AttachmentsFor]] = field(default_factory=dict)
    """Per outbox kind: the files its messages bring, resolved just before sending."""
    routes: Callable[[Runtime], Sequence[Any]] | None = None
    """Its web routes (Starlette), bound to a runtime."""
    cli: Callable[[typer.Typer], None] | None = None
    """Adds its commands to ``twc``."""


__all__ = ["Feature", "PeriodicJob"]
