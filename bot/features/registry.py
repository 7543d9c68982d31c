"""The one list of features.  To add a capability, add its folder's ``FEATURE`` here.

Everything that extends the bot reads this list: the runtime (flows, actions, notice handlers,
attachments), the turn writer (effect writers), the scheduler (nudge kinds, periodic jobs), the
web app (routes) and ``twc`` (commands).  Order matters only for the command line's help.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from bot.features.attendance import FEATURE as ATTENDANCE
from bot.features.audit_log import FEATURE as AUDIT_LOG
from bot.features.broadcasts import FEATURE as BROADCASTS
from bot.features.checkins import FEATURE as CHECKINS
from bot.features.courses import FEATURE as COURSES
from bot.features.feature import Feature, NavItem, Panel, PeriodicJob
from bot.features.groups import FEATURE as GROUPS
from bot.features.inbox import FEATURE as INBOX
from bot.features.invites import FEATURE as INVITES
from bot.features.jobs import FEATURE as JOBS
from bot.features.mentoring import FEATURE as MENTORING
from bot.features.my_data import FEATURE as MY_DATA
from bot.features.org_settings import FEATURE as ORG_SETTINGS
from bot.features.people import FEATURE as PEOPLE
from bot.features.people_import import FEATURE as PEOPLE_IMPORT
from bot.features.reports import FEATURE as REPORTS
from bot.features.retention import FEATURE as RETENTION
from bot.features.wa_templates import FEATURE as WA_TEMPLATES
from bot.nudges.kinds import NudgeKind
from bot.nudges.timeout import TIMEOUT
from bot.settings import Settings
from bot.turns.effects import EffectWriter, ReplySource
from conversations.actions import ACTIONS as CORE_ACTIONS
from conversations.actions import Action
from conversations.commands import Command
from conversations.flow_engine import ChoiceSource, FlowEngine
from conversations.loader import FLOWS_DIR as CORE_FLOWS
from conversations.spec import Flow

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from bot.runtime import Runtime
    from bot.staff.principal import StaffUser
    from bot.web.staff.shell import StaffShell

FEATURES_DIR = Path(__file__).resolve().parent

FEATURES: tuple[Feature, ...] = (
    INVITES,
    COURSES,
    CHECKINS,
    BROADCASTS,
    PEOPLE_IMPORT,
    GROUPS,
    RETENTION,
    MY_DATA,
    INBOX,
    PEOPLE,
    ORG_SETTINGS,
    WA_TEMPLATES,
    ATTENDANCE,
    REPORTS,
    AUDIT_LOG,
    MENTORING,
    JOBS,
)


def flow_dirs() -> list[Path]:
    """The core flows (onboarding, main menu) and every feature's."""
    return [CORE_FLOWS, *(f.flows for f in FEATURES if f.flows is not None)]


def flow_files() -> list[Path]:
    """Every flow file, core first."""
    return [path for folder in flow_dirs() for path in sorted(folder.glob("*.yaml"))]


def actions() -> dict[str, Action]:
    """The core actions and every feature's; a name used twice is a programming error."""
    found: dict[str, Action] = dict(CORE_ACTIONS)
    for feature in FEATURES:
        for name, action in feature.actions.items():
            if name in found:
                raise ValueError(f"action {name!r} of feature {feature.name!r} is defined twice")
            found[name] = action
    return found


def choice_sources() -> dict[str, ChoiceSource]:
    """Every feature's built choices by name; a name used twice is a programming error."""
    found: dict[str, ChoiceSource] = {}
    for feature in FEATURES:
        for name, source in feature.choice_sources.items():
            if name in found:
                raise ValueError(f"choice source {name!r} of {feature.name!r} is defined twice")
            found[name] = source
    return found


def commands() -> tuple[Command, ...]:
    """Every feature's chat commands (words that work anywhere once she signed up)."""
    return tuple(command for feature in FEATURES for command in feature.commands)


def erase_hooks() -> list[Callable[[Connection, int, datetime], None]]:
    """Every feature's last word before a person is erased (``Feature.on_erase``)."""
    return [hook for feature in FEATURES for hook in feature.on_erase]


def effect_writers() -> list[Callable[[], EffectWriter]]:
    """Factories of every feature's effect writers."""
    return [writer for feature in FEATURES for writer in feature.effect_writers]


def reply_sources() -> list[Callable[[FlowEngine, Settings], ReplySource]]:
    """Factories of every feature's reply sources (effects answered from the database)."""
    return [source for feature in FEATURES for source in feature.reply_sources]


@cache
def nudge_kinds() -> Mapping[str, NudgeKind]:
    """Every nudge kind by name (the core timeout and each feature's)."""
    kinds: dict[str, NudgeKind] = {TIMEOUT.name: TIMEOUT}
    for feature in FEATURES:
        for kind in feature.nudge_kinds:
            if kind.name in kinds:
                raise ValueError(f"nudge kind {kind.name!r} is declared twice")
            kinds[kind.name] = kind
    return kinds


def periodic_jobs() -> list[PeriodicJob]:
    """Every feature's periodic jobs."""
    return [job for feature in FEATURES for job in feature.periodic_jobs]


def staff_template_dirs() -> list[Path]:
    """Every feature's ``templates/`` folder (``bot/features/<name>/templates``) that exists."""
    folders = (FEATURES_DIR / feature.name / "templates" for feature in FEATURES)
    return [folder for folder in folders if folder.is_dir()]


def staff_routes(runtime: Runtime, shell: StaffShell) -> list[BaseRoute]:
    """Every feature's staff pages."""
    routes: list[BaseRoute] = []
    for feature in FEATURES:
        if feature.staff_pages is not None:
            routes += feature.staff_pages(runtime, shell)
    return routes


def staff_nav() -> list[NavItem]:
    """Every feature's navigation links, in their order."""
    return sorted(
        (item for feature in FEATURES for item in feature.staff_nav), key=lambda i: i.order
    )


def flow_checks() -> list[Callable[[Mapping[str, Flow], Settings], Sequence[str]]]:
    """Every feature's extra warnings for ``twc flows check``."""
    return [check for feature in FEATURES for check in feature.flow_checks]


def dashboard_panels() -> Sequence[Callable[[Runtime, StaffUser], Panel | None]]:
    """Every feature's dashboard panel makers."""
    return [panel for feature in FEATURES for panel in feature.dashboard_panels]


__all__ = [
    "FEATURES",
    "FEATURES_DIR",
    "actions",
    "choice_sources",
    "commands",
    "dashboard_panels",
    "effect_writers",
    "erase_hooks",
    "flow_checks",
    "flow_dirs",
    "flow_files",
    "nudge_kinds",
    "periodic_jobs",
    "reply_sources",
    "staff_nav",
    "staff_routes",
    "staff_template_dirs",
]
