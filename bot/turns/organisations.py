"""Organisations as the hot path needs them, cached: they change rarely, messages arrive often."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, select

from bot.db.tables import organisations
from conversations.model import OrganisationInfo


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

    def _refresh(self) -> None:
        with self._db.connect() as conn:
            rows = conn.execute(select(organisations)).mappings().all()
        by_id = {}
        for row in rows:
            info = OrganisationInfo(
                name=row["name"],
                timezone=row["timezone"],
                default_language=row["default_language"],
                towns=tuple(row["towns"] or ()),
                privacy_contact=row["privacy_contact"],
                office_hours=row["office_hours"],
            )
            by_id[row["id"]] = OrganisationRow(row["id"], row["slug"], info)
        self._by_id = by_id
        self._by_slug = {org.slug: org for org in by_id.values()}
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

    def by_slug(self, slug: str) -> OrganisationRow | None:
        """The organisation with this slug, or ``None``."""
        self._fresh()
        if slug not in self._by_slug:
            self._refresh()
        return self._by_slug.get(slug)
