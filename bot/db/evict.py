"""Forget the decrypted names, addresses and profile of people being erased.

:class:`~bot.db.types.FieldCipher` keeps recent decryptions of names and addresses in memory
(they are read with every message).  When a person is erased, her entries must go too:
otherwise her name would stay in the process's memory after the database forgot her.  Every
path that deletes a person calls :func:`evict_people` first, in the deleting transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, String, select, type_coerce

from bot.db.tables import identities, people
from bot.db.types import cipher


def evict_people(conn: Connection, person_ids: Iterable[int]) -> None:
    """Drop the remembered plain text of these people's names and addresses."""
    ids = list(person_ids)
    if not ids:
        return
    profile = conn.execute(  # the ciphertexts as stored: they are the cache's keys
        select(
            *(
                type_coerce(people.c[name], String)
                for name in ("display_name", "town", "interests", "attend_help")
            )
        ).where(people.c.id.in_(ids))
    ).all()
    addresses = conn.execute(
        select(type_coerce(identities.c.address, String)).where(identities.c.person_id.in_(ids))
    ).scalars()
    cipher().forget([*(value for row in profile for value in row), *addresses])


__all__ = ["evict_people"]
