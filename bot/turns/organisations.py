"""Organisations as the hot path needs them, cached: they change rarely, messages arrive often.

An edit (``twc organisations edit``, the staff app) is seen by a running server within
``max_age_seconds`` (30 s): every process re-reads the table that often.  A change made in
the same process calls :meth:`OrganisationCache.invalidate` and is seen at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from bot.db.tables import organisations
from conversations.model import OrganisationInfo
from conversations.opening_hours import HoursError, WeeklyHours

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    """An organisation as the hot path needs it."""

    id: int
    slug: str
    info: OrganisationInfo


class OrganisationCache:
    """Organisations change rarely; reading them per message would be a wasted query."""

    def __init__(self, db: Engine, max_age_seconds: float = 30.0) -> None:
        self._db = db
        self._max_age = max_age_seconds
        self._loaded_at = -1e9
        self._by_id: dict[int, OrganisationRow] = {}
        self._by_slug: dict[str, OrganisationRow] = {}
        self._choices: tuple[OrganisationInfo, ...] = ()

    def _refresh(self) -> None:
        with self._db.connect() as conn:
            rows = conn.execute(select(organisations)).mappings().all()
        by_id = {row["id"]: OrganisationRow(row["id"], row["slug"], info_of(row)) for row in rows}
        self._by_id = by_id
        self._by_slug = {org.slug: org for org in by_id.values()}
        ordered = sorted(by_id.values(), key=lambda o: (o.info.country, o.info.district, o.slug))
        self._choices = tuple(org.info for org in ordered) if len(ordered) > 1 else ()
        self._loaded_at = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > self._max_age:
            self._refresh()

    def invalidate(self) -> None:
        """Forget the cache (after the organisations table was changed)."""
        self._loaded_at = -1e9

    def by_id(self, organisation_id: int) -> OrganisationRow:
        """The organisation with this id."""
        self._fresh()
        if organisation_id not in self._by_id:
            self._refresh()
        return self._by_id[organisation_id]

    def choices(self) -> tuple[OrganisationInfo, ...]:
        """Every organisation, by country and district, when there are several (where a
        newcomer without an invite code may belong); empty when there is one."""
        self._fresh()
        return self._choices

    def by_slug(self, slug: str) -> OrganisationRow | None:
        """The organisation with this slug, or ``None``."""
        self._fresh()
        if slug not in self._by_slug:
            self._refresh()
        return self._by_slug.get(slug)


def info_of(row: Any) -> OrganisationInfo:
    """An ``organisations`` row as the flows see it."""
    try:
        hours = WeeklyHours.from_json(row["opening_hours"])
    except HoursError:
        # Written by hand past the command line: shown as the free text instead.
        log.warning("organisation %s: opening hours unreadable, ignored", row["slug"])
        hours = WeeklyHours()
    return OrganisationInfo(
        name=row["name"],
        timezone=row["timezone"],
        default_language=row["default_language"],
        towns=tuple(row["towns"] or ()),
        privacy_contact=row["privacy_contact"],
        office_hours=row["office_hours"],
        slug=row["slug"],
        country=row["country"] or "",
        district=row["district"] or "",
        languages=tuple(row["languages"] or ()),
        opening_hours=hours,
    )
