"""Seeding groups and their members directly, for the groups' tests (the staff pages, the CLI
and the chat that write them are tested on their own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from bot.db.tables import group_members, groups
from bot.runtime import Runtime


def add_group(
    runtime: Runtime,
    organisation: int,
    now: datetime,
    *,
    name: dict[str, str] | None = None,
    code: str = "cafe1",
    town: str = "Hoya",
    approval: bool = False,
    status: str = "active",
    **values: Any,
) -> int:
    """A group of ``organisation``; its id."""
    with runtime.db.begin() as conn:
        return int(
            conn.execute(
                insert(groups)
                .values(
                    organisation_id=organisation,
                    code=code,
                    name=name or {"de": "Frauencafé Hoya"},
                    description=values.pop("description", {"de": "Wir trinken Kaffee."}),
                    town=town,
                    approval=approval,
                    status=status,
                    created_by="test",
                    created_at=now,
                    updated_at=now,
                    **values,
                )
                .returning(groups.c.id)
            ).scalar_one()
        )


def add_member(
    runtime: Runtime,
    group: int,
    person: int,
    now: datetime,
    *,
    role: str = "member",
    status: str = "active",
) -> None:
    """``person`` in ``group`` with ``role`` and ``status``."""
    with runtime.db.begin() as conn:
        conn.execute(
            insert(group_members).values(
                group_id=group, person_id=person, role=role, status=status, joined_at=now
            )
        )
