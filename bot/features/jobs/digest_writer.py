"""Writes what the digest's cards and her answers stand for into ``job_notices``.

One row per woman and offer (unique): written when she is shown the card (status ``sent``,
the digest it came in, ``sent_at``), updated by her answer.  Every effect is checked against
the stored rows: the offer must belong to her organisation, an answer needs the card shown
before (a forged or stale offer id changes nothing).  Her latest answer counts ("not for me"
after "interested" is what she means now); the outcome staff record stays theirs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from bot.db.tables import job_notices, job_offers, people
from bot.features.jobs.digest_effects import JobAnswer, JobCardShown
from bot.features.jobs.kinds import SENT

Effect = JobCardShown | JobAnswer


class DigestWriter:
    """Applies a batch's cards shown and answers, in order."""

    handles: tuple[type, ...] = (JobCardShown, JobAnswer)

    def __init__(self) -> None:
        self.queued: list[tuple[Effect, int, datetime]] = []

    def collect(self, effect: Effect, person_id: int, now: datetime) -> None:
        """Queue one effect."""
        self.queued.append((effect, person_id, now))

    def forget(self, person_id: int) -> None:
        """She was erased in this batch: nothing of hers is written."""
        self.queued = [q for q in self.queued if q[1] != person_id]

    def flush(self, conn: Connection) -> None:
        """Write the queued effects (a digest is a few rows a week per woman: one statement
        each is plenty)."""
        queued, self.queued = self.queued, []
        for effect, person_id, now in queued:
            if isinstance(effect, JobCardShown):
                self._shown(conn, effect, person_id, now)
            else:
                self._answer(conn, effect, person_id, now)

    @staticmethod
    def _shown(conn: Connection, effect: JobCardShown, person_id: int, now: datetime) -> None:
        organisation = conn.execute(
            select(job_offers.c.organisation_id)
            .join(people, people.c.organisation_id == job_offers.c.organisation_id)
            .where(job_offers.c.id == effect.offer_id, people.c.id == person_id)
        ).scalar()
        if organisation is None:
            return
        told = conn.execute(
            select(job_notices.c.id).where(
                job_notices.c.person_id == person_id,
                job_notices.c.offer_id == effect.offer_id,
            )
        ).first()
        if told is None:
            conn.execute(
                insert(job_notices).values(
                    organisation_id=organisation,
                    person_id=person_id,
                    offer_id=effect.offer_id,
                    status=SENT,
                    digest=effect.digest[:64] or None,
                    sent_at=now,
                )
            )

    @staticmethod
    def _answer(conn: Connection, effect: JobAnswer, person_id: int, now: datetime) -> None:
        conn.execute(
            update(job_notices)
            .where(
                job_notices.c.person_id == person_id,
                job_notices.c.offer_id == effect.offer_id,
            )
            .values(status=effect.answer, answered_at=now)
        )


__all__ = ["DigestWriter"]
