"""Who may propose a meetup (the groups part's ``membership`` says who belongs)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from bot.db.tables import groups
from bot.features.groups.membership import (
    active_members,
    group_name,
    is_member,
    is_organiser,
)

ACTIVE = "active"


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


__all__ = ["active_members", "group_name", "is_member", "is_organiser", "may_propose"]
