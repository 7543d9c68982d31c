"""What platforms tell us after a send: delivery status callbacks.

A status callback names the message by the platform's id (``outbox.external_id``).  Callbacks
can arrive late, twice or out of order, so a status never moves backwards (``delivered`` after
``read`` is ignored) and a final failure is applied once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from bot.channels.base import SendError
from bot.channels.messages import DeliveryReport
from bot.db.tables import identities, outbox
from bot.outbox.dispatcher import backoff
from bot.outbox.scrub import scrub

#: How far along each delivery status is; a callback never moves a row back.
PROGRESS = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5}
FAILED = {"failed", "undelivered"}


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """One status callback, already authenticated."""

    external_id: str
    status: str
    error_code: int | None = None


@dataclass(frozen=True, slots=True)
class StatusOutcome:
    """What a callback did: ``found`` a row, and whether it asks to ``slow_down``."""

    found: bool
    slow_down: bool = False
    retry_in: float | None = None


def apply_status(
    db: Engine, channel: str, update_: StatusUpdate, error: SendError | None, now: datetime
) -> StatusOutcome:
    """Record a delivery status; a failure is settled like a failed send (``error``)."""
    with db.begin() as conn:
        row = (
            conn.execute(
                select(
                    outbox.c.id,
                    outbox.c.status,
                    outbox.c.delivery_status,
                    outbox.c.identity_id,
                    outbox.c.attempts,
                ).where(outbox.c.channel == channel, outbox.c.external_id == update_.external_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return StatusOutcome(found=False)
        if row["delivery_status"] in FAILED or row["status"] not in ("sent", "sending"):
            return StatusOutcome(found=True)  # already settled: a late or repeated callback
        if update_.status not in FAILED:
            old = PROGRESS.get(row["delivery_status"] or "", -1)
            if PROGRESS.get(update_.status, -1) > old:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row["id"])
                    .values(delivery_status=update_.status)
                )
            return StatusOutcome(found=True)
        values: dict[str, Any] = {
            "delivery_status": update_.status,
            "error_code": update_.error_code,
        }
        reason = scrub(f"{update_.status}: {error.reason if error else 'no reason given'}")
        if error is not None and error.retryable:
            wait = backoff(max(1, row["attempts"]), error.retry_after)
            values.update(
                status="pending",
                next_attempt_at=now + timedelta(seconds=wait),
                external_id=None,
                delivery_status=None,
                error=reason,
            )
            conn.execute(update(outbox).where(outbox.c.id == row["id"]).values(**values))
            return StatusOutcome(found=True, slow_down=error.slow_down, retry_in=wait)
        values.update(status=error.status if error else "failed", error=reason)
        conn.execute(update(outbox).where(outbox.c.id == row["id"]).values(**values))
        if error is not None and error.identity_status and row["identity_id"] is not None:
            conn.execute(
                update(identities)
                .where(identities.c.id == row["identity_id"])
                .values(status=error.identity_status)
            )
        return StatusOutcome(found=True)


def apply_report(db: Engine, report: DeliveryReport, now: datetime) -> StatusOutcome:
    """A channel's :class:`DeliveryReport` applied as :func:`apply_status`."""
    error = None
    if report.status in FAILED:
        error = SendError(
            report.error_reason or report.status,
            retryable=report.retryable,
            retry_after=report.retry_after,
            status=report.final_status,
            identity_status=report.identity_status,
            code=report.error_code,
            slow_down=report.slow_down,
        )
    return apply_status(
        db,
        report.channel,
        StatusUpdate(report.external_id, report.status, report.error_code),
        error,
        now,
    )
