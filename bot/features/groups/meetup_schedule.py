"""Writing the meetup's nudges: one row per member, due now, exactly once (an idempotency
key per meetup, kind and woman), then her day kept within the daily cap.  Quiet hours are
the kinds' (``quiet=True``): a row found due at night waits for the morning."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select

from bot.db.tables import nudges, people
from bot.nudges.daily_cap import OrgTimes, apply_daily_caps, org_times

VOTE_KIND = "meetup_vote"
CONFIRMED_KIND = "meetup_confirmed"


def tell_members(
    conn: Connection,
    meetup_id: int,
    members: Sequence[int],
    kind: str,
    now: datetime,
    due: datetime | None = None,
    step: str = "",
    payload: dict[str, object] | None = None,
) -> int:
    """Schedule ``kind`` for each of ``members`` (once per meetup, kind and ``step``), with
    ``payload`` besides the meetup's id; returns how many rows were written."""
    if not members:
        return 0
    keys = {p: f"meetup:{meetup_id}:{kind}{step}:{p}" for p in members}
    existing = set(
        conn.execute(
            select(nudges.c.idempotency_key).where(nudges.c.idempotency_key.in_(keys.values()))
        ).scalars()
    )
    rows = [
        {
            "person_id": p,
            "kind": kind,
            "due_at": due or now,
            "payload": {"meetup": meetup_id, **(payload or {})},
            "idempotency_key": key,
            "status": "pending",
            "created_at": now,
        }
        for p, key in keys.items()
        if key not in existing
    ]
    if not rows:
        return 0
    conn.execute(insert(nudges), rows)
    orgs: dict[int, int] = {
        int(person): int(org)
        for person, org in conn.execute(
            select(people.c.id, people.c.organisation_id).where(
                people.c.id.in_([r["person_id"] for r in rows])
            )
        )
    }
    times: dict[int, OrgTimes] = {org: org_times(conn, org) for org in set(orgs.values())}
    apply_daily_caps(conn, {p: times[o] for p, o in orgs.items()}, now)
    return len(rows)


__all__ = ["CONFIRMED_KIND", "VOTE_KIND", "tell_members"]
