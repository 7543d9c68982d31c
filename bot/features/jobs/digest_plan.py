"""When each woman's next job digest goes, and who is told that an offer is gone (hourly).

The rules (issue 15):

* at most one job message a week: a new digest only 7 local days after her last one (the
  day its first card went out, read from ``job_notices``);
* at a good local time: a working day's morning, 10:00 in the organisation's time zone (until
  noon the same morning still counts); quiet hours and the daily cap apply as to every nudge
  the bot starts (:mod:`bot.nudges.daily_cap`);
* only when something fits her now (:mod:`.matching`); what goes is decided again when it
  fires (:mod:`.digest_nudges`): an offer closed or expired meanwhile is never sent;
* one digest waiting per woman at a time (``pending`` or ``capped``).

Withdrawals: a woman who said "✋ Interessiert" to an offer that staff closed before it ran
out is told once (``withdrawn_told_at``), unless staff recorded that she started there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bot.db.tables import job_notices, job_offers, nudges, organisations, people
from bot.features.jobs.kinds import CLOSED, DIGEST_EVERY_DAYS, INTERESTED
from bot.features.jobs.matching import ranked
from bot.features.jobs.reach import open_offers, seekers
from bot.nudges.daily_cap import OrgTimes, apply_daily_caps
from bot.nudges.quiet_hours import at_local, local_day

#: The nudge kinds (``nudges.kind``).
DIGEST_KIND = "job_digest"
WITHDRAWN_KIND = "job_withdrawn"
#: A good local time: a working day (Monday to Friday) at 10:00, or until noon that morning.
DIGEST_CLOCK = time(10, 0)
LATEST_CLOCK = time(12, 0)
WORKDAYS = frozenset(range(5))
#: A digest waiting to go (moved by quiet hours or the daily cap, it stays one of these).
WAITING = ("pending", "capped")
#: People whose notices one query reads.
CHUNK = 1000
#: Staff recorded that she started there: nobody tells her the offer is gone.
STARTED = "started"


def next_slot(now: datetime, earliest: date, timezone: str) -> datetime:
    """The first good moment at or after ``now`` on a day no earlier than ``earliest``."""
    day = max(local_day(now, timezone), earliest)
    for _ in range(14):
        if day.weekday() in WORKDAYS:
            start = at_local(day, DIGEST_CLOCK, timezone)
            if now <= start:
                return start
            if now < at_local(day, LATEST_CLOCK, timezone):
                return now
        day += timedelta(days=1)
    raise AssertionError("a working day comes within two weeks")


def last_digest_days(
    conn: Connection, person_ids: Iterable[int], timezone: str
) -> dict[int, date]:
    """Per woman, the local day her last digest began (its first card)."""
    wanted = sorted(set(person_ids))
    firsts: list[Any] = []
    for start in range(0, len(wanted), CHUNK):  # bound parameters stay well below limits
        firsts += conn.execute(
            select(job_notices.c.person_id, func.min(job_notices.c.sent_at))
            .where(job_notices.c.person_id.in_(wanted[start : start + CHUNK]))
            .group_by(job_notices.c.person_id, job_notices.c.digest)
        ).all()
    days: dict[int, date] = {}
    for person_id, first in firsts:
        day = local_day(first, timezone)
        if person_id not in days or day > days[person_id]:
            days[person_id] = day
    return days


def may_send(last: date | None, today: date) -> bool:
    """At most one digest a week: 7 local days after the last one."""
    return last is None or today >= last + timedelta(days=DIGEST_EVERY_DAYS)


def plan_digests(conn: Connection, now: datetime) -> int:
    """Schedule the next digest of every woman something fits; returns how many."""
    planned = 0
    for org in conn.execute(
        select(
            organisations.c.id,
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
        ).order_by(organisations.c.id)
    ).all():
        today = local_day(now, org.timezone)
        offers = open_offers(conn, org.id, today)
        if not offers:
            continue
        women = seekers(conn, org.id)
        waiting = set(
            conn.execute(
                select(nudges.c.person_id)
                .join(people, people.c.id == nudges.c.person_id)
                .where(
                    people.c.organisation_id == org.id,
                    nudges.c.kind == DIGEST_KIND,
                    nudges.c.status.in_(WAITING),
                )
            ).scalars()
        )
        last = last_digest_days(conn, (w.person_id for w in women), org.timezone)
        times = OrgTimes(org.timezone, org.quiet_hours_start, org.quiet_hours_end)
        scheduled: dict[int, OrgTimes] = {}
        for woman in women:
            if woman.person_id in waiting or not ranked(woman, offers, today, limit=1):
                continue
            earliest = (
                last[woman.person_id] + timedelta(days=DIGEST_EVERY_DAYS)
                if (woman.person_id in last)
                else today
            )
            due = next_slot(now, earliest, org.timezone)
            key = f"jobs:digest:{woman.person_id}:{local_day(due, org.timezone).isoformat()}"
            if conn.execute(select(nudges.c.id).where(nudges.c.idempotency_key == key)).first():
                continue  # that day's digest was decided already (skipped when it fired)
            conn.execute(
                insert(nudges).values(
                    person_id=woman.person_id,
                    kind=DIGEST_KIND,
                    due_at=due,
                    payload={},
                    idempotency_key=key,
                    status="pending",
                    created_at=now,
                )
            )
            scheduled[woman.person_id] = times
        if scheduled:
            apply_daily_caps(conn, scheduled, now)
        planned += len(scheduled)
    return planned


def plan_withdrawals(conn: Connection, now: datetime) -> int:
    """Tell once whoever was interested in an offer closed before it ran out; returns how
    many were told."""
    rows = conn.execute(
        select(
            job_notices.c.id,
            job_notices.c.person_id,
            job_notices.c.offer_id,
            job_offers.c.closed_at,
            job_offers.c.expires_on,
            organisations.c.timezone,
        )
        .join(job_offers, job_offers.c.id == job_notices.c.offer_id)
        .join(people, people.c.id == job_notices.c.person_id)
        .join(organisations, organisations.c.id == people.c.organisation_id)
        .where(
            job_notices.c.status == INTERESTED,
            job_notices.c.withdrawn_told_at.is_(None),
            job_offers.c.status == CLOSED,
            func.coalesce(job_notices.c.outcome, "") != STARTED,
        )
        .order_by(job_notices.c.id)
    ).all()
    told = 0
    times: dict[int, OrgTimes] = {}
    for row in rows:
        closed = row.closed_at or now
        if local_day(closed, row.timezone) > row.expires_on:
            continue  # it ran out: not withdrawn
        conn.execute(
            update(job_notices).where(job_notices.c.id == row.id).values(withdrawn_told_at=now)
        )
        conn.execute(
            insert(nudges).values(
                person_id=row.person_id,
                kind=WITHDRAWN_KIND,
                due_at=now,
                payload={"offer_id": row.offer_id},
                idempotency_key=f"jobs:withdrawn:{row.id}",
                status="pending",
                created_at=now,
            )
        )
        told += 1
        times[row.person_id] = _times(conn, row.person_id)
    if times:
        apply_daily_caps(conn, times, now)
    return told


def _times(conn: Connection, person_id: int) -> OrgTimes:
    org = conn.execute(
        select(
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
        )
        .join(people, people.c.organisation_id == organisations.c.id)
        .where(people.c.id == person_id)
    ).one()
    return OrgTimes(org.timezone, org.quiet_hours_start, org.quiet_hours_end)


def run_plan(conn: Connection, now: datetime) -> Mapping[str, int]:
    """The hourly job: digests to schedule, withdrawals to tell."""
    counts: dict[str, int] = defaultdict(int)
    counts["digests"] = plan_digests(conn, now)
    counts["withdrawals"] = plan_withdrawals(conn, now)
    return counts


__all__ = [
    "DIGEST_KIND",
    "WITHDRAWN_KIND",
    "last_digest_days",
    "may_send",
    "next_slot",
    "plan_digests",
    "plan_withdrawals",
    "run_plan",
]
