"""The daily retention purge: what the privacy notice promises, done on a schedule.

* A person with no message for her organisation's ``retention_days`` (default 183: six months)
  is erased with everything about her (:class:`bot.erasure.Eraser`).  "No message" is
  :mod:`.silence`'s: her newest message, else her consent or creation time.
* Someone who never consented (status ``new``: an abandoned onboarding) is erased after
  :data:`NO_CONSENT_DAYS` days of silence.
* Outbox rows are deleted :data:`OUTBOX_DAYS` days after they reached a final state.
* Inbound message ids (duplicate detection only) and the simulator's transcripts are deleted
  after :data:`INBOUND_ID_DAYS` and :data:`TRANSCRIPT_DAYS` days.

:meth:`RetentionPurge.plan` says what would go (``twc privacy purge --dry-run``); :meth:`run`
does it, one short transaction per chunk of people (each re-checked inside its transaction,
so someone who writes meanwhile stays), then one audit entry with the counts, then a WAL
checkpoint (SQLite).  No name, address or text is read or printed: ids and counts only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select

from bot.db.tables import audit, inbound_ids, organisations, outbox, people
from bot.db.tables import simulator_screens as transcripts
from bot.erasure import Eraser
from bot.features.retention.silence import deletion_at, last_inbound, last_seen

#: Someone who never consented is erased after this many days of silence.
NO_CONSENT_DAYS = 7
#: Outbox rows are deleted this many days after their final state.
OUTBOX_DAYS = 30
#: Inbound message ids are kept this long (a platform re-delivers within minutes or hours).
INBOUND_ID_DAYS = 7
#: The simulator's transcripts (development only) are kept this long.
TRANSCRIPT_DAYS = 7
#: Outbox states nothing will change any more.
FINAL_STATES = ("sent", "failed", "skipped", "cancelled", "in_doubt")
#: People erased per transaction (short transactions: other people's messages go in between).
CHUNK = 100

Transaction = Callable[[], AbstractContextManager[Connection]]


@dataclass(slots=True)
class PurgePlan:
    """What a purge deletes (or, in a dry run, would delete): person ids and counts."""

    silent: list[int] = field(default_factory=list)
    """People silent for longer than their organisation's retention period."""
    never_consented: list[int] = field(default_factory=list)
    """People who started but never consented, silent for :data:`NO_CONSENT_DAYS` days."""
    outbox: int = 0
    inbound_ids: int = 0
    transcripts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def counts(self) -> dict[str, int]:
        """The numbers only (for the audit log)."""
        return {
            "silent": len(self.silent),
            "never_consented": len(self.never_consented),
            "outbox": self.outbox,
            "inbound_ids": self.inbound_ids,
            "transcripts": self.transcripts,
        }


class RetentionPurge:
    """Plans and runs the purge against one database."""

    def __init__(
        self,
        db: Engine,
        transaction: Transaction,
        eraser: Eraser,
        clock: Callable[[], datetime],
        checkpoint: Callable[[], object] | None = None,
    ) -> None:
        self.db = db
        self.transaction = transaction
        """The process's write transaction (on SQLite shared with the turns' one writer)."""
        self.eraser = eraser
        self.clock = clock
        self.checkpoint = checkpoint

    def plan(self) -> PurgePlan:
        """Everything due now, changing nothing."""
        now = self.clock()
        with self.db.connect() as conn:
            silent, never = _due_people(conn, now)
            return PurgePlan(
                silent=silent,
                never_consented=never,
                outbox=_count(conn, outbox, _old_outbox(now)),
                inbound_ids=_count(conn, inbound_ids, _old_inbound_ids(now)),
                transcripts=_count(conn, transcripts, _old_transcripts(now)),
            )

    def run(self, actor: str) -> PurgePlan:
        """Delete everything due now; returns what went."""
        now = self.clock()
        planned = self.plan()
        done = PurgePlan()
        for chunk in _chunks(sorted(planned.silent + planned.never_consented), CHUNK):
            with self.transaction() as conn:
                still_silent, still_new = _due_people(conn, now, only=chunk, lock=True)
                for ids, went, reason in (
                    (still_silent, done.silent, "retention"),
                    (still_new, done.never_consented, "no_consent"),
                ):
                    for person_id in ids:
                        if self.eraser.erase(conn, person_id, now=now, actor=actor, reason=reason):
                            went.append(person_id)
        with self.transaction() as conn:
            done.outbox = _delete(conn, outbox, _old_outbox(now))
            done.inbound_ids = _delete(conn, inbound_ids, _old_inbound_ids(now))
            done.transcripts = _delete(conn, transcripts, _old_transcripts(now))
            conn.execute(
                insert(audit).values(
                    at=now, actor=actor, action="privacy.purge", details=done.counts()
                )
            )
        if self.checkpoint is not None and (done.silent or done.never_consented):
            self.checkpoint()
        return done


def _due_people(
    conn: Connection, now: datetime, only: Sequence[int] | None = None, lock: bool = False
) -> tuple[list[int], list[int]]:
    """Ids of people silent past their organisation's retention, and of newcomers who never
    consented and have been silent for :data:`NO_CONSENT_DAYS` days."""
    earliest = now - timedelta(days=NO_CONSENT_DAYS)
    query = (
        select(
            people.c.id,
            people.c.status,
            people.c.consent_given_at,
            people.c.created_at,
            organisations.c.retention_days,
            last_inbound().label("last_inbound"),
        )
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(people.c.created_at <= earliest)
        .order_by(people.c.id)
    )
    if only is not None:
        query = query.where(people.c.id.in_(list(only)))
        if lock and conn.dialect.name == "postgresql":
            # Her row is locked before her state is read by a turn: a purge cannot erase
            # someone whose message is being handled, and sees her new last_inbound_at after.
            conn.execute(select(people.c.id).where(people.c.id.in_(list(only))).with_for_update())
    silent, never = [], []
    for row in conn.execute(query):
        seen = last_seen(row)
        if deletion_at(row) <= now:
            silent.append(row.id)
        elif row.status == "new" and row.consent_given_at is None and seen <= earliest:
            never.append(row.id)
    return silent, never


def _old_outbox(now: datetime) -> Any:
    cutoff = now - timedelta(days=OUTBOX_DAYS)
    return and_(
        outbox.c.status.in_(FINAL_STATES),
        outbox.c.created_at < cutoff,
        outbox.c.next_attempt_at < cutoff,
        or_(outbox.c.sent_at.is_(None), outbox.c.sent_at < cutoff),
    )


def _old_inbound_ids(now: datetime) -> Any:
    return inbound_ids.c.received_at < now - timedelta(days=INBOUND_ID_DAYS)


def _old_transcripts(now: datetime) -> Any:
    return transcripts.c.created_at < now - timedelta(days=TRANSCRIPT_DAYS)


def _count(conn: Connection, table: Any, condition: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(condition)).scalar_one())


def _delete(conn: Connection, table: Any, condition: Any) -> int:
    return int(conn.execute(delete(table).where(condition)).rowcount or 0)


def _chunks(items: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


__all__ = [
    "FINAL_STATES",
    "INBOUND_ID_DAYS",
    "NO_CONSENT_DAYS",
    "OUTBOX_DAYS",
    "TRANSCRIPT_DAYS",
    "PurgePlan",
    "RetentionPurge",
]
