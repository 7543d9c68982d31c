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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.inbound.service import NoticeHandler
from bot.nudges.kinds import NudgeKind
from bot.turns.effects import EffectWriter, ReplySource
from conversations.actions import Action
from conversations.commands import Command
from conversations.flow_engine import ChoiceSource

if TYPE_CHECKING:
    import typer
    from starlette.routing import BaseRoute

    from bot.channels.base import AttachmentsFor
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell
    from conversations.flow_engine import FlowEngine
    from conversations.spec import Flow


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
class NavItem:
    """A link in the staff app's navigation (``staff/base.html``), e.g. the inbox."""

    path: str
    """Under ``/staff/`` (``/staff/inbox``)."""
    label_msgid: str
    """German text of the ``staff`` catalog, marked with ``N_`` (translated at render)."""
    order: int = 100
    """Lower first; the dashboard is 0."""
    admin: bool = False
    """Shown only to admins of at least one organisation."""


@dataclass(frozen=True, slots=True)
class Panel:
    """One box on the staff dashboard (``/staff/``), made per request for a staff member."""

    title_msgid: str
    """German heading of the ``staff`` catalog (``N_``)."""
    template: str
    """Its template, e.g. ``inbox/panel.html`` (rendered with the page's context plus
    ``context``; it does not extend ``staff/base.html``)."""
    context: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100
    """Lower first."""


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
    role_for_code: Callable[[Connection, str], str | None] | None = None
    """The role a newcomer's start code gives her (``mentor`` for a mentor invite), else
    ``None`` (a participant)."""
    commands: Sequence[Command] = ()
    """Words that work anywhere in the chat once she signed up, each leading to a node of its
    flows (``Command(id, slashes, keywords, target)``; the keywords a catalog text, a
    comma-separated list in every language): "beenden" ends a mentor's contact."""
    on_erase: Sequence[Callable[[Connection, int, datetime], None]] = ()
    """Run in the erasure's transaction just before a person's row is deleted (in the chat,
    by staff, by the retention purge): tell whoever waits for her (a mentor) that the contact
    ended, from the rows the cascade is about to delete."""
    choice_sources: Mapping[str, ChoiceSource] = field(default_factory=dict)
    """Built choices its flows use as ``choices_from: <name>`` (the engine calls each with
    the turn and the node; e.g. the women a mentor is matched with, from the conversation's
    working data)."""
    attachments: Mapping[str, Callable[[Runtime], AttachmentsFor]] = field(default_factory=dict)
    """Per outbox kind: the files its messages bring, resolved just before sending."""
    routes: Callable[[Runtime], Sequence[Any]] | None = None
    """Its web routes (Starlette), bound to a runtime."""
    cli: Callable[[typer.Typer], None] | None = None
    """Adds its commands to ``twc``."""
    staff_pages: Callable[[Runtime, StaffShell], Sequence[BaseRoute]] | None = None
    """Its staff web pages (paths under ``/staff/``), each endpoint wrapped in
    ``shell.page(...)``; templates in ``bot/features/<name>/templates/<name>/``."""
    staff_nav: Sequence[NavItem] = ()
    """Its links in the staff app's navigation."""
    body_limits: Mapping[str, int] = field(default_factory=dict)
    """Request paths that may carry a larger body than ``TWC_MAX_BODY_BYTES`` (an upload),
    with the bytes each may have (:class:`bot.web.limits.BodyLimit`)."""
    dashboard_panels: Sequence[Callable[[Runtime, StaffUser], Panel | None]] = ()
    """Boxes on the staff dashboard: called per request (in a worker thread) for the
    logged-in staff member; ``None`` shows nothing.  Scope every query to
    ``staff.organisation_ids``."""
    flow_checks: Sequence[Callable[[Mapping[str, Flow], Settings], Sequence[str]]] = ()
    """Extra checks ``twc flows check`` runs once the flows are valid: each returns warnings
    (plain lines) that are printed but never fail the check (e.g. missing WhatsApp
    templates)."""


__all__ = ["Feature", "NavItem", "Panel", "PeriodicJob"]
