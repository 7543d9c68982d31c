"""Who may see whom: a staff member sees the people of her own organisations, nobody else.

Every query of this feature goes through :func:`in_scope`.  A person of another organisation
is treated exactly like an id that does not exist (:class:`PersonNotFoundError`, a 404 on the
pages), so guessing ids tells nothing.  The services need three things of the logged-in staff
member and name them in :class:`Staff`, which the shell's ``StaffUser`` satisfies.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Protocol

from sqlalchemy import ColumnElement, false

from bot.db.tables import people


class Staff(Protocol):
    """What the people services need of a staff member (``bot.staff.principal.StaffUser``)."""

    @property
    def organisation_ids(self) -> Set[int]: ...

    def is_admin(self, organisation_id: int | None = None) -> bool: ...

    @property
    def actor(self) -> str: ...


class PersonNotFoundError(LookupError):
    """No such person, or one this staff member may not see (the same answer for both)."""


def in_scope(staff: Staff) -> ColumnElement[bool]:
    """The SQL condition "this person belongs to one of her organisations"."""
    ids = sorted(staff.organisation_ids)
    if not ids:
        return false()
    return people.c.organisation_id.in_(ids)


__all__ = ["PersonNotFoundError", "Staff", "in_scope"]
