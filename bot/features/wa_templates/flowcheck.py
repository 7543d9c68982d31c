"""``twc flows check``: warn about flows that start messages no WhatsApp template carries.

A flow can make the bot speak first: a node the scheduler jumps to (a course reminder, a
check-in, the warning before deletion: a start or entry point no other node leads to) or a
node's ``timeout``.  Outside WhatsApp's 24-hour window such a message needs an approved
template for its outbox kind (:func:`bot.outbox.kinds.kind_and_values` decides the kind) in
her language, else the organisation's default language's goes, else it is held as
``needs_template``.  This check lists, per flow and kind, the languages without a template of
their own that an organisation offers and, when the database is reachable, that its people on
WhatsApp speak, with what happens to them.  It warns; it never fails the check.

Kept fast: the flows are already read; one query for the organisations and one grouped count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from bot.channels.whatsapp.templates import TemplateBook, TemplateConfigError
from bot.db.connect import make_engine
from bot.db.tables import identities, organisations, people
from bot.outbox.kinds import kind_and_values
from bot.settings import Settings
from conversations.events import TimeoutIn, TriggerIn
from conversations.languages import LanguageTable
from conversations.model import Profile
from conversations.spec import Flow
from conversations.validate import ENGINE_TARGETS

#: Seconds to wait for a PostgreSQL server before checking without the people's languages.
CONNECT_TIMEOUT = 3


@dataclass(frozen=True, slots=True)
class Starter:
    """A flow that makes the bot speak first, and the outbox kind of what it sends."""

    flow: str
    source: str
    kind: str
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Audience:
    """Who an organisation talks to: the languages it offers and how many speak each."""

    slug: str
    default_language: str
    offered: tuple[str, ...]
    people: dict[str, int]
    """Active people on WhatsApp by language; empty without the database."""


def starters(flows: Mapping[str, Flow]) -> list[Starter]:
    """Every (flow, outbox kind) the bot can start, with the nodes that start it."""
    targeted: set[tuple[str, str]] = set()
    for target in ENGINE_TARGETS:
        flow_id, _, node_id = target.partition(".")
        targeted.add((flow_id, node_id))
    for flow in flows.values():
        for node in flow.nodes.values():
            leads_to = [node.next, *(choice.next for choice in node.choices)]
            if node.timeout is not None:
                leads_to.append(node.timeout.next)
            if node.requires_consent:
                leads_to.append(node.consent_question)
            targeted.update(flow.resolve(target) for target in leads_to if target)
    found: dict[tuple[str, str], list[str]] = {}
    for flow in flows.values():
        for root in dict.fromkeys((flow.start, *flow.entry_points)):
            flow_id, node_id = flow.resolve(root)
            if (flow_id, node_id) in targeted:
                continue
            kind, _values = kind_and_values(TriggerIn(f"{flow_id}.{node_id}", {}), Profile())
            found.setdefault((flow.id, kind), []).append(node_id)
        for node in flow.nodes.values():
            if node.timeout is not None:
                kind, _values = kind_and_values(TimeoutIn(flow.id, node.id, 0), Profile())
                found.setdefault((flow.id, kind), []).append(f"{node.id} (timeout)")
    return [
        Starter(flow_id, flows[flow_id].source, kind, tuple(nodes))
        for (flow_id, kind), nodes in sorted(found.items())
    ]


def audiences(settings: Settings, languages: LanguageTable) -> list[Audience] | None:
    """Each organisation's languages and people, or ``None`` when the database cannot be read
    (not there, not migrated, not reachable)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or not Path(path).exists():
            return None
        engine: Engine = make_engine(url)
    else:
        engine = make_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT})
    menu = tuple(language.code for language in languages.menu)
    try:
        with engine.connect() as conn:
            orgs = conn.execute(
                select(
                    organisations.c.id,
                    organisations.c.slug,
                    organisations.c.default_language,
                    organisations.c.languages,
                ).order_by(organisations.c.slug)
            ).all()
            spoken = conn.execute(
                select(
                    people.c.organisation_id,
                    people.c.language,
                    func.count(func.distinct(people.c.id)),
                )
                .join(identities, identities.c.person_id == people.c.id)
                .where(
                    people.c.status == "active",
                    identities.c.channel == "whatsapp",
                    identities.c.status == "ok",
                )
                .group_by(people.c.organisation_id, people.c.language)
            ).all()
    except Exception:  # not reachable, not migrated: check without it
        return None
    finally:
        engine.dispose()
    result = []
    for org in orgs:
        counts: dict[str, int] = {}
        for organisation_id, language, count in spoken:
            if organisation_id == org.id:
                code = language or org.default_language
                counts[code] = counts.get(code, 0) + int(count)
        result.append(
            Audience(org.slug, org.default_language, tuple(org.languages or ()) or menu, counts)
        )
    return result


def _people(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count} people"


def template_warnings(
    flows: Mapping[str, Flow],
    settings: Settings,
    languages: LanguageTable,
    found: list[Audience] | None = None,
    database: bool = True,
) -> list[str]:
    """The warnings (plain lines) for ``twc flows check``; empty when all is covered.

    ``found``: the organisations (tests pass them); else read from the database when
    ``database`` and reachable, else every language of the bot's menu is checked.
    """
    try:
        book = TemplateBook.load(settings.twilio_templates)
    except TemplateConfigError as error:
        return [f"WhatsApp templates: {error}"]
    if not book.templates and not settings.whatsapp_enabled:
        return []  # no WhatsApp here: nothing is ever sent outside a window
    if found is None and database:
        found = audiences(settings, languages)
    fallback_note = ""
    if not found:
        menu = tuple(language.code for language in languages.menu)
        fallback_note = (
            " (database not reachable: checked against every language of the bot)"
            if found is None
            else " (no organisation yet: checked against every language of the bot)"
        )
        found = [Audience("(any)", languages.master, menu, {})]
    lines = []
    for starter in starters(flows):
        for audience in found:
            spoken = [c for c in audience.people if c not in audience.offered]
            uncovered = []
            for code in [*audience.offered, *sorted(spoken)]:
                if code in book.templates.get(starter.kind, {}):
                    continue
                instead = book.find(starter.kind, code, audience.default_language)
                where = []
                if code in audience.offered:
                    where.append("offered")
                if audience.people.get(code):
                    where.append(f"spoken by {_people(audience.people[code])}")
                outcome = "held as needs_template"
                if instead is not None:
                    outcome = f"gets the {instead.language} template"
                uncovered.append(f"{code} ({', '.join(where)}; {outcome})")
            if uncovered:
                lines.append(
                    f"{Path(starter.source).name}: flow '{starter.flow}' starts "
                    f"'{starter.kind}' messages ({', '.join(starter.nodes)}); no WhatsApp "
                    f"template for '{starter.kind}' in organisation '{audience.slug}' for "
                    + ", ".join(uncovered)
                    + fallback_note
                )
    return lines


__all__ = ["Audience", "Starter", "audiences", "starters", "template_warnings"]
