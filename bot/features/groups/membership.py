"""Who belongs to a group: the contract the groups' parts share.

The meetup part (votes, reminders) and the Telegram poll part ask this module, and nothing
else, who may receive a group's messages and who may act for it.  Every answer is read at
the moment it is needed, so a woman who left (status ``left``) receives nothing more of the
group from that moment on, and a waiting request (``pending``) gives nothing yet.

A closed group (``groups.status = 'closed'``) has no active members and no organisers: nothing
more of it goes out.

Statuses of ``group_members``: ``active``, ``pending`` (asked to join, an organiser has not
answered), ``declined``, ``left``.  Roles: ``member``, ``organiser``; an organiser is an
active member with the role ``organiser``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, and_, select

from bot.db.tables import group_members, groups

ACTIVE = "active"
PENDING = "pending"
DECLINED = "declined"
LEFT = "left"

MEMBER = "member"
ORGANISER = "organiser"


def _open(group_id: int) -> Any:
    """The group exists and is not closed (as a condition on ``group_members`` rows)."""
    return group_members.c.group_id.in_(
        select(groups.c.id).where(groups.c.id == group_id, groups.c.status == "active")
    )


def active_members(conn: Connection, group_id: int) -> list[int]:
    """The person ids of the group's active members (organisers included), oldest first;
    none while the group is closed."""
    return list(
        conn.execute(
            select(group_members.c.person_id)
            .where(
                group_members.c.group_id == group_id,
                group_members.c.status == ACTIVE,
                _open(group_id),
            )
            .order_by(group_members.c.joined_at, group_members.c.id)
        ).scalars()
    )


def organisers(conn: Connection, group_id: int) -> list[int]:
    """The person ids of the group's active organisers, oldest first."""
    return list(
        conn.execute(
            select(group_members.c.person_id)
            .where(
                group_members.c.group_id == group_id,
                group_members.c.status == ACTIVE,
                group_members.c.role == ORGANISER,
                _open(group_id),
            )
            .order_by(group_members.c.joined_at, group_members.c.id)
        ).scalars()
    )


def is_member(conn: Connection, group_id: int, person_id: int) -> bool:
    """Whether she is an active member (or organiser) of the group now."""
    return (
        conn.execute(
            select(group_members.c.id).where(
                and_(
                    group_members.c.group_id == group_id,
                    group_members.c.person_id == person_id,
                    group_members.c.status == ACTIVE,
                    _open(group_id),
                )
            )
        ).first()
        is not None
    )


def is_organiser(conn: Connection, group_id: int, person_id: int) -> bool:
    """Whether she is an active organiser of the group now."""
    return (
        conn.execute(
            select(group_members.c.id).where(
                and_(
                    group_members.c.group_id == group_id,
                    group_members.c.person_id == person_id,
                    group_members.c.status == ACTIVE,
                    group_members.c.role == ORGANISER,
                    _open(group_id),
                )
            )
        ).first()
        is not None
    )


def group_name(row_or_names: Any, language: str, default_language: str) -> str:
    """The group's name in ``language``, else the organisation's default language, else any.

    ``row_or_names`` is a ``groups`` row (anything with a ``name`` mapping, or a mapping
    with the key ``name``) or the per-language names themselves (``{"de": "Frauencafé"}``).
    """
    names: Any = row_or_names
    if isinstance(row_or_names, Mapping):
        if "name" in row_or_names and isinstance(row_or_names["name"], Mapping):
            names = row_or_names["name"]
    elif hasattr(row_or_names, "name"):
        names = row_or_names.name
    elif hasattr(row_or_names, "_mapping"):
        names = row_or_names._mapping.get("name")
    return in_language(names if isinstance(names, Mapping) else {}, language, default_language)


def in_language(texts: Mapping[str, Any] | None, language: str, default: str) -> str:
    """A per-language text: hers, else the default language's, else any ("" if none)."""
    texts = texts or {}
    for code in (language, default):
        value = str(texts.get(code) or "").strip()
        if value:
            return value
    return next((str(v).strip() for v in texts.values() if str(v or "").strip()), "")


__all__ = [
    "ACTIVE",
    "DECLINED",
    "LEFT",
    "MEMBER",
    "ORGANISER",
    "PENDING",
    "active_members",
    "group_name",
    "in_language",
    "is_member",
    "is_organiser",
    "organisers",
]
