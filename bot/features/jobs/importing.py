"""Importing offers from the BA's job search, per organisation, as offers waiting for review.

An organisation turns the import on and names a place (the BA's ``wo``: town or postcode), a
radius and words to search for (``job_import_settings``).  A run searches each word for each
kind of offer the women ask about (mini-jobs, part-time, full-time, training, internships),
then writes what it found in **one** transaction: a new reference becomes an offer in
``review`` (source ``ba``, ``external_id`` the BA's ``refnr``) that a coordinator checks,
translates and opens; one already imported is updated only while it still waits for review
(what the BA says: title, employer, town, link, dates; her translations stay), never once a
coordinator opened or closed it.  Nothing imported is ever sent on its own: only ``open``
offers reach the women.

A run that cannot read every page writes no offer at all: it records when it ran and why it
failed (``last_error``, a plain sentence for the settings page) and the next run tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.db.tables import job_import_settings, job_offers, organisations
from bot.features.jobs.ba_client import (
    TIMEOUT,
    FoundOffer,
    JobSearchClient,
    JobSearchError,
    Search,
)
from bot.features.jobs.kinds import REVIEW
from bot.staff.audit import record

log = logging.getLogger(__name__)

#: Who wrote an imported offer (``job_offers.created_by``) and the audit entry of a run.
ACTOR = "import:ba"
SOURCE = "ba"
#: The searches of one word: (our kind, the BA's ``angebotsart``, its ``arbeitszeit``); an
#: offer found by two keeps the first kind.
KIND_SEARCHES: tuple[tuple[str, int, str | None], ...] = (
    ("mini_job", 1, "mj"),
    ("part_time", 1, "tz"),
    ("full_time", 1, "vz"),
    ("training", 4, None),
    ("internship", 34, None),
)
#: An imported offer expires this long after the BA published it (a coordinator may change it).
EXPIRES_AFTER = timedelta(days=28)
#: The first run looks back this far; later runs back to the last run (and a day more).
LOOK_BACK_DAYS = 28
#: Limits of the settings (the BA's own limits are wider).
MAX_RADIUS_KM = 200
MAX_KEYWORDS = 5
MAX_KEYWORD_LENGTH = 60
MAX_PLACE_LENGTH = 100
#: At most this many offers per run, so a too wide search cannot flood the review list.
MAX_OFFERS_PER_RUN = 300


class SettingsError(ValueError):
    """Settings that cannot be saved; ``field`` and ``code`` name what to correct."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


@dataclass(frozen=True, slots=True)
class ImportSettings:
    """One organisation's import settings (defaults when it never saved any)."""

    organisation_id: int
    slug: str
    name: str
    enabled: bool
    place: str
    radius_km: int
    keywords: tuple[str, ...]
    last_run_at: datetime | None
    last_error: str | None
    updated_at: datetime | None = None
    """When the settings were last saved (``None``: never)."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one run did for one organisation."""

    organisation: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    """Already imported and unchanged, or already opened or closed by a coordinator."""
    error: str | None = None
    """The stored reason of a failed run (``timeout``, ``server_error:503``, …)."""


@dataclass(frozen=True, slots=True)
class ImportedOffer:
    """An imported offer as the settings page lists it (no person in it)."""

    id: int
    organisation_id: int
    title: str
    town: str
    kind: str
    status: str
    external_id: str
    created_at: datetime
    expires_on: date


def parse_keywords(text: str) -> tuple[str, ...]:
    """``"Reinigung, Küche"`` → ``("Reinigung", "Küche")`` (blanks dropped, doubles once)."""
    words: list[str] = []
    for part in text.split(","):
        word = " ".join(part.split())
        if word and word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    return tuple(words)


def checked(
    place: str, radius_km: int | str, keywords: str, *, need_place: bool = True
) -> tuple[str, int, tuple[str, ...]]:
    """The settings as stored, or :class:`SettingsError` naming the first wrong field (a
    place is needed only to turn the import on)."""
    place = " ".join(place.split())
    if (need_place and not place) or len(place) > MAX_PLACE_LENGTH:
        raise SettingsError("place", "bad_place", "Please give a town or postcode.")
    try:
        radius = int(str(radius_km).strip())
    except ValueError:
        radius = -1
    if not 0 <= radius <= MAX_RADIUS_KM:
        raise SettingsError(
            "radius_km", "bad_radius", f"The radius is a number of km from 0 to {MAX_RADIUS_KM}."
        )
    words = parse_keywords(keywords)
    if len(words) > MAX_KEYWORDS or any(len(w) > MAX_KEYWORD_LENGTH for w in words):
        raise SettingsError(
            "keywords",
            "bad_keywords",
            f"At most {MAX_KEYWORDS} search words, each at most {MAX_KEYWORD_LENGTH} characters.",
        )
    return place, radius, words


def read_settings(conn: Connection, organisation_ids: Iterable[int]) -> list[ImportSettings]:
    """The settings of these organisations, by name (defaults where none were saved)."""
    s = job_import_settings
    rows = conn.execute(
        select(
            organisations.c.id,
            organisations.c.slug,
            organisations.c.name,
            s.c.enabled,
            s.c.place,
            s.c.radius_km,
            s.c.keywords,
            s.c.last_run_at,
            s.c.last_error,
            s.c.updated_at,
        )
        .select_from(organisations.outerjoin(s, s.c.organisation_id == organisations.c.id))
        .where(organisations.c.id.in_(list(organisation_ids)))
        .order_by(organisations.c.name, organisations.c.id)
    ).all()
    return [
        ImportSettings(
            organisation_id=row.id,
            slug=row.slug,
            name=row.name,
            enabled=bool(row.enabled),
            place=row.place or "",
            radius_km=row.radius_km if row.radius_km is not None else 25,
            keywords=parse_keywords(row.keywords or ""),
            last_run_at=row.last_run_at,
            last_error=row.last_error,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def save_settings(
    conn: Connection,
    organisation_id: int,
    *,
    enabled: bool,
    place: str,
    radius_km: int | str,
    keywords: str,
    actor: str,
    now: datetime,
) -> None:
    """Store the settings (checked first: :class:`SettingsError`), audit-logged."""
    place, radius, words = checked(place, radius_km, keywords, need_place=enabled)
    values = {
        "enabled": enabled,
        "place": place,
        "radius_km": radius,
        "keywords": ", ".join(words),
        "updated_at": now,
    }
    s = job_import_settings
    done = conn.execute(update(s).where(s.c.organisation_id == organisation_id).values(**values))
    if not done.rowcount:
        conn.execute(insert(s).values(organisation_id=organisation_id, **values))
    record(
        conn,
        now,
        actor,
        "jobs.import_settings",
        {"enabled": enabled, "radius_km": radius, "keywords": len(words)},
        organisation_id=organisation_id,
    )


def _look_back(settings: ImportSettings, now: datetime) -> int:
    """Days back to search: since the last run and a day more, but the whole
    :data:`LOOK_BACK_DAYS` on the first run, after a failed one (the last good run is older)
    and after the settings changed (a new word or place has not been searched yet)."""
    last = settings.last_run_at
    if (
        last is None
        or settings.last_error is not None
        or (settings.updated_at is not None and settings.updated_at > last)
    ):
        return LOOK_BACK_DAYS
    return max(1, min(LOOK_BACK_DAYS, (now - last).days + 2))


def searches(settings: ImportSettings, now: datetime) -> list[tuple[str, Search]]:
    """Every search one run makes, with the kind it finds: each word (or none) for each kind."""
    days = _look_back(settings, now)
    return [
        (kind, Search(settings.place, settings.radius_km, word, art, time, days))
        for word in settings.keywords or ("",)
        for kind, art, time in KIND_SEARCHES
    ]


def _found(
    client: JobSearchClient, settings: ImportSettings, now: datetime
) -> dict[str, tuple[FoundOffer, str]]:
    """Every offer the searches find, by reference, with the kind of the first search."""
    found: dict[str, tuple[FoundOffer, str]] = {}
    for kind, search in searches(settings, now):
        for offer in client.search(search):
            found.setdefault(offer.refnr, (offer, kind))
            if len(found) >= MAX_OFFERS_PER_RUN:
                return found
    return found


def _dates(offer: FoundOffer, today: date) -> tuple[date | None, date] | None:
    """Start and expiry of an imported offer; ``None`` when it is already out of date."""
    expires = (offer.published_on or today) + EXPIRES_AFTER
    starts = offer.starts_on
    if starts is not None and starts > expires:
        expires = starts
    if expires < today:
        return None
    return starts, expires


class Importer:
    """Runs the import for one organisation or every enabled one."""

    def __init__(
        self,
        db: Engine,
        clock: Callable[[], datetime],
        url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.db = db
        self.clock = clock
        self.url = url
        self.transport = transport
        self.timeout = timeout

    def run_enabled(self) -> list[ImportResult]:
        """Every organisation that turned the import on (the daily job)."""
        with self.db.connect() as conn:
            ids = (
                conn.execute(
                    select(job_import_settings.c.organisation_id).where(
                        job_import_settings.c.enabled.is_(True)
                    )
                )
                .scalars()
                .all()
            )
        results = []
        for organisation_id in sorted(ids):
            try:
                results.append(self.run(organisation_id))
            except Exception:
                # One organisation's surprise (its database rows, a bug) must not keep the
                # others from their import; the log names the organisation only.
                log.exception("job import for organisation %s crashed", organisation_id)
        return results

    def run(self, organisation_id: int) -> ImportResult:
        """One run for one organisation (also when it is turned off: run by hand)."""
        now = self.clock()
        with self.db.connect() as conn:
            found_settings = read_settings(conn, [organisation_id])
            timezone = conn.execute(
                select(organisations.c.timezone).where(organisations.c.id == organisation_id)
            ).scalar_one_or_none()
        if not found_settings:
            raise LookupError(f"no organisation {organisation_id}")
        settings = found_settings[0]
        if not settings.place:
            return self._failed(settings, now, "no_place")
        client = JobSearchClient(self.url, self.transport, self.timeout)
        try:
            found = _found(client, settings, now)
        except JobSearchError as error:
            return self._failed(settings, now, error.stored)
        finally:
            client.close()
        today = now.astimezone(ZoneInfo(timezone or "Europe/Berlin")).date()
        try:
            result = self._store(settings, found, now, today)
        except IntegrityError:
            # Another run (the daily job, a click on the page, twc) wrote some of the same
            # offers meanwhile: read again what is there and write the rest, once.
            try:
                result = self._store(settings, found, now, today)
            except IntegrityError:
                return self._failed(settings, now, "busy")
        log.info(
            "job import for organisation %s: %s new, %s updated",
            organisation_id,
            result.new,
            result.updated,
        )
        return result

    def _store(
        self,
        settings: ImportSettings,
        found: dict[str, tuple[FoundOffer, str]],
        now: datetime,
        today: date,
    ) -> ImportResult:
        """Write what a run found, its time and the audit entry, in one transaction."""
        with self.db.begin() as conn:
            result = self._write(conn, settings, found, now, today)
            conn.execute(
                update(job_import_settings)
                .where(job_import_settings.c.organisation_id == settings.organisation_id)
                .values(last_run_at=now, last_error=None)
            )
            record(
                conn,
                now,
                ACTOR,
                "jobs.imported",
                {"new": result.new, "updated": result.updated},
                organisation_id=settings.organisation_id,
            )
        return result

    def _failed(self, settings: ImportSettings, now: datetime, reason: str) -> ImportResult:
        """Record the failure (nothing else is written): ``reason`` is a stored reason
        (:func:`~bot.features.jobs.ba_client.describe`)."""
        with self.db.begin() as conn:
            done = conn.execute(
                update(job_import_settings)
                .where(job_import_settings.c.organisation_id == settings.organisation_id)
                .values(last_run_at=now, last_error=reason[:300])
            )
            if not done.rowcount:
                conn.execute(
                    insert(job_import_settings).values(
                        organisation_id=settings.organisation_id,
                        enabled=False,
                        last_run_at=now,
                        last_error=reason[:300],
                        updated_at=now,
                    )
                )
        log.warning("job import for organisation %s failed: %s", settings.organisation_id, reason)
        return ImportResult(settings.slug, error=reason)

    def _write(
        self,
        conn: Connection,
        settings: ImportSettings,
        found: dict[str, tuple[FoundOffer, str]],
        now: datetime,
        today: date,
    ) -> ImportResult:
        o = job_offers
        known = (
            {
                row.external_id: row
                for row in conn.execute(
                    select(o.c.id, o.c.external_id, o.c.status, o.c.title, o.c.employer, o.c.town)
                    .add_columns(o.c.url, o.c.starts_on, o.c.expires_on)
                    .where(
                        o.c.organisation_id == settings.organisation_id,
                        o.c.source == SOURCE,
                        o.c.external_id.in_(list(found)),
                    )
                )
            }
            if found
            else {}
        )
        new_rows: list[dict[str, object]] = []
        updated = unchanged = 0
        for refnr, (offer, kind) in found.items():
            dates = _dates(offer, today)
            if dates is None:
                continue
            starts, expires = dates
            row = known.get(refnr)
            if row is None:
                new_rows.append(
                    {
                        "organisation_id": settings.organisation_id,
                        "status": REVIEW,
                        "source": SOURCE,
                        "external_id": refnr,
                        "title": {"de": offer.title},
                        "description": {},
                        "employer": offer.employer,
                        "employer_shown": True,
                        "town": offer.town,
                        "hours_per_week": None,
                        "kind": kind,
                        "german_level": "none",
                        "childcare_friendly": False,
                        "hours_note": {},
                        "starts_on": starts,
                        "expires_on": expires,
                        "places": None,
                        "url": offer.url,
                        "created_by": ACTOR,
                        "created_at": now,
                        "updated_at": now,
                        "closed_at": None,
                    }
                )
                continue
            title = {**(row.title or {}), "de": offer.title}
            values = {
                "title": title,
                "employer": offer.employer,
                "town": offer.town,
                "url": offer.url,
                "starts_on": starts,
                "expires_on": expires,
            }
            current = {
                "title": row.title,
                "employer": row.employer,
                "town": row.town,
                "url": row.url,
                "starts_on": row.starts_on,
                "expires_on": row.expires_on,
            }
            if row.status != REVIEW or values == current:
                unchanged += 1
                continue
            conn.execute(
                update(o)
                .where(o.c.id == row.id, o.c.status == REVIEW)
                .values(**values, updated_at=now)
            )
            updated += 1
        if new_rows:
            conn.execute(insert(o), new_rows)
        return ImportResult(settings.slug, len(new_rows), updated, unchanged)


def imported_offers(
    conn: Connection, organisation_ids: Sequence[int], limit: int = 30
) -> list[ImportedOffer]:
    """The latest imported offers of these organisations, newest first."""
    o = job_offers
    rows = conn.execute(
        select(
            o.c.id,
            o.c.organisation_id,
            o.c.title,
            o.c.town,
            o.c.kind,
            o.c.status,
            o.c.external_id,
            o.c.created_at,
            o.c.expires_on,
        )
        .where(o.c.organisation_id.in_(list(organisation_ids)), o.c.source == SOURCE)
        .order_by(o.c.created_at.desc(), o.c.id.desc())
        .limit(limit)
    ).all()
    return [
        ImportedOffer(
            id=row.id,
            organisation_id=row.organisation_id,
            title=str((row.title or {}).get("de") or next(iter((row.title or {}).values()), "")),
            town=row.town,
            kind=row.kind,
            status=row.status,
            external_id=row.external_id or "",
            created_at=row.created_at,
            expires_on=row.expires_on,
        )
        for row in rows
    ]


__all__ = [
    "ACTOR",
    "ImportResult",
    "ImportSettings",
    "ImportedOffer",
    "Importer",
    "SettingsError",
    "checked",
    "imported_offers",
    "read_settings",
    "save_settings",
]
