"""Coordinator broadcasts: create, preview, send (now or at a local time), cancel, status,
follow-up; and :meth:`BroadcastService.tick`, which the scheduler runs every few seconds.

Exactly once.  Every recipient is one outbox row with the key ``broadcast:<id>:<person>``
(kind ``broadcast``, priority :data:`BULK_PRIORITY`, so replies to people chatting go first),
written in batches with ``ON CONFLICT DO NOTHING``.  An enqueue cut off half-way (the process
killed) is simply run again, by the next ``send`` or the scheduler's tick: rows already
written stay as they are, the rest are added, nobody gets two.  The running dispatcher sends
the rows; after a crash it marks rows that were in flight ``in_doubt`` (reported, never
resent) and sends the rest.

Cancel marks the broadcast ``cancelled`` and moves its ``pending`` rows to ``cancelled``; each
enqueue batch re-reads the broadcast's status after writing its rows and rolls back if it was
cancelled meanwhile.  Rows a dispatcher has claimed are cancelled too: it marks a row
``sending`` only if it is still ``claimed``, and drops it otherwise.  Only rows already
``sending`` (a few, in flight) still go.

Every coordinator action is appended to ``audit_log`` (``broadcast.create``, ``.preview``,
``.send``, ``.cancel``, ``.followup``) in the same transaction as the change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, func, insert, select, update

from bot.channels.base import Reach
from bot.channels.whatsapp.channel import WINDOW as WHATSAPP_WINDOW
from bot.db.tables import (
    broadcast_exclusions,
    broadcasts,
    identities,
    organisations,
    outbox,
)
from bot.features.broadcasts import report
from bot.features.broadcasts.audience import (
    NOT_CONFIGURED,
    Audience,
    CanReach,
    Identity,
    Recipient,
    check_audience,
    resolve,
)
from bot.features.broadcasts.compose import BroadcastError, Draft, check_texts, fill
from bot.features.broadcasts.report import QUEUED, load
from bot.features.broadcasts.texts import NAME_FALLBACK
from bot.localtime import LocalTimeError, parse_local, show_local
from bot.nudges.daily_cap import OrgTimes, org_times
from bot.nudges.quiet_hours import next_quiet_window, outside_quiet_hours
from bot.outbox.rows import (
    BULK_PRIORITY,
    FOLLOWUP_MAY_RESEND,
    OutboxRow,
    enqueue,
    forget_broadcast_bodies,
    last_sending,
)
from bot.settings import Settings
from bot.staff.audit import record
from conversations.events import Reply
from conversations.i18n import Catalogs

#: Outbox priority of broadcast rows: bulk, after replies (0) to people chatting now.
KIND = "broadcast"
#: The longest title (the column's size).
TITLE_LENGTH = 200
#: Recipients written per transaction.
BATCH = 200


def key_prefix(broadcast_id: int) -> str:
    """Every outbox key of one broadcast starts with this."""
    return f"broadcast:{broadcast_id}:"


class _CancelledError(Exception):
    """The broadcast was cancelled while its rows were being written."""


@dataclass
class BroadcastService:
    """Coordinator actions on broadcasts; each change is one transaction with its audit row."""

    db: Engine
    catalogs: Catalogs
    clock: Callable[[], datetime]
    actor: str = "cli"
    reach: Mapping[str, Callable[[Reach], bool]] = field(default_factory=dict)
    """Each channel's rule for what the bot may start there now (``Channel.can_reach``):
    someone WhatsApp cannot take a broadcast from now (outside the 24-hour window, no template
    for her text) is sent to on another channel of hers, if she has one, and the preview counts
    who will be "needs template"."""
    rates: Mapping[str, float] = field(default_factory=dict)
    """Messages per second each rate-limited channel takes (settings ``telegram_rate``,
    ``twilio_rate``): what a broadcast cannot finish before the quiet hours waits for the
    morning (:func:`hold_for_quiet_hours`)."""
    configured: frozenset[str] | None = None
    """The channels this deployment can send on (``Runtime.channels``; ``None``: every one).
    Someone reachable only on another (WhatsApp without Twilio credentials) is excluded as
    "channel not configured" when the audience is resolved, so no row waits for a channel no
    dispatcher has, and the preview names the channel before anything is sent."""

    # ---- create ---------------------------------------------------------------------------

    def create(self, draft: Draft, organisation: str | int) -> dict[str, Any]:
        """Store a draft after checking its texts and audience; say which languages lack one.

        ``organisation``: its slug (the command line) or its id (the staff app)."""
        now = self.clock()
        with self.db.begin() as conn:
            org = self._check_draft(conn, draft, organisation)
            broadcast_id = conn.execute(
                insert(broadcasts)
                .values(
                    organisation_id=org["id"],
                    title=draft.title,
                    texts=draft.texts,
                    audience=draft.audience,
                    urgent=draft.urgent,
                    status="draft",
                    created_by=self.actor,
                    created_at=now,
                )
                .returning(broadcasts.c.id)
            ).scalar_one()
            self._audit(
                conn,
                "broadcast.create",
                broadcast_id,
                {"languages": sorted(draft.texts), "audience": draft.audience},
                org["id"],
            )
        return {"id": broadcast_id, **self.missing(broadcast_id)}

    def edit(self, broadcast_id: int, draft: Draft) -> dict[str, Any]:
        """Change a draft (title, texts, audience, urgent) with the checks of :meth:`create`;
        a broadcast scheduled, sending or done is not a draft any more."""
        with self.db.begin() as conn:
            row = self._lock(conn, broadcast_id)
            if row["status"] != "draft":
                raise BroadcastError(f"broadcast {broadcast_id} is {row['status']}: not a draft")
            org = self._check_draft(conn, draft, int(row["organisation_id"]))
            conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id)
                .values(
                    title=draft.title,
                    texts=draft.texts,
                    audience=draft.audience,
                    urgent=draft.urgent,
                )
            )
            self._audit(
                conn,
                "broadcast.edit",
                broadcast_id,
                {"languages": sorted(draft.texts), "audience": draft.audience},
                org["id"],
            )
        return {"id": broadcast_id, **self.missing(broadcast_id)}

    def _check_draft(
        self, conn: Connection, draft: Draft, organisation: str | int
    ) -> Mapping[str, Any]:
        """Texts, default-language text, title and audience checked; the organisation's row."""
        check_texts(draft.texts, self.catalogs.languages)
        org = (
            self._organisation(conn, organisation_id=organisation)
            if isinstance(organisation, int)
            else self._organisation(conn, slug=organisation)
        )
        if org["default_language"] not in draft.texts:
            raise BroadcastError(
                f"write the organisation's {org['default_language']} text first: "
                "it is what everyone without a text in her language gets"
            )
        if len(draft.title) > TITLE_LENGTH:
            raise BroadcastError(f"the title is longer than {TITLE_LENGTH} characters")
        check_audience(conn, org["id"], draft.audience, self.catalogs.languages)
        return org

    def missing(self, broadcast_id: int) -> dict[str, Any]:
        """Audience languages without a text: how many people each, and what they get instead."""
        with self.db.connect() as conn:
            row, _org, audience = self._resolve(conn, broadcast_id)
        return _gaps(row["texts"], audience)

    # ---- preview --------------------------------------------------------------------------

    def preview(self, broadcast_id: int) -> dict[str, Any]:
        """Who would get it now: counts per language and channel, exclusions, one rendered
        example per language, and who gets a fallback language."""
        with self.db.begin() as conn:
            row, org, audience = self._resolve(conn, broadcast_id)
            self._audit(conn, "broadcast.preview", broadcast_id, {}, org["id"])
        per: Counter[tuple[str, str]] = Counter(
            (p.text_language, p.channel) for p in audience.recipients
        )
        examples: dict[str, str] = {}
        for person in audience.recipients:
            if person.text_language not in examples:
                examples[person.text_language] = self.render(row["texts"], person, org["name"])
        gaps = _gaps(row["texts"], audience)
        return {
            "id": broadcast_id,
            "title": row["title"],
            "status": row["status"],
            "recipients": len(audience.recipients),
            "groups": audience.groups,
            "by_language_channel": [
                {"language": lang, "channel": channel, "people": count}
                for (lang, channel), count in sorted(per.items())
            ],
            "excluded": dict(Counter(e.reason for e in audience.excluded)),
            "needs_template": sum(1 for p in audience.recipients if not p.reachable),
            "fallbacks": gaps["missing"],
            "examples": examples,
            "not_configured": self.unconfigured(audience),
            "unconfigured_groups": audience.unconfigured_groups,
        }

    def unconfigured(self, audience: Audience) -> dict[str, int]:
        """Channels the audience's people use that this deployment cannot send on: how many
        people each (they are excluded as "channel not configured")."""
        counted = Counter(
            e.channel or "?" for e in audience.excluded if e.reason == NOT_CONFIGURED
        )
        return dict(sorted(counted.items()))

    def estimate(
        self, organisation_id: int, texts: Mapping[str, str], audience_spec: Mapping[str, Any]
    ) -> dict[str, Any]:
        """What the composer shows while she types, before anything is stored: recipients per
        language and channel, exclusions with reasons, who needs a WhatsApp template and
        whether one exists, channels not configured.  Reads only; no audit entry.

        ``texts`` may be incomplete (the default language's text not written yet): people are
        counted with the texts there are.  An audience naming nobody counts nobody."""
        with self.db.connect() as conn:
            org = self._organisation(conn, organisation_id=organisation_id)
            named = any(audience_spec.get(k) for k in audience_spec if k != "match")
            if not named:
                found = Audience()
            else:
                found = resolve(
                    conn,
                    org["id"],
                    audience_spec,
                    # Counted as if her language had a text when none is written yet, so the
                    # numbers do not wait for the first word.
                    {org["default_language"]: "", **texts},
                    org["default_language"],
                    self.catalogs.languages,
                    self._reach_rule(org["default_language"]),
                    self.configured,
                )
        return {
            **_counts(found),
            **self.templates_needed(found, org["default_language"]),
            "not_configured": self.unconfigured(found),
            "unconfigured_groups": found.unconfigured_groups,
            "groups": found.groups,
            "fallbacks": _gaps(texts, found)["missing"],
        }

    def templates_needed(self, audience: Audience, default_language: str) -> dict[str, Any]:
        """WhatsApp recipients outside the 24-hour window (she has not written for a day):
        only an approved template reaches them.  Per text language: how many, and whether a
        template exists (``template``) or their row will be "needs template"."""
        now = self.clock()
        rule = self.reach.get("whatsapp")
        per: dict[str, dict[str, Any]] = {}
        for person in audience.recipients:
            if person.channel != "whatsapp":
                continue
            last = person.last_inbound_at
            if last is not None and now - last < WHATSAPP_WINDOW:
                continue
            entry = per.setdefault(
                person.text_language,
                {
                    "people": 0,
                    "template": rule is not None
                    and rule(Reach(KIND, person.text_language, default_language, None)),
                },
            )
            entry["people"] += 1
        return {
            "outside_window": dict(sorted(per.items())),
            "needs_template": sum(1 for p in audience.recipients if not p.reachable),
        }

    def render(self, texts: Mapping[str, str], person: Recipient, org_name: str) -> str:
        """Her text with her name and the organisation's name filled in."""
        return fill(texts[person.text_language], {"name": self._name(person), "org": org_name})

    def _name(self, person: Recipient) -> str:
        """The name she gave, or a neutral greeting in her text's language."""
        if person.name:
            return person.name
        language = self.catalogs.languages.get(person.text_language)
        return self.catalogs.translate(language, NAME_FALLBACK)

    # ---- send -----------------------------------------------------------------------------

    def send(
        self,
        broadcast_id: int,
        at: str | None = None,
        urgent: bool | None = None,
        followup_hours: int | None = None,
    ) -> dict[str, Any]:
        """Send now, or schedule for ``at`` (organisation's local time).  Outside quiet hours
        unless urgent: a moment inside them moves to the morning (and is shown)."""
        now = self.clock()
        if followup_hours is not None and followup_hours < 1:
            raise BroadcastError("--follow-up-hours must be at least 1")
        with self.db.begin() as conn:
            row = load(conn, broadcast_id)
            if row["status"] in ("sent", "cancelled"):
                raise BroadcastError(f"broadcast {broadcast_id} is {row['status']} already")
            if row["status"] == "sending" and at:
                raise BroadcastError(f"broadcast {broadcast_id} is being sent: too late for --at")
            times = org_times(conn, row["organisation_id"])
            try:
                wanted = parse_local(at, times.timezone) if at else now
            except LocalTimeError as error:  # a malformed --at: a clean message, no traceback
                raise BroadcastError(str(error)) from error
            if wanted < now - timedelta(minutes=1):
                raise BroadcastError(f"{at} is in the past")
            urgent = row["urgent"] if urgent is None else urgent
            moment = (
                wanted
                if urgent
                else outside_quiet_hours(
                    wanted, times.timezone, times.quiet_start, times.quiet_end
                )
            )
            status = "sending" if row["status"] == "sending" else "scheduled"
            conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id)
                .values(
                    status=status,
                    send_at=moment,
                    urgent=urgent,
                    followup_hours=followup_hours or row["followup_hours"],
                )
            )
            self._audit(
                conn,
                "broadcast.send",
                broadcast_id,
                {"at": show_local(moment, times.timezone), "urgent": urgent},
                row["organisation_id"],
            )
        enqueued = self.enqueue(broadcast_id) if moment <= now else 0
        return {
            "id": broadcast_id,
            "send_at": show_local(moment, times.timezone),
            "moved_out_of_quiet_hours": moment != wanted,
            "scheduled": moment > now,
            "enqueued": enqueued,
        }

    def enqueue(self, broadcast_id: int) -> int:
        """Write the outbox rows of a due broadcast; safe to repeat and to interrupt.

        Returns how many rows this call added.
        """
        now = self.clock()
        with self.db.begin() as conn:
            row = load(conn, broadcast_id)
            if row["status"] not in ("scheduled", "sending") or row["send_at"] > now:
                return 0
            if row["enqueued_at"] is not None:
                return 0  # everyone's row is written: a second "send" changes nothing
            conn.execute(
                update(broadcasts).where(broadcasts.c.id == broadcast_id).values(status="sending")
            )
        with self.db.connect() as conn:
            row, org, audience = self._resolve(conn, broadcast_id)
            times = org_times(conn, org["id"])
            done = set(
                conn.execute(
                    select(outbox.c.person_id).where(outbox.c.broadcast_id == broadcast_id)
                ).scalars()
            )
        due = (
            now
            if row["urgent"]
            else outside_quiet_hours(now, times.timezone, times.quiet_start, times.quiet_end)
        )
        rows = list(self._rows(row, org, audience, done, due))
        if not row["urgent"]:
            hold_for_quiet_hours(rows, due, times, self.rates)
        added = 0
        try:
            for start in range(0, len(rows), BATCH):
                added += self._write_batch(broadcast_id, rows[start : start + BATCH])
            self._write_exclusions(broadcast_id, audience, done)
        except _CancelledError:
            return added
        with self.db.begin() as conn:
            conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id, broadcasts.c.status == "sending")
                .values(enqueued_at=now)
            )
        return added

    def _rows(
        self,
        row: Mapping[str, Any],
        org: Mapping[str, Any],
        audience: Audience,
        done: set[int],
        due: datetime,
    ) -> Iterator[dict[str, Any]]:
        """One outbox row per recipient not yet written, and one per Telegram group."""
        now = self.clock()
        base = {
            "kind": KIND,
            "broadcast_id": row["id"],
            "priority": BULK_PRIORITY,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due,
            "created_at": now,
        }
        prefix = key_prefix(row["id"])
        for person in audience.recipients:
            if person.person_id in done:
                continue
            text = self.render(row["texts"], person, org["name"])
            language = self.catalogs.languages.get(person.text_language)
            payload = Reply(text, (), person.text_language, bool(language and language.rtl))
            yield {
                **base,
                "idempotency_key": f"{prefix}{person.person_id}",
                "person_id": person.person_id,
                "identity_id": person.identity_id,
                "channel": person.channel,
                "payload": {
                    **payload.to_payload(),
                    "broadcast": row["id"],
                    # Its body stays (encrypted) after sending only if a follow-up may send
                    # it again; otherwise it goes once the platform has it.
                    FOLLOWUP_MAY_RESEND: row["followup_hours"] is not None,
                    # Her own language, for the report ("fa → de": a Persian speaker who got
                    # the German text); ``language`` is the text's.
                    "her_language": person.language,
                    # The WhatsApp template's variables, outside the 24-hour window.
                    # WhatsApp refuses template variables with line breaks, tabs or long runs
                    # of spaces, so the template's copy of the text is on one line.
                    "values": {
                        "name": self._name(person),  # a template refuses an empty one
                        "org": org["name"],
                        "text": " ".join(text.split()),
                    },
                },
            }
        default = org["default_language"]
        greeting = self.catalogs.translate(self.catalogs.languages.get(default), NAME_FALLBACK)
        for chat in audience.groups:  # a group gets the organisation's text, nobody's name
            text = fill(row["texts"][default], {"name": greeting, "org": org["name"]})
            yield {
                **base,
                "idempotency_key": f"{prefix}group:{chat}",
                "person_id": None,
                "identity_id": None,
                "channel": "telegram",
                "address": chat,
                "payload": {**Reply(text, (), default).to_payload(), "broadcast": row["id"]},
            }

    def _write_batch(self, broadcast_id: int, rows: list[dict[str, Any]]) -> int:
        """Insert rows whose keys are new; roll back if the broadcast was cancelled."""
        keys = [r["idempotency_key"] for r in rows]
        with self.db.begin() as conn:
            self._lock(conn, broadcast_id)
            # Found by the unique index, not by scanning the outbox for the key prefix.
            existing = conn.execute(
                select(func.count()).where(outbox.c.idempotency_key.in_(keys))
            ).scalar_one()
            for address in (True, False):  # executemany needs the same columns in every row
                chunk = [r for r in rows if ("address" in r) is address]
                if chunk:
                    _enqueue_new(conn, chunk)
            status = load(conn, broadcast_id)["status"]
            if status == "cancelled":
                raise _CancelledError
            return len(rows) - int(existing)

    def _write_exclusions(self, broadcast_id: int, audience: Audience, done: set[int]) -> None:
        rows = [
            {
                "broadcast_id": broadcast_id,
                "person_id": e.person_id,
                "language": e.language,
                "channel": e.channel,
                "reason": e.reason,
            }
            for e in audience.excluded
            if e.person_id not in done
        ]
        if rows:
            with self.db.begin() as conn:
                for start in range(0, len(rows), BATCH):
                    _insert_ignoring(conn, broadcast_exclusions, rows[start : start + BATCH])

    # ---- cancel ---------------------------------------------------------------------------

    def cancel(self, broadcast_id: int) -> dict[str, Any]:
        """Stop a broadcast: what has not gone out yet will not go."""
        with self.db.begin() as conn:
            row = self._lock(conn, broadcast_id)
            if row["status"] in ("sent", "cancelled"):
                raise BroadcastError(f"broadcast {broadcast_id} is {row['status']} already")
            conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id)
                .values(status="cancelled", finished_at=self.clock())
            )
            withdrawn = conn.execute(
                update(outbox)
                .where(
                    outbox.c.broadcast_id == broadcast_id,
                    # Claimed rows wait in a dispatcher's queue; it marks them ``sending``
                    # only if they are still ``claimed``, so these do not go either.
                    outbox.c.status.in_(("pending", "claimed")),
                )
                .values(status="cancelled", error="broadcast cancelled")
            ).rowcount
            forget_broadcast_bodies(conn, broadcast_id)  # nothing will send them now
            self._audit(
                conn,
                "broadcast.cancel",
                broadcast_id,
                {"withdrawn": withdrawn},
                row["organisation_id"],
            )
        return {"id": broadcast_id, "withdrawn": withdrawn}

    # ---- reports (bot.features.broadcasts.report) -----------------------------------------------

    def status(self, broadcast_id: int) -> dict[str, Any]:
        """See :func:`bot.features.broadcasts.report.status`."""
        return report.status(self.db, broadcast_id)

    def people(self, broadcast_id: int) -> list[dict[str, Any]]:
        """See :func:`bot.features.broadcasts.report.people`."""
        return report.people(self.db, broadcast_id)

    def progress(self, broadcast_id: int) -> dict[str, int | bool | str]:
        """See :func:`bot.features.broadcasts.report.progress`."""
        return report.progress(self.db, broadcast_id, self.clock())

    def list_broadcasts(self, organisation: str | None = None) -> list[dict[str, Any]]:
        """See :func:`bot.features.broadcasts.report.list_broadcasts`."""
        return report.list_broadcasts(self.db, organisation)

    # ---- follow-up ------------------------------------------------------------------------

    def follow_up(self, broadcast_id: int, force: bool = False) -> int:
        """Send it once more to those not known to have read it, by another channel if she has
        one.  Due ``followup_hours`` after the broadcast was enqueued (``force``: now).

        Who: WhatsApp rows sent without a read receipt; rows that failed or need a template
        (only if she has another working channel).  Telegram and the simulator report no
        reads, so a message sent there is not repeated on the same channel.
        """
        now = self.clock()
        with self.db.begin() as conn:
            row = self._lock(conn, broadcast_id)
            if row["followup_done_at"] is not None or row["enqueued_at"] is None:
                return 0
            hours = row["followup_hours"]
            if not force and (hours is None or row["enqueued_at"] + timedelta(hours=hours) > now):
                return 0
            if row["status"] == "cancelled":
                return 0
            times = org_times(conn, row["organisation_id"])
            due = (
                now
                if row["urgent"]
                else outside_quiet_hours(now, times.timezone, times.quiet_start, times.quiet_end)
            )
            rows = list(self._followup_rows(conn, broadcast_id, due))
            for start in range(0, len(rows), BATCH):
                _enqueue_new(conn, rows[start : start + BATCH])
            conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id)
                .values(followup_done_at=now)
            )
            forget_broadcast_bodies(conn, broadcast_id)  # nothing will send them again
            self._audit(
                conn,
                "broadcast.followup",
                broadcast_id,
                {"people": len(rows)},
                row["organisation_id"],
            )
        return len(rows)

    def _followup_rows(
        self, conn: Connection, broadcast_id: int, due: datetime
    ) -> Iterator[dict[str, Any]]:
        sent = conn.execute(
            select(
                outbox.c.person_id,
                outbox.c.identity_id,
                outbox.c.channel,
                outbox.c.status,
                outbox.c.delivery_status,
                outbox.c.payload,
            ).where(
                outbox.c.broadcast_id == broadcast_id,
                outbox.c.person_id.is_not(None),
                outbox.c.kind == KIND,
            )
        ).all()
        candidates = {
            r.person_id: r
            for r in sent
            if (r.status == "sent" and r.channel == "whatsapp" and r.delivery_status != "read")
            or r.status in ("failed", "needs_template")
        }
        others = _other_identities(conn, candidates)
        now = self.clock()
        for person_id, original in candidates.items():
            other = others.get(person_id)
            if other is None and original.status != "sent":
                continue  # the same channel failed already: it would fail again
            identity_id, channel = other or (original.identity_id, original.channel)
            yield {
                "idempotency_key": f"{key_prefix(broadcast_id)}{person_id}:followup",
                "person_id": person_id,
                "identity_id": identity_id,
                "channel": channel,
                "kind": KIND,
                "broadcast_id": broadcast_id,
                "priority": BULK_PRIORITY,
                "payload": last_sending(original.payload),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": due,
                "created_at": now,
            }

    # ---- the scheduler's job --------------------------------------------------------------

    def tick(self) -> dict[str, int]:
        """Enqueue due (or interrupted) broadcasts, mark finished ones ``sent``, send due
        follow-ups.  Run by the scheduler every few seconds; harmless to run anywhere."""
        now = self.clock()
        with self.db.connect() as conn:
            due = list(
                conn.execute(
                    select(broadcasts.c.id).where(
                        (
                            (broadcasts.c.status == "scheduled")
                            | (
                                (broadcasts.c.status == "sending")
                                & broadcasts.c.enqueued_at.is_(None)
                            )
                        ),
                        broadcasts.c.send_at <= now,
                    )
                ).scalars()
            )
            sending = list(
                conn.execute(
                    select(broadcasts.c.id).where(
                        broadcasts.c.status == "sending", broadcasts.c.enqueued_at.is_not(None)
                    )
                ).scalars()
            )
            followups = list(
                conn.execute(
                    select(broadcasts.c.id).where(
                        broadcasts.c.status.in_(("sending", "sent")),
                        broadcasts.c.followup_hours.is_not(None),
                        broadcasts.c.followup_done_at.is_(None),
                    )
                ).scalars()
            )
        enqueued = sum(self.enqueue(b) for b in due)
        finished = sum(self._finish(b) for b in sending)
        followed = sum(self.follow_up(b) for b in followups)
        return {"enqueued": enqueued, "finished": finished, "followups": followed}

    def _finish(self, broadcast_id: int) -> int:
        """``sending`` → ``sent`` once no row of it is waiting any more."""
        with self.db.begin() as conn:
            waiting = conn.execute(
                select(func.count()).where(
                    outbox.c.broadcast_id == broadcast_id,
                    outbox.c.status.in_(QUEUED),
                )
            ).scalar_one()
            if waiting:
                return 0
            return conn.execute(
                update(broadcasts)
                .where(broadcasts.c.id == broadcast_id, broadcasts.c.status == "sending")
                .values(status="sent", finished_at=self.clock())
            ).rowcount

    # ---- helpers --------------------------------------------------------------------------

    def _resolve(
        self, conn: Connection, broadcast_id: int
    ) -> tuple[Mapping[str, Any], Mapping[str, Any], Audience]:
        row = load(conn, broadcast_id)
        org = self._organisation(conn, organisation_id=row["organisation_id"])
        audience = resolve(
            conn,
            org["id"],
            row["audience"],
            row["texts"],
            org["default_language"],
            self.catalogs.languages,
            self._reach_rule(org["default_language"]),
            self.configured,
        )
        return row, org, audience

    def _reach_rule(self, default_language: str) -> CanReach | None:
        """The channels' rule for a message the bot starts (the channel applies the same rule
        when sending)."""
        if not self.reach:
            return None
        rules = self.reach

        def can_reach(identity: Identity, language: str) -> bool:
            rule = rules.get(identity.channel)
            if rule is None:
                return True
            return rule(Reach(KIND, language, default_language, identity.last_inbound_at))

        return can_reach

    def _lock(self, conn: Connection, broadcast_id: int) -> Mapping[str, Any]:
        """Read the broadcast, locking its row on PostgreSQL (enqueue and cancel serialise)."""
        query = select(broadcasts).where(broadcasts.c.id == broadcast_id)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).mappings().first()
        if row is None:
            raise BroadcastError(f"no broadcast {broadcast_id}")
        return cast(Mapping[str, Any], row)

    def _organisation(
        self, conn: Connection, slug: str | None = None, organisation_id: int | None = None
    ) -> Mapping[str, Any]:
        query = select(
            organisations.c.id,
            organisations.c.slug,
            organisations.c.name,
            organisations.c.default_language,
        )
        query = (
            query.where(organisations.c.slug == slug)
            if slug is not None
            else query.where(organisations.c.id == organisation_id)
        )
        row = conn.execute(query).mappings().first()
        if row is None:
            raise BroadcastError(f"no organisation {slug!r}")
        return cast(Mapping[str, Any], row)

    def _audit(
        self,
        conn: Connection,
        action: str,
        broadcast_id: int,
        details: dict[str, Any],
        organisation_id: int,
    ) -> None:
        """One audit entry, carrying the organisation (its admins see it on the audit page)."""
        record(
            conn,
            self.clock(),
            self.actor,
            action,
            {"broadcast": broadcast_id, **details},
            organisation_id=organisation_id,
        )


def channel_rates(settings: Settings) -> dict[str, float]:
    """The send rate of each rate-limited channel, as the dispatcher's limiters use them."""
    return {"telegram": settings.telegram_rate, "whatsapp": settings.twilio_rate}


#: Of a channel's limit, the share a broadcast is reckoned to get (replies to people chatting
#: go first), and how long before the quiet hours its last message is planned at the latest.
PACED_SHARE = 0.9
QUIET_MARGIN = timedelta(minutes=2)


def hold_for_quiet_hours(
    rows: list[dict[str, Any]], start: datetime, times: OrgTimes, rates: Mapping[str, float]
) -> int:
    """Rows a channel cannot send before the quiet hours begin wait for the morning.

    A broadcast to 15 000 people on Telegram takes over eight minutes at 30 messages a
    second; started at 19:55 it would go on into the night.  Each row is given the moment the
    dispatcher will reach it at the channel's pace (its place in the channel's queue divided
    by :data:`PACED_SHARE` of the rate); those due after the quiet hours begin (less
    :data:`QUIET_MARGIN`) go out when they end.  Channels without a limit send everything at
    once.  Returns how many rows wait.
    """
    window = next_quiet_window(start, times.timezone, times.quiet_start, times.quiet_end)
    if window is None:
        return 0
    opens, closes = window
    placed: Counter[str] = Counter()
    held = 0
    for row in rows:
        rate = rates.get(row["channel"])
        if not rate:
            continue
        seconds = placed[row["channel"]] / (rate * PACED_SHARE)
        placed[row["channel"]] += 1
        if start + timedelta(seconds=seconds) >= opens - QUIET_MARGIN:
            row["next_attempt_at"] = closes
            held += 1
    return held


def _counts(audience: Audience) -> dict[str, Any]:
    """Recipients per language and channel, and the excluded by reason, language, channel."""
    per: Counter[tuple[str, str]] = Counter(
        (p.text_language, p.channel) for p in audience.recipients
    )
    excluded = Counter((e.reason, e.language or "?", e.channel or "-") for e in audience.excluded)
    return {
        "recipients": len(audience.recipients),
        "by_language_channel": [
            {"language": lang, "channel": channel, "people": count}
            for (lang, channel), count in sorted(per.items())
        ],
        "by_language": dict(sorted(Counter(p.text_language for p in audience.recipients).items())),
        "by_channel": dict(sorted(Counter(p.channel for p in audience.recipients).items())),
        "excluded": dict(Counter(e.reason for e in audience.excluded)),
        "excluded_by": [
            {"reason": reason, "language": lang, "channel": channel, "people": n}
            for (reason, lang, channel), n in sorted(excluded.items())
        ],
    }


def _gaps(texts: Mapping[str, str], audience: Audience) -> dict[str, Any]:
    """Audience languages without a text: how many people each, and what they get instead."""
    fallbacks: dict[str, Counter[str]] = defaultdict(Counter)
    for person in audience.recipients:
        if person.language and person.language != person.text_language:
            fallbacks[person.language][person.text_language] += 1
    no_text = Counter(e.language or "?" for e in audience.excluded if e.reason == "no_text")
    return {
        "texts": sorted(texts),
        "missing": {
            language: {"people": sum(got.values()), "get": dict(got)}
            for language, got in sorted(fallbacks.items())
            if language not in texts
        },
        "no_text": dict(no_text),
    }


def _insert_ignoring(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, leaving alone any whose unique key exists (an interrupted run, repeated)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        conn.execute(postgresql_insert(table).on_conflict_do_nothing(), rows)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).on_conflict_do_nothing(), rows)


def _enqueue_new(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Enqueue rows, leaving alone any whose key exists (an interrupted run, repeated)."""
    fields = OutboxRow.__dataclass_fields__
    enqueue(
        conn,
        [OutboxRow(**{k: v for k, v in row.items() if k in fields}) for row in rows],
        skip_existing=True,
    )


def _other_identities(
    conn: Connection, originals: Mapping[int, Any]
) -> dict[int, tuple[int, str]]:
    """For each person, a working identity on another channel than her original row's."""
    found: dict[int, tuple[int, str]] = {}
    ids = list(originals)
    for start in range(0, len(ids), 900):
        for row in conn.execute(
            select(identities.c.id, identities.c.person_id, identities.c.channel)
            .where(
                identities.c.person_id.in_(ids[start : start + 900]), identities.c.status == "ok"
            )
            .order_by(identities.c.last_inbound_at.desc().nulls_last(), identities.c.id)
        ):
            if row.channel != originals[row.person_id].channel:
                found.setdefault(row.person_id, (row.id, row.channel))
    return found
