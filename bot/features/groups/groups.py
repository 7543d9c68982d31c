"""Groups and their membership: what the chat, ``twc groups`` and the staff pages change.

One place decides joining (open: active at once; by approval: ``pending`` and her
organisers asked in their chats), leaving (at once: from that moment she receives nothing
of the group), answering a request and handing the organiser role on.  Who is asked or told
is a nudge row (kinds in :mod:`.group_nudges`), so it goes out in her own language on her
own channel, within quiet hours and her daily cap, and only with her ``messages`` consent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bot.db.tables import group_members, groups, nudges, organisations, people
from bot.features.groups import membership as m
from bot.nudges.daily_cap import OrgTimes, apply_daily_cap
from bot.towns import distance_km, same_town

#: Nudge kinds: an organiser asked to approve a request; a woman told an answer or news.
REQUEST = "group_request"
NEWS = "group_news"


@dataclass(frozen=True, slots=True)
class Joined:
    """What joining did: ``joined``, ``asked``, ``already`` (a member), ``waiting`` (asked
    before), ``closed`` (no such active group)."""

    outcome: str
    group: Any = None


def new_code(conn: Connection) -> str:
    """A fresh invite code (``/start g-<code>``): short, unguessable, unused."""
    while True:
        code = secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")
        if conn.execute(select(groups.c.id).where(groups.c.code == code)).first() is None:
            return code


def group(conn: Connection, group_id: int) -> Any:
    """The ``groups`` row, or ``None``."""
    return conn.execute(select(groups).where(groups.c.id == group_id)).first()


def member_count(conn: Connection, group_id: int) -> int:
    """How many women are active in the group."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(group_members)
            .where(group_members.c.group_id == group_id, group_members.c.status == m.ACTIVE)
        ).scalar_one()
    )


def _person(conn: Connection, person_id: int) -> Any:
    return conn.execute(
        select(people.c.organisation_id, people.c.town, people.c.display_name).where(
            people.c.id == person_id
        )
    ).first()


def memberships(conn: Connection, person_id: int) -> dict[int, Any]:
    """Her rows in ``group_members`` by group id (every status)."""
    rows = conn.execute(select(group_members).where(group_members.c.person_id == person_id))
    return {int(r.group_id): r for r in rows}


def near_her(conn: Connection, person_id: int) -> list[Any]:
    """The active groups of her organisation she may see: hers first (active or waiting),
    then the others in her town, then by distance (unknown distances last), then by name."""
    her = _person(conn, person_id)
    if her is None:
        return []
    rows = list(
        conn.execute(
            select(groups)
            .where(groups.c.organisation_id == her.organisation_id, groups.c.status == "active")
            .order_by(groups.c.id)
        )
    )
    mine = {
        gid
        for gid, row in memberships(conn, person_id).items()
        if row.status in (m.ACTIVE, m.PENDING)
    }

    def order(row: Any) -> tuple[int, int, float, int]:
        distance = distance_km(her.town, row.town)
        return (
            0 if row.id in mine else 1,
            0 if same_town(her.town, row.town) else 1,
            distance if distance is not None else float("inf"),
            int(row.id),
        )

    return sorted(rows, key=order)


def hers(conn: Connection, person_id: int) -> list[Any]:
    """The active groups she is an active member of, oldest membership first."""
    return list(
        conn.execute(
            select(groups)
            .join(group_members, group_members.c.group_id == groups.c.id)
            .where(
                group_members.c.person_id == person_id,
                group_members.c.status == m.ACTIVE,
                groups.c.status == "active",
            )
            .order_by(group_members.c.joined_at, group_members.c.id)
        )
    )


def _times(conn: Connection, person_id: int) -> OrgTimes:
    row = conn.execute(
        select(
            organisations.c.timezone,
            organisations.c.quiet_hours_start,
            organisations.c.quiet_hours_end,
        )
        .join(people, people.c.organisation_id == organisations.c.id)
        .where(people.c.id == person_id)
    ).one()
    return OrgTimes(row.timezone, row.quiet_hours_start, row.quiet_hours_end)


def tell(
    conn: Connection, person_id: int, kind: str, payload: dict[str, Any], key: str, now: datetime
) -> None:
    """One nudge to her, due now, once per ``key``; her day kept within the daily cap."""
    if conn.execute(select(nudges.c.id).where(nudges.c.idempotency_key == key)).first():
        return
    conn.execute(
        insert(nudges).values(
            person_id=person_id,
            kind=kind,
            due_at=now,
            payload=payload,
            idempotency_key=key,
            status="pending",
            created_at=now,
        )
    )
    apply_daily_cap(conn, person_id, _times(conn, person_id), now)


def join(conn: Connection, group_id: int, person_id: int, now: datetime) -> Joined:
    """She joins (open group) or asks to join (by approval: her organisers are asked)."""
    row = group(conn, group_id)
    her = _person(conn, person_id)
    if row is None or row.status != "active" or her is None:
        return Joined("closed")
    if her.organisation_id != row.organisation_id:
        return Joined("closed")
    before = memberships(conn, person_id).get(group_id)
    if before is not None and before.status == m.ACTIVE:
        return Joined("already", row)
    if before is not None and before.status == m.PENDING:
        return Joined("waiting", row)
    status = m.PENDING if row.approval else m.ACTIVE
    values = {"status": status, "role": m.MEMBER, "joined_at": now, "left_at": None}
    if before is None:
        member_id = conn.execute(
            insert(group_members)
            .values(group_id=group_id, person_id=person_id, **values)
            .returning(group_members.c.id)
        ).scalar_one()
    else:
        member_id = before.id
        conn.execute(update(group_members).where(group_members.c.id == member_id).values(values))
    if status == m.ACTIVE:
        return Joined("joined", row)
    stamp = now.strftime("%Y%m%d%H%M%S")
    for organiser in m.organisers(conn, group_id):
        tell(
            conn,
            organiser,
            REQUEST,
            {"member_id": int(member_id)},
            f"group:{member_id}:request:{organiser}:{stamp}",
            now,
        )
    return Joined("asked", row)


def leave(conn: Connection, group_id: int, person_id: int, now: datetime) -> bool:
    """She leaves at once (an organiser too); ``False`` when she was not in the group."""
    done = conn.execute(
        update(group_members)
        .where(
            group_members.c.group_id == group_id,
            group_members.c.person_id == person_id,
            group_members.c.status.in_((m.ACTIVE, m.PENDING)),
        )
        .values(status=m.LEFT, role=m.MEMBER, left_at=now)
    )
    return bool(done.rowcount)


def answer_request(
    conn: Connection, member_id: int, organiser_id: int, accept: bool, now: datetime
) -> Any:
    """An organiser accepts or declines a waiting request; the woman who asked is told.

    Returns the member row as it was, or ``None`` when the request no longer waits or the
    one answering is no longer an organiser of that group (nothing changes then).
    """
    row = conn.execute(select(group_members).where(group_members.c.id == member_id)).first()
    if row is None or row.status != m.PENDING:
        return None
    if not m.is_organiser(conn, row.group_id, organiser_id):
        return None
    status = m.ACTIVE if accept else m.DECLINED
    conn.execute(
        update(group_members)
        .where(group_members.c.id == member_id)
        .values(status=status, joined_at=now)
    )
    step = "accepted" if accept else "declined"
    tell(
        conn,
        int(row.person_id),
        NEWS,
        {"group_id": int(row.group_id), "step": step},
        f"group:{member_id}:{step}:{now.strftime('%Y%m%d%H%M%S')}",
        now,
    )
    return row


def hand_on(conn: Connection, group_id: int, from_id: int, to_id: int, now: datetime) -> bool:
    """She hands the organiser role to another active member (and becomes a member); the new
    organiser is told.  ``False`` when she is no organiser or the other no active member."""
    if from_id == to_id or not m.is_organiser(conn, group_id, from_id):
        return False
    if not m.is_member(conn, group_id, to_id):
        return False
    make_organiser(conn, group_id, to_id, now)
    conn.execute(
        update(group_members)
        .where(group_members.c.group_id == group_id, group_members.c.person_id == from_id)
        .values(role=m.MEMBER)
    )
    return True


def make_organiser(conn: Connection, group_id: int, person_id: int, now: datetime) -> None:
    """She organises the group from now (a member already, or added as one); she is told."""
    before = memberships(conn, person_id).get(group_id)
    values = {"role": m.ORGANISER, "status": m.ACTIVE, "left_at": None}
    if before is None:
        conn.execute(
            insert(group_members).values(
                group_id=group_id, person_id=person_id, joined_at=now, **values
            )
        )
    else:
        conn.execute(update(group_members).where(group_members.c.id == before.id).values(values))
    tell(
        conn,
        person_id,
        NEWS,
        {"group_id": group_id, "step": "organiser"},
        f"group:{group_id}:organiser:{person_id}:{now.strftime('%Y%m%d%H%M%S')}",
        now,
    )


def first_name(name: str | None) -> str:
    """The first word of the name she gave (all other women learn of her)."""
    words = (name or "").split()
    return words[0] if words else ""


__all__ = [
    "NEWS",
    "REQUEST",
    "Joined",
    "answer_request",
    "first_name",
    "group",
    "hand_on",
    "hers",
    "join",
    "leave",
    "make_organiser",
    "member_count",
    "memberships",
    "near_her",
    "new_code",
    "tell",
]
