"""Reading offers for staff: the lists (open, waiting for review, closed or expired) and one
offer with the women who were told about it.

Kept apart from :mod:`.offers` (which writes) so the page and ``twc jobs list`` read the same
rows.  An offer counts as *expired* from its expiry date on, in the organisation's time zone,
even while its status still says ``open``: the chat side never sends it then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from bot.db.tables import job_notices, job_offers, job_profiles, organisations, people
from bot.features.jobs.kinds import CLOSED, INTERESTED, OPEN, REVIEW

#: The lists on the page and ``twc jobs list --status``.
LISTS = ("open", "review", "closed")


@dataclass(frozen=True, slots=True)
class OfferRow:
    """One offer as staff see it in a list."""

    id: int
    organisation_id: int
    status: str
    source: str
    title: dict[str, str]
    default_language: str
    town: str
    kind: str
    german_level: str
    hours_per_week: int | None
    expires_on: date
    expired: bool
    told: int
    interested: int

    @property
    def shown_title(self) -> str:
        """The title in the organisation's default language (any other if missing)."""
        return self.title.get(self.default_language) or next(iter(self.title.values()), "")

    @property
    def shown_list(self) -> str:
        """Which list it belongs in: ``open``, ``review`` or ``closed`` (closed or expired)."""
        if self.status == CLOSED or (self.status == OPEN and self.expired):
            return "closed"
        return self.status


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """One woman told about one offer: first name, her answers, and the recorded outcome."""

    id: int
    first_name: str
    status: str
    sent_at: datetime
    answered_at: datetime | None
    german: str | None
    hours: int | None
    travel_km: int | None
    outcome: str | None
    withdrawn_told: bool


def local_today(conn: Connection, organisation_id: int, now: datetime) -> date:
    """Today's date where the organisation is."""
    zone = conn.execute(
        select(organisations.c.timezone).where(organisations.c.id == organisation_id)
    ).scalar_one_or_none()
    return now.astimezone(ZoneInfo(zone or "Europe/Berlin")).date()


def offer_rows(
    conn: Connection, organisation_ids: Iterable[int], now: datetime, shown: str | None = None
) -> list[OfferRow]:
    """The offers of these organisations (``shown``: only one list), the newest first."""
    ids = list(organisation_ids)
    told = (
        select(
            job_notices.c.offer_id,
            func.count().label("told"),
            func.count().filter(job_notices.c.status == INTERESTED).label("interested"),
        )
        .group_by(job_notices.c.offer_id)
        .subquery()
    )
    query = (
        select(
            job_offers,
            organisations.c.default_language,
            organisations.c.timezone,
            func.coalesce(told.c.told, 0).label("told_count"),
            func.coalesce(told.c.interested, 0).label("interested_count"),
        )
        .join(organisations, organisations.c.id == job_offers.c.organisation_id)
        .outerjoin(told, told.c.offer_id == job_offers.c.id)
        .where(job_offers.c.organisation_id.in_(ids))
        .order_by(job_offers.c.created_at.desc(), job_offers.c.id.desc())
    )
    rows = [_row(r, now) for r in conn.execute(query)]
    return [r for r in rows if shown is None or r.shown_list == shown]


def _row(r: Any, now: datetime) -> OfferRow:
    today = now.astimezone(ZoneInfo(r.timezone or "Europe/Berlin")).date()
    return OfferRow(
        id=r.id,
        organisation_id=r.organisation_id,
        status=r.status,
        source=r.source,
        title=dict(r.title or {}),
        default_language=r.default_language,
        town=r.town,
        kind=r.kind,
        german_level=r.german_level,
        hours_per_week=r.hours_per_week,
        expires_on=r.expires_on,
        expired=r.expires_on <= today,
        told=int(r.told_count),
        interested=int(r.interested_count),
    )


def offer(conn: Connection, organisation_ids: Iterable[int], offer_id: int) -> Any | None:
    """One offer's row with its organisation's default language, or ``None``."""
    return conn.execute(
        select(job_offers, organisations.c.default_language, organisations.c.timezone)
        .join(organisations, organisations.c.id == job_offers.c.organisation_id)
        .where(job_offers.c.id == offer_id)
        .where(job_offers.c.organisation_id.in_(list(organisation_ids)))
    ).first()


def _number(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def notice_rows(conn: Connection, offer_id: int) -> list[NoticeRow]:
    """The women told about one offer, the interested first, then by when they were told.

    Only her first name and her three answers: staff need no more to call her back.
    """
    query = (
        select(
            job_notices,
            people.c.display_name,
            job_profiles.c.answers,
        )
        .join(people, people.c.id == job_notices.c.person_id)
        .outerjoin(job_profiles, job_profiles.c.person_id == job_notices.c.person_id)
        .where(job_notices.c.offer_id == offer_id)
        .order_by(job_notices.c.sent_at, job_notices.c.id)
    )
    rows = []
    for r in conn.execute(query):
        answers = r.answers or {}
        name = (r.display_name or "").strip()
        rows.append(
            NoticeRow(
                id=r.id,
                first_name=name.split()[0] if name else "",
                status=r.status,
                sent_at=r.sent_at,
                answered_at=r.answered_at,
                german=str(answers["german"]) if answers.get("german") else None,
                hours=_number(answers.get("hours")),
                travel_km=_number(answers.get("travel_km")),
                outcome=r.outcome,
                withdrawn_told=r.withdrawn_told_at is not None,
            )
        )
    rows.sort(key=lambda n: n.status != INTERESTED)
    return rows


__all__ = [
    "LISTS",
    "REVIEW",
    "NoticeRow",
    "OfferRow",
    "local_today",
    "notice_rows",
    "offer",
    "offer_rows",
]
