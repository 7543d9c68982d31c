"""What a due ``job_digest`` or ``job_withdrawn`` nudge says, in her language.

A digest is decided again when it fires, from the rows as they are now: she must still agree
to job offers (and messages: the scheduler checks that), her last digest must be a week ago,
and at least one open, unexpired offer she was never told of must fit her; otherwise the row
is ``skipped``.  The best three become cards (:mod:`.cards`) in her working data; the first
is shown at once (``jobs.digest``).  Outside WhatsApp's 24-hour window the message goes as
the ``job_digest`` template (a Marketing template): how many offers and the first in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from bot.consent.checks import has_consent
from bot.db.tables import job_offers, job_profiles, organisations, people
from bot.features.jobs import cards
from bot.features.jobs.digest_plan import DIGEST_KIND, WITHDRAWN_KIND, last_digest_days, may_send
from bot.features.jobs.kinds import DIGEST_TEMPLATE, OPEN
from bot.features.jobs.matching import Offer, fit, ranked
from bot.features.jobs.reach import open_offers, seekers
from bot.nudges.kinds import Built, ClaimedNudge, NudgeEnv, NudgeKind
from bot.nudges.quiet_hours import local_day
from conversations.events import TriggerIn
from conversations.languages import Language, LanguageTable

SKIPPED = "skipped"
PURPOSE = "job_offers"


def _language(code: str | None, languages: LanguageTable, fallback: str | None = None) -> Language:
    found = languages.get(code) or languages.get(fallback) or languages.get(languages.master)
    assert found is not None
    return found


def _organisation(conn: Connection, person_id: int) -> Any:
    return conn.execute(
        select(
            people.c.organisation_id,
            organisations.c.timezone,
            organisations.c.default_language,
        )
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(people.c.id == person_id)
    ).first()


class Offers:
    """The open offers of an organisation on a day, and their rows, read once per batch of
    due digests (a morning's digests share them)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._open: dict[tuple[int, date], list[Offer]] = {}
        self._rows: dict[int, Any] = {}

    def open(self, organisation_id: int, today: date) -> list[Offer]:
        key = (organisation_id, today)
        if key not in self._open:
            self._open[key] = open_offers(self.conn, organisation_id, today)
        return self._open[key]

    def rows(self, ids: Sequence[int]) -> dict[int, Any]:
        missing = [i for i in ids if i not in self._rows]
        if missing:
            for r in self.conn.execute(select(job_offers).where(job_offers.c.id.in_(missing))):
                self._rows[r.id] = r
        return {i: self._rows[i] for i in ids}


def digest_event(
    conn: Connection, row: ClaimedNudge, env: NudgeEnv, offers: Offers | None = None
) -> Built:
    """The digest's first card with the rest in her working data, or ``skipped``."""
    offers = offers or Offers(conn)
    org = _organisation(conn, row.person_id)
    if org is None or not has_consent(conn, row.person_id, PURPOSE):
        return SKIPPED
    today: date = local_day(env.now, org.timezone)
    last = last_digest_days(conn, [row.person_id], org.timezone).get(row.person_id)
    if not may_send(last, today):
        return SKIPPED
    found = seekers(conn, org.organisation_id, [row.person_id])
    if not found:
        return SKIPPED
    seeker = found[0]
    chosen = ranked(seeker, offers.open(org.organisation_id, today), today)
    if not chosen:
        return SKIPPED
    rows = offers.rows([o.id for o in chosen])
    her = _language(row.language, env.languages, org.default_language)
    staff = _language(org.default_language, env.languages)
    words, staff_words = cards.Words(env.catalogs, her), cards.Words(env.catalogs, staff)
    answers = (
        conn.execute(
            select(job_profiles.c.answers).where(job_profiles.c.person_id == row.person_id)
        ).scalar()
        or {}
    )
    values: dict[str, Any] = {
        "digest": f"{row.person_id}:{today.isoformat()}",
        "count": len(chosen),
        "template": DIGEST_TEMPLATE,
        "offer": cards.line(words, rows[chosen[0].id], org.default_language),
    }
    for position, offer in enumerate(chosen, start=1):
        found_fit = fit(seeker, offer, today)
        values[f"card{position}"] = cards.card(
            words,
            rows[offer.id],
            org.default_language,
            position,
            len(chosen),
            found_fit.distance_km if found_fit else None,
        )
        values[f"offer{position}"] = offer.id
        values[f"staff{position}"] = cards.staff_line(staff_words, rows[offer.id], answers)
    return TriggerIn("jobs.digest", values)


def withdrawn_event(conn: Connection, row: ClaimedNudge, env: NudgeEnv) -> Built:
    """ "The offer you were interested in is gone", or ``skipped`` if it is open again."""
    try:
        offer_id = int(row.payload.get("offer_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return SKIPPED
    offer = conn.execute(select(job_offers).where(job_offers.c.id == offer_id)).first()
    org = _organisation(conn, row.person_id)
    if offer is None or org is None or offer.status == OPEN:
        return SKIPPED
    her = _language(row.language, env.languages, org.default_language)
    title = cards.in_language(offer.title, her.code, org.default_language)
    return TriggerIn("jobs.withdrawn", {"title": title})


def _digests(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    offers = Offers(conn)
    return [digest_event(conn, row, env, offers) for row in rows]


def _withdrawals(conn: Connection, rows: Sequence[ClaimedNudge], env: NudgeEnv) -> list[Built]:
    return [withdrawn_event(conn, row, env) for row in rows]


DIGEST_NUDGE = NudgeKind(DIGEST_KIND, build=_digests, quiet=True)
WITHDRAWN_NUDGE = NudgeKind(WITHDRAWN_KIND, build=_withdrawals, quiet=True)

__all__ = ["DIGEST_NUDGE", "WITHDRAWN_NUDGE", "digest_event", "withdrawn_event"]
