"""Reading the audit log for an organisation's admins: filtered, newest first, a page at a time.

An admin sees the entries of the organisations she administers (``audit_log.organisation_id``)
and nothing else: not the entries of an organisation where she is only a coordinator, not
deployment-wide ones (the command line's organisation-less work, the nightly purge's totals).

The log is read, never changed.  Details are shown as they are stored: ids, counts, codes;
a person is an id linked to her profile, never a name (nothing is decrypted here).  What the
ids point at is looked up only to make a link (a course code to its course, a session to its
course) and only inside her organisations.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, true

from bot.csvsafe import SafeWriter
from bot.db.tables import audit, courses, organisations, sessions, staff

#: Entries per page.
PAGE_SIZE = 50
#: The most rows one CSV export holds (a filter narrows it; years of a busy office fit).
MAX_CSV_ROWS = 100_000
#: Actor codes of the scheduler's jobs.
SYSTEM_PREFIXES = ("scheduler", "system")
DEFAULT_TIMEZONE = "Europe/Berlin"


@dataclass(frozen=True, slots=True)
class Filters:
    """What the admin asked for; every field optional."""

    actor: str = ""
    """``staff:<id>``, ``cli`` (any command-line user), ``system`` (jobs), ``person`` (she
    herself, in the chat), or another actor code as stored."""
    action: str = ""
    since: date | None = None
    """First day, in the organisation's time zone."""
    until: date | None = None
    """Last day (included), in the organisation's time zone."""
    organisation: int | None = None
    page: int = 1

    def active(self) -> bool:
        return bool(self.actor or self.action or self.since or self.until or self.organisation)

    def query(self, page: int | None = None) -> dict[str, str]:
        """The filters as query parameters (for links to other pages and the CSV)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "organisation": str(self.organisation or ""),
        }
        if page is not None and page > 1:
            values["page"] = str(page)
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class Value:
    """One shown value of a detail: its text and, for an id with a page, the link."""

    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Detail:
    """One key of an entry's details and its values."""

    key: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: ``kind`` is ``staff``, ``cli``, ``system``, ``person`` or ``other``."""

    code: str
    kind: str
    name: str = ""
    """A staff member's name (or the command-line user's login)."""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    at: datetime
    actor: Actor
    action: str
    organisation_id: int | None
    details: tuple[Detail, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass
class Listing:
    """One page of the log with what the filter form offers."""

    entries: list[Entry]
    total: int
    page: int
    pages: int
    timezone: str
    actors: list[Actor] = field(default_factory=list)
    """Everyone who appears in her organisations' log (the actor filter's options)."""
    actions: list[str] = field(default_factory=list)
    organisations: list[Choice] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Export:
    """The entries of a CSV export, with the time zone they are shown in."""

    timezone: str
    organisations: dict[int, str]
    entries: list[Entry]


class AuditLog:
    """The audit log of an admin's organisations (read only)."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    # ---- reading --------------------------------------------------------------------------

    def page(self, organisation_ids: Iterable[int] | None, filters: Filters) -> Listing:
        """Page ``filters.page`` of the entries of ``organisation_ids`` (her admin ones;
        ``None``: every entry, deployment-wide ones included, for the command line)."""
        scope = self._scope(organisation_ids, filters)
        with self.db.connect() as conn:
            names, zones = self._organisations(conn, organisation_ids)
            zone = self.timezone(zones, filters)
            where = self._where(scope, filters, zone)
            total = int(
                conn.execute(select(func.count()).select_from(audit).where(*where)).scalar_one()
            )
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(1, filters.page), pages)
            rows = conn.execute(
                select(audit)
                .where(*where)
                .order_by(audit.c.at.desc(), audit.c.id.desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            ).all()
            everyone = sorted(
                conn.execute(
                    select(audit.c.actor).distinct().where(*_in(audit.c.organisation_id, scope))
                ).scalars()
            )
            actions = sorted(
                conn.execute(
                    select(audit.c.action).distinct().where(*_in(audit.c.organisation_id, scope))
                ).scalars()
            )
            resolver = _Resolver.load(conn, scope, rows, everyone, names)
        return Listing(
            entries=[resolver.entry(row) for row in rows],
            total=total,
            page=page,
            pages=pages,
            timezone=zone,
            actors=_actor_choices(resolver, everyone),
            actions=actions,
            organisations=[Choice(str(i), n) for i, n in names.items()],
        )

    def export(self, organisation_ids: Iterable[int] | None, filters: Filters) -> Export:
        """Every entry the filters select (up to :data:`MAX_CSV_ROWS`), newest first."""
        scope = self._scope(organisation_ids, filters)
        with self.db.connect() as conn:
            names, zones = self._organisations(conn, organisation_ids)
            zone = self.timezone(zones, filters)
            rows = conn.execute(
                select(audit)
                .where(*self._where(scope, filters, zone))
                .order_by(audit.c.at.desc(), audit.c.id.desc())
                .limit(MAX_CSV_ROWS)
            ).all()
            resolver = _Resolver.load(conn, scope, rows, {row.actor for row in rows}, names)
        return Export(zone, names, [resolver.entry(row) for row in rows])

    # ---- helpers --------------------------------------------------------------------------

    @staticmethod
    def timezone(zones: Mapping[int, str], filters: Filters) -> str:
        """The time zone of the period and the times shown: the chosen organisation's, else
        the first of hers (usually they all share one)."""
        if filters.organisation is not None and filters.organisation in zones:
            return zones[filters.organisation]
        return zones[min(zones)] if zones else DEFAULT_TIMEZONE

    @staticmethod
    def _scope(organisation_ids: Iterable[int] | None, filters: Filters) -> list[int] | None:
        """The organisations to read (``None``: all, and entries of none)."""
        if organisation_ids is None:
            return None if filters.organisation is None else [filters.organisation]
        mine = sorted(set(organisation_ids))
        if filters.organisation is not None:
            return [o for o in mine if o == filters.organisation]
        return mine

    @staticmethod
    def _organisations(
        conn: Any, organisation_ids: Iterable[int] | None
    ) -> tuple[dict[int, str], dict[int, str]]:
        wanted = None if organisation_ids is None else sorted(set(organisation_ids))
        rows = conn.execute(
            select(organisations.c.id, organisations.c.name, organisations.c.timezone)
            .where(*_in(organisations.c.id, wanted))
            .order_by(organisations.c.name, organisations.c.id)
        ).all()
        return (
            {row.id: row.name for row in rows},
            {row.id: row.timezone or DEFAULT_TIMEZONE for row in rows},
        )

    @staticmethod
    def _where(scope: list[int] | None, filters: Filters, zone: str) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = _in(audit.c.organisation_id, scope)
        if filters.actor == "cli":
            where.append(or_(audit.c.actor == "cli", audit.c.actor.like("cli:%")))
        elif filters.actor == "system":
            where.append(or_(*(audit.c.actor.startswith(p) for p in SYSTEM_PREFIXES)))
        elif filters.actor:
            where.append(audit.c.actor == filters.actor)
        if filters.action:
            where.append(audit.c.action == filters.action)
        tz = ZoneInfo(zone)
        if filters.since is not None:
            where.append(audit.c.at >= datetime.combine(filters.since, time(0), tz))
        if filters.until is not None:
            end = datetime.combine(filters.until + timedelta(days=1), time(0), tz)
            where.append(audit.c.at < end)
        return where


def actor_kind(code: str) -> str:
    """``staff``, ``cli``, ``system``, ``person`` or ``other``."""
    if code.startswith("staff:") and code[6:].isdigit():
        return "staff"
    if code == "cli" or code.startswith("cli:"):
        return "cli"
    if code.startswith(SYSTEM_PREFIXES):
        return "system"
    if code == "person":
        return "person"
    return "other"


def _actor_choices(resolver: _Resolver, everyone: list[str]) -> list[Actor]:
    """The actor filter's options: each staff member, then one each for the command line,
    the system and the person herself, then any other code."""
    staff_members = [resolver.actor(code) for code in everyone if actor_kind(code) == "staff"]
    staff_members.sort(key=lambda a: (a.name.casefold(), a.code))
    kinds = {actor_kind(code) for code in everyone}
    groups = [Actor(kind, kind) for kind in ("cli", "system", "person") if kind in kinds]
    others = [Actor(code, "other") for code in everyone if actor_kind(code) == "other"]
    return staff_members + groups + others


@dataclass
class _Resolver:
    """What a page of entries needs looked up: staff names, course ids of codes and sessions."""

    staff_names: dict[int, tuple[str, str]]
    course_codes: dict[str, int]
    session_courses: dict[int, int]
    organisation_names: dict[int, str]

    @classmethod
    def load(
        cls,
        conn: Any,
        scope: list[int] | None,
        rows: Iterable[Any],
        actors: Iterable[str],
        organisation_names: Mapping[int, str],
    ) -> _Resolver:
        staff_ids: set[int] = {int(a[6:]) for a in actors if actor_kind(a) == "staff"}
        codes: set[str] = set()
        session_ids: set[int] = set()
        for row in rows:
            details = row.details if isinstance(row.details, dict) else {}
            if _is_id(details.get("staff_id")):
                staff_ids.add(details["staff_id"])
            for key in ("course", "code"):
                if isinstance(details.get(key), str):
                    codes.add(details[key])
            for key in ("session", "session_id"):
                if _is_id(details.get(key)):
                    session_ids.add(details[key])
        names = {
            r.id: (r.display_name, r.email)
            for r in _chunked(
                conn,
                lambda ids: select(staff.c.id, staff.c.display_name, staff.c.email).where(
                    staff.c.id.in_(ids)
                ),
                sorted(staff_ids),
            )
        }
        in_scope = and_(true(), *_in(courses.c.organisation_id, scope))
        course_codes = {
            r.code: r.id
            for r in _chunked(
                conn,
                lambda c: select(courses.c.id, courses.c.code).where(
                    courses.c.code.in_(c), in_scope
                ),
                sorted(codes),
            )
        }
        session_courses = {
            r.id: r.course_id
            for r in _chunked(
                conn,
                lambda ids: (
                    select(sessions.c.id, sessions.c.course_id)
                    .join(courses, courses.c.id == sessions.c.course_id)
                    .where(and_(sessions.c.id.in_(ids), in_scope))
                ),
                sorted(session_ids),
            )
        }
        return cls(names, course_codes, session_courses, dict(organisation_names))

    def actor(self, code: str) -> Actor:
        kind = actor_kind(code)
        if kind == "staff":
            name, email = self.staff_names.get(int(code[6:]), ("", ""))
            return Actor(code, kind, name or f"#{code[6:]}", email)
        if kind == "cli":
            return Actor(code, kind, code[4:])
        return Actor(code, kind)

    def entry(self, row: Any) -> Entry:
        details = row.details if isinstance(row.details, dict) else {}
        return Entry(
            id=row.id,
            at=row.at,
            actor=self.actor(row.actor),
            action=row.action,
            organisation_id=row.organisation_id,
            details=tuple(
                Detail(str(key), self._values(str(key), value)) for key, value in details.items()
            ),
        )

    def _values(self, key: str, value: Any) -> tuple[Value, ...]:
        """How one detail is shown: ids linked to their page, the rest as plain text."""
        if key in ("people", "person"):
            listed = value if isinstance(value, list) else [value]
            if all(_is_id(p) for p in listed):
                return tuple(Value(f"#{p}", f"/staff/people/{p}") for p in listed)
        if key == "course":
            course_id = value if _is_id(value) else self.course_codes.get(str(value))
            if course_id is not None:
                text = f"#{value}" if _is_id(value) else str(value)
                return (Value(text, f"/staff/courses/{course_id}"),)
        if key == "code" and isinstance(value, str) and value in self.course_codes:
            return (Value(value, f"/staff/courses/{self.course_codes[value]}"),)
        if key in ("session", "session_id") and _is_id(value) and value in self.session_courses:
            return (Value(f"#{value}", f"/staff/attendance/sessions/{value}"),)
        if key == "broadcast" and _is_id(value):
            return (Value(f"#{value}", f"/staff/broadcasts/{value}"),)
        if key == "thread" and _is_id(value):
            return (Value(f"#{value}", f"/staff/inbox/{value}"),)
        if key == "quick_reply" and _is_id(value):
            return (Value(f"#{value}", "/staff/inbox/quick-replies"),)
        if (
            key in ("organisation", "organisation_id")
            and _is_id(value)
            and value in self.organisation_names
        ):
            return (Value(self.organisation_names[value]),)
        if key == "staff_id" and _is_id(value):
            name, _email = self.staff_names.get(value, ("", ""))
            return (Value(name or f"#{value}", "/staff/team"),)
        return (Value(plain(value)),)


def plain(value: Any) -> str:
    """A detail's value as text: lists joined, objects as compact JSON, nothing decrypted."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(plain(v) for v in value) or "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _in(column: Any, values: list[int] | None) -> list[ColumnElement[bool]]:
    """``column IN values`` as a list of conditions (none when ``values`` is ``None``: all)."""
    return [] if values is None else [column.in_(values)]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _chunked(conn: Any, query: Any, values: list[Any], size: int = 500) -> Iterator[Any]:
    for start in range(0, len(values), size):
        yield from conn.execute(query(values[start : start + size]))


def csv_text(rows: Iterable[list[Any]]) -> str:
    """Rows as CSV text a spreadsheet opens safely (:mod:`bot.csvsafe`)."""
    handle = io.StringIO()
    SafeWriter(handle).writerows(rows)
    return handle.getvalue()


__all__ = [
    "MAX_CSV_ROWS",
    "PAGE_SIZE",
    "Actor",
    "AuditLog",
    "Choice",
    "Detail",
    "Entry",
    "Export",
    "Filters",
    "Listing",
    "Value",
    "actor_kind",
    "csv_text",
    "plain",
]
