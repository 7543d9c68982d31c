"""The people directory: who is there, found by name, town, language, course or status.

Names and towns are encrypted at rest, so SQL cannot search them: the rows of her
organisations that pass the plain filters (language, status, course) are read, decrypted, and
matched in Python with rapidfuzz, forgiving typos and missing accents ("Amna" finds "Amina",
"nienburg" finds "Nienburg (Weser)").  Only the page shown carries the decrypted names out.
Channel addresses never appear here: a list shows the channel and whether it reaches her.

A district has about 10 000 women, and a search compares every one of their names
(``benchmarks/staff.py``): the folded forms of the names are remembered with the decryption,
keyed by the ciphertext and forgotten when she is erased (:meth:`FieldCipher.derived`), and
rapidfuzz scores all of them in one call; who is unreachable is asked of SQL, not computed
from every channel of everyone.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    String,
    select,
    type_coerce,
)

from bot.db.tables import courses, enrolments, identities, organisations, people
from bot.db.types import cipher
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


def name_key(name: str) -> tuple[str, tuple[str, ...]]:
    """A name as :func:`name_score` compares it: folded, and its words (remembered per name
    with :meth:`FieldCipher.derived`)."""
    folded = normalise(name)
    return folded, tuple(folded.split())


def name_scores(
    query: str, keys: Sequence[tuple[str, tuple[str, ...]]], cutoff: float = 0.0
) -> list[float]:
    """:func:`name_score` of ``query`` against many names (as :func:`name_key` made them) at
    once: the same scores (those under ``cutoff`` read as 0), but rapidfuzz compares all
    candidates in one call in C and hands back only those that reach the cutoff."""
    wanted = normalise(query)
    scores = [0.0] * len(keys)
    if not wanted:
        return scores
    size = len(wanted)
    choices: list[str] = []
    owners: list[int] = []
    for index, (candidate, words) in enumerate(keys):
        if not candidate:
            continue
        if wanted in candidate:
            scores[index] = 100.0
            continue
        starts = [word[:size] for word in words if size < len(word)]
        choices.append(candidate)
        choices.extend(words)
        choices.extend(starts)
        owners.extend([index] * (1 + len(words) + len(starts)))
    for _, score, at in process.extract(
        wanted, choices, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff
    ):
        owner = owners[at]
        if score > scores[owner]:
            scores[owner] = score
    return scores


def unreachable_condition() -> ColumnElement[bool]:
    """SQL for :func:`unreachable` of ``people.c.id``: a refused channel and none that works."""
    refused = select(identities.c.person_id).where(identities.c.status == "unreachable")
    working = (
        select(identities.c.id)
        .where(identities.c.person_id == people.c.id, identities.c.status == "ok")
        .exists()
    )
    return people.c.id.in_(refused) & ~working


def unreachable_people(staff: Staff) -> Select[tuple[int]]:
    """The ids of the people in her organisations no channel reaches, newest first."""
    return (
        select(people.c.id)
        .where(in_scope(staff), unreachable_condition())
        .order_by(people.c.created_at.desc(), people.c.id.desc())
    )


def channels_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """The (channel, status) pairs of these people only (the page shown)."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if not ids:
        return found
    query = (
        select(identities.c.person_id, identities.c.channel, identities.c.status)
        .where(identities.c.person_id.in_(list(ids)))
        .order_by(identities.c.id)
    )
    for person_id, channel, status in conn.execute(query):
        found[person_id].append((channel, status))
    return found


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


class Plain(NamedTuple):
    """A person's plain columns as a search reads them (a tuple: 10 000 of them per search)."""

    id: int
    language: str | None
    status: str
    organisation_id: int
    name_token: str | None
    """Her name as stored (encrypted): the key of its remembered decryption."""


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
            unreached = set(conn.execute(unreachable_people(staff)).scalars())
            base = self._base_rows(conn, staff)
            counts = self._counts(base, unreached)
            chosen = [r for r in base if self._plain_match(r, filters, unreached)]
            if filters.course:
                enrolled = set(
                    conn.execute(
                        select(enrolments.c.person_id).where(
                            enrolments.c.course_id == filters.course
                        )
                    ).scalars()
                )
                chosen = [r for r in chosen if r.id in enrolled]
            chosen = self._text_match(conn, staff, chosen, filters)
            total = len(chosen)
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(1, filters.page), pages)
            shown = chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            shown_ids = [r.id for r in shown]
            rows = self._rows(conn, shown_ids, channels_of(conn, shown_ids))
            return Listing(
                rows=rows,
                total=total,
                page=page,
                pages=pages,
                counts=counts,
                languages=sorted({r.language for r in base if r.language}),
                courses=self._courses(conn, staff, language),
                towns=self._towns(conn, staff),
                organisations=self._organisations(conn, staff),
            )

    # ---- reading ------------------------------------------------------------------------------

    @staticmethod
    def _base_rows(conn: Connection, staff: Staff) -> list[Plain]:
        """The plain (unencrypted) columns of everyone in scope, newest first, and the stored
        ciphertext of her name (read without decrypting it)."""
        query = (
            select(
                people.c.id,
                people.c.language,
                people.c.status,
                people.c.organisation_id,
                type_coerce(people.c.display_name, String),
            )
            .where(in_scope(staff))
            .order_by(people.c.created_at.desc(), people.c.id.desc())
        )
        return [Plain(*r) for r in conn.execute(query).all()]  # fetchall: one call, not 10 000

    @staticmethod
    def _counts(base: Sequence[Plain], unreached: set[int]) -> dict[str, int]:
        counted = Counter(r.status for r in base)
        result = {status: counted.get(status, 0) for status in STATUSES[:3]}
        result["unreachable"] = len(unreached)
        result["all"] = len(base)
        return result

    @staticmethod
    def _plain_match(row: Plain, filters: Filters, unreached: set[int]) -> bool:
        if filters.language and row.language != filters.language:
            return False
        if filters.organisation and row.organisation_id != filters.organisation:
            return False
        if filters.status == "unreachable":
            return row.id in unreached
        return not filters.status or row.status == filters.status

    @staticmethod
    def _text_match(
        conn: Connection, staff: Staff, chosen: list[Plain], filters: Filters
    ) -> list[Plain]:
        """Filter by name and town, decrypted here; by name, the best matches first."""
        name, town = filters.name.strip(), filters.town.strip()
        if not (name or town) or not chosen:
            return chosen
        if name.isdigit():  # an id, as the CLI prints it
            chosen = [r for r in chosen if r.id == int(name)]
            name = ""
        if town and chosen:
            towns: dict[int, str | None] = {
                person_id: town
                for person_id, town in conn.execute(
                    select(people.c.id, people.c.town).where(in_scope(staff))
                )
            }
            chosen = [r for r in chosen if town_matches(town, towns.get(r.id))]
        if not name or not chosen:
            return chosen
        # The folded names come from memory, decrypted once per name and process.
        memory = cipher()
        keys = [
            memory.derived(r.name_token, name_key) if r.name_token else ("", ()) for r in chosen
        ]
        scored = [
            (score, index, r)
            for index, (score, r) in enumerate(
                zip(name_scores(name, keys, NAME_CUTOFF), chosen, strict=True)
            )
            if score >= NAME_CUTOFF
        ]
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
    "channels_of",
    "name_key",
    "name_score",
    "name_scores",
    "normalise",
    "town_matches",
    "unreachable",
    "unreachable_condition",
    "unreachable_people",
]
