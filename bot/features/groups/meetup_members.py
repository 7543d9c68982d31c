"""Who belongs to a group, as the meetup part needs it (read from ``group_members``).

Private to the meetups until the groups part's ``membership`` module (``active_members``,
``is_organiser``…) is on this branch: the same queries, to be replaced by it on merge.  Only
``active`` members count: a woman who left (``left``) or waits for approval gets nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from bot.db.tables import group_members, groups

ACTIVE = "active"
ORGANISER = "organiser"


def active_members(conn: Connection, group_id: int) -> list[int]:
    """The person ids of the group's active members (organisers included), in order."""
    return [
        int(p)
        for p in conn.execute(
            select(group_members.c.person_id)
            .where(group_members.c.group_id == group_id, group_members.c.status == ACTIVE)
            .order_by(group_members.c.person_id)
        ).scalars()
    ]


def is_member(conn: Connection, group_id: int, person_id: int) -> bool:
    """Whether she is an active member of the group (checked when each message fires)."""
    return person_id in active_members(conn, group_id)


def is_organiser(conn: Connection, group_id: int, person_id: int) -> bool:
    """Whether she is an active organiser of the group."""
    role = conn.execute(
        select(group_members.c.role).where(
            group_members.c.group_id == group_id,
            group_members.c.person_id == person_id,
            group_members.c.status == ACTIVE,
        )
    ).scalar()
    return role == ORGANISER


def may_propose(conn: Connection, group_id: int, person_id: int) -> bool:
    """Organisers propose; any member too when the group allows it; a closed group: nobody."""
    group = conn.execute(
        select(groups.c.status, groups.c.members_propose).where(groups.c.id == group_id)
    ).first()
    if group is None or group.status != ACTIVE:
        return False
    if group.members_propose:
        return is_member(conn, group_id, person_id)
    return is_organiser(conn, group_id, person_id)


def group_name(names: dict[str, str] | None, language: str, default_language: str) -> str:
    """The group's name in her language, else the organisation's default, else any."""
    names = names or {}
    return str(
        names.get(language) or names.get(default_language) or next(iter(names.values()), "")
    )


__all__ = ["active_members", "group_name", "is_member", "is_organiser", "may_propose"]
