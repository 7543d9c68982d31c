"""Who is logged in: the staff member a request acts as, with her role per organisation.

Every staff page reads ``request.state.staff`` (a :class:`StaffUser`) and filters every query by
:attr:`StaffUser.organisation_ids`: what she may see is her memberships and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ROLES = ("coordinator", "admin")


@dataclass(frozen=True)
class StaffUser:
    """A logged-in staff member (read from the database on every request, never cached)."""

    id: int
    email: str
    display_name: str
    language: str
    roles: Mapping[int, str] = field(default_factory=dict)
    """Organisation id -> ``"admin"`` or ``"coordinator"``."""

    @property
    def organisation_ids(self) -> frozenset[int]:
        """The organisations whose people, courses and inbox she may see."""
        return frozenset(self.roles)

    def is_admin(self, organisation_id: int | None = None) -> bool:
        """Admin of that organisation; without one, admin of any of hers."""
        if organisation_id is None:
            return "admin" in self.roles.values()
        return self.roles.get(organisation_id) == "admin"

    @property
    def admin_organisation_ids(self) -> frozenset[int]:
        """The organisations she administers (staff, resets)."""
        return frozenset(org for org, role in self.roles.items() if role == "admin")

    @property
    def actor(self) -> str:
        """How ``audit_log`` names her: ``staff:<id>``."""
        return f"staff:{self.id}"


__all__ = ["ROLES", "StaffUser"]
