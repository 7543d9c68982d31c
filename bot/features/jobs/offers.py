"""Job offers entered and looked after by staff: create, edit, close, reopen, publish, and the
outcome a coordinator records per woman and offer.

One service for the staff pages and ``twc jobs`` so both check the same rules (a title in the
organisation's default language, expiry after start, hours 1–60, places ≥ 1) and write the
same audit entries.  Everything is scoped to the organisations the acting person works for:
an offer of another organisation is "not found", never "forbidden", so ids reveal nothing.

Closing only sets ``closed``/``closed_at``: the chat side tells the women who were interested
(it looks for interested notices of closed offers not yet told), so this module never writes
messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, insert, select, update

from bot.clock import Clock
from bot.db.tables import job_notices, job_offers, organisations
from bot.features.jobs.kinds import CLOSED, GERMAN_LEVELS, KINDS, OPEN, OUTCOMES, REVIEW
from bot.features.jobs.offer_rows import local_today
from bot.staff.audit import record
from conversations.languages import default_languages

MIN_HOURS, MAX_HOURS = 1, 60
TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX = 120, 1000, 200


class OfferError(ValueError):
    """A rule the input breaks; ``code`` names it (the staff page translates it, the command
    line prints the sentence), ``field`` the form field it concerns."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.field = field


class OfferNotFoundError(LookupError):
    """No such offer (or notice) among the acting person's organisations."""


class Acting(Protocol):
    """Whoever changes offers: a staff member (:class:`bot.staff.principal.StaffUser`) or the
    operator at the command line (:class:`Scope`)."""

    @property
    def organisation_ids(self) -> frozenset[int]: ...

    @property
    def actor(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Scope:
    """Who acts (for the audit log) and for which organisations."""

    organisation_ids: frozenset[int]
    actor: str


@dataclass(frozen=True, slots=True)
class OfferInput:
    """A checked offer, ready to store (texts per language, only the languages filled in)."""

    title: dict[str, str]
    description: dict[str, str]
    hours_note: dict[str, str]
    employer: str | None
    employer_shown: bool
    town: str
    hours_per_week: int | None
    kind: str
    german_level: str
    childcare_friendly: bool
    starts_on: date | None
    expires_on: date
    places: int | None
    url: str | None

    def values(self) -> dict[str, Any]:
        """The columns of ``job_offers`` this input sets."""
        return {
            "title": self.title,
            "description": self.description,
            "hours_note": self.hours_note,
            "employer": self.employer,
            "employer_shown": self.employer_shown,
            "town": self.town,
            "hours_per_week": self.hours_per_week,
            "kind": self.kind,
            "german_level": self.german_level,
            "childcare_friendly": self.childcare_friendly,
            "starts_on": self.starts_on,
            "expires_on": self.expires_on,
            "places": self.places,
            "url": self.url,
        }


def _texts(raw: Any, field: str, limit: int) -> dict[str, str]:
    """``{language: text}`` with only known languages and non-empty texts kept."""
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, Mapping):
        raise OfferError("texts", f"{field} must be given per language (de: …, ar: …).", field)
    known = {lang.code for lang in default_languages().languages}
    texts: dict[str, str] = {}
    for language, text in raw.items():
        if str(language) not in known:
            raise OfferError("language", f"{field}: unknown language {language!s}.", field)
        value = "" if text is None else str(text).strip()
        if len(value) > limit:
            raise OfferError("too_long", f"{field} ({language}) is too long.", field)
        if value:
            texts[str(language)] = value
    return texts


def _date(raw: Any, field: str) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError as error:
        raise OfferError("date", f"{field} is not a date (YYYY-MM-DD).", field) from error


def _whole(raw: Any, field: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise OfferError("number", f"{field} must be a whole number.", field)
    try:
        return int(str(raw).strip())
    except ValueError as error:
        raise OfferError("number", f"{field} must be a whole number.", field) from error


def _flag(raw: Any, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in {"1", "true", "yes", "on", "ja"}


def _short(raw: Any, limit: int) -> str | None:
    value = "" if raw is None else str(raw).strip()
    return value[:limit] or None


def check_offer(raw: Mapping[str, Any], default_language: str) -> OfferInput:
    """Check what a form or a file says about an offer; raise :class:`OfferError` on the
    first rule broken.  Texts in other languages are optional: the chat shows the default
    language's where one is missing."""
    title = _texts(raw.get("title"), "title", TITLE_MAX)
    if default_language not in title:
        raise OfferError("title_required", f"A title in {default_language} is required.", "title")
    kind = str(raw.get("kind") or "").strip()
    if kind not in KINDS:
        raise OfferError("kind", f"kind must be one of {', '.join(KINDS)}.", "kind")
    german = str(raw.get("german_level") or "none").strip()
    german = german if german == "none" else german.upper()
    if german not in GERMAN_LEVELS:
        raise OfferError(
            "german_level",
            f"german_level must be one of {', '.join(GERMAN_LEVELS)}.",
            "german_level",
        )
    town = str(raw.get("town") or "").strip()
    if not town:
        raise OfferError("town_required", "A town is required.", "town")
    hours = _whole(raw.get("hours_per_week"), "hours_per_week")
    if hours is not None and not MIN_HOURS <= hours <= MAX_HOURS:
        raise OfferError(
            "hours", f"hours_per_week must be from {MIN_HOURS} to {MAX_HOURS}.", "hours_per_week"
        )
    places = _whole(raw.get("places"), "places")
    if places is not None and places < 1:
        raise OfferError("places", "places must be at least 1.", "places")
    starts_on = _date(raw.get("starts_on"), "starts_on")
    expires_on = _date(raw.get("expires_on"), "expires_on")
    if expires_on is None:
        raise OfferError("expiry_required", "An expiry date is required.", "expires_on")
    if starts_on is not None and expires_on <= starts_on:
        raise OfferError("expiry_order", "The expiry date must be after the start.", "expires_on")
    url = _short(raw.get("url"), 500)
    if url is not None and not url.startswith(("https://", "http://")):
        raise OfferError("url", "The link must start with https://.", "url")
    return OfferInput(
        title=title,
        description=_texts(raw.get("description"), "description", DESCRIPTION_MAX),
        hours_note=_texts(raw.get("hours_note"), "hours_note", NOTE_MAX),
        employer=_short(raw.get("employer"), 200),
        employer_shown=_flag(raw.get("employer_shown"), True),
        town=town[:200],
        hours_per_week=hours,
        kind=kind,
        german_level=german,
        childcare_friendly=_flag(raw.get("childcare_friendly"), False),
        starts_on=starts_on,
        expires_on=expires_on,
        places=places,
        url=url,
    )


class OffersService:
    """Offers and outcomes, each change in one transaction with its audit entry."""

    def __init__(self, db: Engine, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def default_language(self, organisation_id: int) -> str:
        """The language an offer of this organisation must have a title in."""
        with self.db.connect() as conn:
            language = conn.execute(
                select(organisations.c.default_language).where(
                    organisations.c.id == organisation_id
                )
            ).scalar_one_or_none()
        return str(language or default_languages().master)

    def create(self, scope: Acting, organisation_id: int, raw: Mapping[str, Any]) -> int:
        """Store a new open offer of ``organisation_id``; its id."""
        if organisation_id not in scope.organisation_ids:
            raise OfferNotFoundError(organisation_id)
        offer = check_offer(raw, self.default_language(organisation_id))
        now = self.clock()
        with self.db.begin() as conn:
            offer_id = int(
                conn.execute(
                    insert(job_offers)
                    .values(
                        organisation_id=organisation_id,
                        status=OPEN,
                        source="staff",
                        created_by=scope.actor,
                        created_at=now,
                        updated_at=now,
                        **offer.values(),
                    )
                    .returning(job_offers.c.id)
                ).scalar_one()
            )
            record(conn, now, scope.actor, "jobs.create", {"offer": offer_id}, organisation_id)
        return offer_id

    def edit(self, scope: Acting, offer_id: int, raw: Mapping[str, Any]) -> None:
        """Change an offer's fields (its status stays)."""
        now = self.clock()
        with self.db.begin() as conn:
            row = self._offer(conn, scope, offer_id)
            offer = check_offer(raw, self._language(conn, row.organisation_id))
            conn.execute(
                update(job_offers)
                .where(job_offers.c.id == offer_id)
                .values(updated_at=now, **offer.values())
            )
            record(conn, now, scope.actor, "jobs.edit", {"offer": offer_id}, row.organisation_id)

    def close(self, scope: Acting, offer_id: int) -> bool:
        """Close an open or waiting offer; ``False`` when it was closed already."""
        return self._move(scope, offer_id, (OPEN, REVIEW), CLOSED, "jobs.close")

    def reopen(self, scope: Acting, offer_id: int) -> bool:
        """Open a closed offer again (before its expiry date); ``False`` when it was open."""
        return self._move(scope, offer_id, (CLOSED,), OPEN, "jobs.reopen")

    def publish(self, scope: Acting, offer_id: int) -> bool:
        """Open an imported offer a coordinator checked; ``False`` when it was not waiting."""
        return self._move(scope, offer_id, (REVIEW,), OPEN, "jobs.publish")

    def record_outcome(self, scope: Acting, notice_id: int, outcome: str | None) -> None:
        """What became of one woman and one offer (``None`` clears it); staff only."""
        if outcome is not None and outcome not in OUTCOMES:
            raise OfferError(
                "outcome", f"outcome must be one of {', '.join(OUTCOMES)}.", "outcome"
            )
        now = self.clock()
        with self.db.begin() as conn:
            notice = conn.execute(
                select(job_notices.c.id, job_notices.c.organisation_id, job_notices.c.offer_id)
                .where(job_notices.c.id == notice_id)
                .where(job_notices.c.organisation_id.in_(scope.organisation_ids))
            ).first()
            if notice is None:
                raise OfferNotFoundError(notice_id)
            conn.execute(
                update(job_notices)
                .where(job_notices.c.id == notice_id)
                .values(
                    outcome=outcome,
                    outcome_at=now if outcome else None,
                    outcome_by=scope.actor if outcome else None,
                )
            )
            record(
                conn,
                now,
                scope.actor,
                "jobs.outcome",
                {"notice": notice_id, "offer": notice.offer_id, "outcome": outcome},
                notice.organisation_id,
            )

    def _move(
        self, scope: Acting, offer_id: int, sources: tuple[str, ...], target: str, action: str
    ) -> bool:
        now = self.clock()
        with self.db.begin() as conn:
            row = self._offer(conn, scope, offer_id)
            if row.status not in sources:
                return False
            if target == OPEN:
                self._check_can_open(conn, row, now)
            moved = conn.execute(
                update(job_offers)
                .where(job_offers.c.id == offer_id)
                .where(job_offers.c.status.in_(sources))  # a second tab: changed meanwhile
                .values(
                    status=target,
                    updated_at=now,
                    closed_at=now if target == CLOSED else None,
                )
            )
            if moved.rowcount != 1:
                return False
            record(conn, now, scope.actor, action, {"offer": offer_id}, row.organisation_id)
        return True

    def _check_can_open(self, conn: Connection, row: Any, now: datetime) -> None:
        """An offer is sent only when it is complete enough to read and not expired."""
        if row.expires_on <= local_today(conn, row.organisation_id, now):
            raise OfferError("expired", "The offer has expired: change the expiry date first.")
        if self._language(conn, row.organisation_id) not in (row.title or {}):
            raise OfferError("title_required", "The offer needs a title first.", "title")
        if row.kind not in KINDS or row.german_level not in GERMAN_LEVELS or not row.town:
            raise OfferError("incomplete", "The offer is not complete yet: edit it first.")

    @staticmethod
    def _offer(conn: Connection, scope: Acting, offer_id: int) -> Any:
        row = conn.execute(
            select(job_offers)
            .where(job_offers.c.id == offer_id)
            .where(job_offers.c.organisation_id.in_(scope.organisation_ids))
        ).first()
        if row is None:
            raise OfferNotFoundError(offer_id)
        return row

    @staticmethod
    def _language(conn: Connection, organisation_id: int) -> str:
        language = conn.execute(
            select(organisations.c.default_language).where(organisations.c.id == organisation_id)
        ).scalar_one_or_none()
        return str(language or default_languages().master)


__all__ = [
    "Acting",
    "OfferError",
    "OfferInput",
    "OfferNotFoundError",
    "OffersService",
    "Scope",
    "check_offer",
]
