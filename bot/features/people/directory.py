"""The people directory: who is there, found by name, town, language, course or status.

Names and towns are encrypted at rest, so SQL cannot search them: the rows of her
organisations that pass the plain filters (language, status, course) are read, decrypted, and
matched in Python with rapidfuzz, forgiving typos and missing accents ("Amna" finds "Amina",
"nienburg" finds "Nienburg (Weser)").  Only the page shown carries the decrypted names out.
Channel addresses never appear here: a list shows the channel and whether it reaches her.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Connection, Engine, select

from bot.db.tables import courses, enrolments, identities, organisations, people
from bot.features.people.scope import Staff, in_scope

#: People per page.
PAGE_SIZE = 25
#: The statuses a list can filter by: the person's own, and ``unreachable`` (see
#: :func:`unreachable`).
STATUSES = ("new", "active", "opted_out", "unreachable")
#: How close a name must be to the search (rapidfuzz's 0–100 partial ratio).
NAME_CUTOFF = 80.0
#: How close a town must be to the one asked for.
TOWN_CUTOFF = 75.0


def unreachable(channels: Sequence[tuple[str, str]]) -> bool:
    """No channel reaches her any more and one was refused (she blocked the bot, the number
    is not on WhatsApp); someone who said "Stopp" everywhere is ``opted_out``, not this."""
    statuses = [status for _, status in channels]
    return "unreachable" in statuses and "ok" not in statuses


def normalise(text: str) -> str:
    """Lower case without accents and extra spaces: what a forgiving comparison compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def name_score(query: str, name: str) -> float:
    """How well ``name`` matches what was typed (0–100): the whole name, any one of its words,
    or the beginning of a word (she is still typing) compared with rapidfuzz's ratio."""
    wanted, candidate = normalise(query), normalise(name)
    if not wanted or not candidate:
        return 0.0
    if wanted in candidate:
        return 100.0
    words = candidate.split()
    scores = [fuzz.ratio(wanted, candidate)]
    scores += [fuzz.ratio(wanted, word) for word in words]
    scores += [fuzz.ratio(wanted, w[: len(wanted)]) for w in words if len(wanted) < len(w)]
    return max(scores)


def town_matches(query: str, town: str | None) -> bool:
    """Whether her town is the one asked for (typos and "(Weser)" forgiven)."""
    if not town:
        return False
    wanted, candidate = normalise(query), normalise(town)
    return wanted in candidate or fuzz.partial_ratio(wanted, candidate) >= TOWN_CUTOFF


@dataclass(frozen=True, slots=True)
class Filters:
    """What the search form asks for; empty fields do not filter."""

    name: str = ""
    town: str = ""
    language: str = ""
    course: int | None = None
    status: str = ""
    organisation: int | None = None
    page: int = 1

    def active(self) -> bool:
        """Whether anything filters (an empty form lists everyone)."""
        return bool(
            self.name.strip()
            or self.town.strip()
            or self.language
            or self.course
            or self.status
            or self.organisation
        )


@dataclass(frozen=True, slots=True)
class Row:
    """One person in the list: enough to recognise her, nothing more."""

    id: int
    name: str
    language: str | None
    town: str | None
    status: str
    role: str
    organisation_id: int
    created_at: datetime
    channels: tuple[tuple[str, str], ...]
    """(channel, status) pairs; never her address."""

    @property
    def unreachable(self) -> bool:
        """No channel reaches her (:func:`unreachable`)."""
        return unreachable(self.channels)


@dataclass(frozen=True, slots=True)
class Choice:
    """An option of a filter's select: value and what it shows."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of the directory, with the counts of everyone in scope."""

    rows: list[Row]
    total: int
    """How many match the filters (all pages)."""
    page: int
    pages: int
    counts: dict[str, int]
    """Everyone in her organisations by status (``new``, ``active``, ``opted_out``,
    ``unreachable``) and ``all``, regardless of the filters."""
    languages: list[str] = field(default_factory=list)
    """The language codes her people use (for the filter's select)."""
    courses: list[Choice] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    organisations: list[Choice] = field(default_factory=list)


def _title(title: dict[str, Any] | None, language: str, fallback: str) -> str:
    title = title or {}
    return str(title.get(language) or title.get("de") or fallback)


class Directory:
    """Lists and searches the people of a staff member's organisations."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    def search(self, staff: Staff, filters: Filters, language: str = "de") -> Listing:
        """One page of the people matching ``filters``; newest first, or best name first."""
        with self.db.connect() as conn:
            channels = self._channels(conn, staff)
            base = self._base_rows(conn, staff)
            counts = self._counts(base, channels)
            chosen = [r for r in base if self._plain_match(r, filters, channels)]
            if filters.course:
                enrolled = set(
                    conn.execute(
                        select(enrolments.c.person_id).where(
                            enrolments.c.course_id == filters.course
                        )
                    ).scalars()
                )
                chosen = [r for r in chosen if r["id"] in enrolled]
            chosen = self._text_match(conn, chosen, filters)
            total = len(chosen)
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(1, filters.page), pages)
            shown = chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            rows = self._rows(conn, [r["id"] for r in shown], channels)
            return Listing(
                rows=rows,
                total=total,
                page=page,
                pages=pages,
                counts=counts,
                languages=sorted({r["language"] for r in base if r["language"]}),
                courses=self._courses(conn, staff, language),
                towns=self._towns(conn, staff),
                organisations=self._organisations(conn, staff),
            )

    # ---- reading ------------------------------------------------------------------------------

    @staticmethod
    def _base_rows(conn: Connection, staff: Staff) -> list[dict[str, Any]]:
        """The plain (unencrypted) columns of everyone in scope, newest first."""
        query = (
            select(
                people.c.id,
                people.c.language,
                people.c.status,
                people.c.organisation_id,
            )
            .where(in_scope(staff))
            .order_by(people.c.created_at.desc(), people.c.id.desc())
        )
        return [dict(r) for r in conn.execute(query).mappings()]

    @staticmethod
    def _channels(conn: Connection, staff: Staff) -> dict[int, list[tuple[str, str]]]:
        """Each person's (channel, status) pairs."""
        found: dict[int, list[tuple[str, str]]] = defaultdict(list)
        query = (
            select(identities.c.person_id, identities.c.channel, identities.c.status)
            .join(people, people.c.id == identities.c.person_id)
            .where(in_scope(staff))
            .order_by(identities.c.id)
        )
        for person_id, channel, status in conn.execute(query):
            found[person_id].append((channel, status))
        return found

    @staticmethod
    def _is_unreachable(person_id: int, channels: dict[int, list[tuple[str, str]]]) -> bool:
        return unreachable(channels.get(person_id, []))

    def _counts(
        self, base: Sequence[dict[str, Any]], channels: dict[int, list[tuple[str, str]]]
    ) -> dict[str, int]:
        counted = Counter(r["status"] for r in base)
        result = {status: counted.get(status, 0) for status in STATUSES[:3]}
        result["unreachable"] = sum(1 for r in base if self._is_unreachable(r["id"], channels))
        result["all"] = len(base)
        return result

    def _plain_match(
        self,
        row: dict[str, Any],
        filters: Filters,
        channels: dict[int, list[tuple[str, str]]],
    ) -> bool:
        if filters.language and row["language"] != filters.language:
            return False
        if filters.organisation and row["organisation_id"] != filters.organisation:
            return False
        if filters.status == "unreachable":
            return self._is_unreachable(row["id"], channels)
        return not filters.status or row["status"] == filters.status

    @staticmethod
    def _text_match(
        conn: Connection, chosen: list[dict[str, Any]], filters: Filters
    ) -> list[dict[str, Any]]:
        """Filter by name and town, decrypted here; by name, the best matches first."""
        name, town = filters.name.strip(), filters.town.strip()
        if not (name or town) or not chosen:
            return chosen
        ids = [r["id"] for r in chosen]
        texts = {
            r.id: (r.display_name or "", r.town)
            for r in conn.execute(
                select(people.c.id, people.c.display_name, people.c.town).where(
                    people.c.id.in_(ids)
                )
            )
        }
        if town:
            chosen = [r for r in chosen if town_matches(town, texts[r["id"]][1])]
        if not name:
            return chosen
        if name.isdigit():  # an id, as the CLI prints it
            return [r for r in chosen if r["id"] == int(name)]
        scored = [
            (name_score(name, texts[r["id"]][0]), index, r) for index, r in enumerate(chosen)
        ]
        scored = [item for item in scored if item[0] >= NAME_CUTOFF]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [r for _, _, r in scored]

    @staticmethod
    def _rows(
        conn: Connection, ids: list[int], channels: dict[int, list[tuple[str, str]]]
    ) -> list[Row]:
        """The shown page's people, decrypted, in the order of ``ids``."""
        if not ids:
            return []
        found = {
            r.id: r
            for r in conn.execute(
                select(
                    people.c.id,
                    people.c.display_name,
                    people.c.language,
                    people.c.town,
                    people.c.status,
                    people.c.role,
                    people.c.organisation_id,
                    people.c.created_at,
                ).where(people.c.id.in_(ids))
            )
        }
        return [
            Row(
                id=r.id,
                name=r.display_name or "",
                language=r.language,
                town=r.town,
                status=r.status,
                role=r.role,
                organisation_id=r.organisation_id,
                created_at=r.created_at,
                channels=tuple(channels.get(r.id, ())),
            )
            for person_id in ids
            if (r := found.get(person_id)) is not None
        ]

    @staticmethod
    def _courses(conn: Connection, staff: Staff, language: str) -> list[Choice]:
        ids = sorted(staff.organisation_ids)
        return [
            Choice(str(r.id), _title(r.title, language, r.code))
            for r in conn.execute(
                select(courses.c.id, courses.c.code, courses.c.title)
                .where(courses.c.organisation_id.in_(ids))
                .order_by(courses.c.code)
            )
        ]

    @staticmethod
    def _towns(conn: Connection, staff: Staff) -> list[str]:
        towns: set[str] = set()
        for listed in conn.execute(
            select(organisations.c.towns).where(
                organisations.c.id.in_(sorted(staff.organisation_ids))
            )
        ).scalars():
            towns.update(str(t) for t in listed or [])
        return sorted(towns)

    @staticmethod
    def _organisations(conn: Connection, staff: Staff) -> list[Choice]:
        return [
            Choice(str(r.id), r.name)
            for r in conn.execute(
                select(organisations.c.id, organisations.c.name)
                .where(organisations.c.id.in_(sorted(staff.organisation_ids)))
                .order_by(organisations.c.name)
            )
        ]


__all__ = [
    "NAME_CUTOFF",
    "PAGE_SIZE",
    "STATUSES",
    "Choice",
    "Directory",
    "Filters",
    "Listing",
    "Row",
    "name_score",
    "normalise",
    "town_matches",
    "unreachable",
]
