"""Erasing a person: the one place that knows everything stored about her.

Every way a person is deleted goes through :class:`Eraser`: "delete everything" in the chat and
declining consent (:mod:`bot.turns.writer`), a coordinator's ``twc people delete`` on her
behalf, and the daily retention purge (``bot.features.retention``).  In the caller's
transaction it removes

* her ``people`` row, and with it, by the database's cascade, her channel identities,
  consents, conversation state, outbox rows, inbound media, requests to the team, nudges,
  enrolments, attendance and broadcast exclusions;
* what is linked to her only by her address: the chat simulator's transcript (keyed by the
  test user's address);
* her person id from earlier audit entries that list people (``course.enrol``,
  ``people.export``);

and appends one audit entry that names a random erasure id, never her id or name.  Ids are
never reused (``AUTOINCREMENT`` on SQLite, sequences on PostgreSQL), so an old reference can
never point at somebody else.  After the commit the caller asks for a WAL checkpoint
(:mod:`bot.db.checkpoint`), so deleted bytes do not outlive the rows on SQLite.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from bot.db.evict import evict_people
from bot.db.tables import audit, identities, people, simulator_screens

#: The channel whose transcript is stored here, keyed by the user's address.
SIMULATOR = "simulator"
#: Audit actions whose details list person ids (``{"people": [ids]}``).
ACTIONS_LISTING_PEOPLE = (
    "course.enrol",
    "people.export",
    "inbox.assign",
    "inbox.note",
    "inbox.reply",
    "inbox.close",
    "inbox.start",
    "mentoring.propose",
    "mentoring.take_back",
    "mentoring.end",
    "mentoring.add_mentor",
    "attendance.mark",
)

Forgetter = Callable[[str, str], None]
"""Drops what a process keeps in memory about a ``(channel, address)`` (caches, labels)."""
Farewell = Callable[[Connection, int, datetime], None]
"""Runs in the erasure's transaction just before her row goes: a feature tells whoever would
otherwise wait for her in vain (her mentor: "the contact has ended"), from the rows the
cascade is about to delete (``Feature.on_erase``)."""


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure did: the anonymous id in the audit log, and how many identities went."""

    erasure_id: str
    identities: int


class Eraser:
    """Deletes a person and everything about her, in the caller's transaction."""

    def __init__(
        self, forgetters: Sequence[Forgetter] = (), farewells: Sequence[Farewell] = ()
    ) -> None:
        self.forgetters = list(forgetters)
        """In-memory caches to evict after an erasure (the simulator's last buttons, …)."""
        self.farewells = list(farewells)
        """Every feature's last word to others about her (:data:`Farewell`)."""

    def erase(
        self,
        conn: Connection,
        person_id: int,
        *,
        now: datetime,
        actor: str,
        reason: str,
        addresses: Sequence[tuple[str, str]] | None = None,
    ) -> Erased | None:
        """Erase her; ``None`` if no such person (already erased).

        ``reason``: ``chat`` (she asked, or declined consent), ``request`` (a coordinator on
        her behalf), ``retention`` or ``no_consent`` (the purge).  ``addresses``: her
        ``(channel, address)`` pairs when the caller already has them (saves a read).
        """
        if addresses is None:
            addresses = [
                (row.channel, row.address)
                for row in conn.execute(
                    select(identities.c.channel, identities.c.address).where(
                        identities.c.person_id == person_id
                    )
                )
            ]
        for farewell in self.farewells:
            farewell(conn, person_id, now)
        evict_people(conn, [person_id])  # her decrypted name and addresses leave memory too
        organisation_id = conn.execute(
            select(people.c.organisation_id).where(people.c.id == person_id)
        ).scalar()
        gone = conn.execute(delete(people).where(people.c.id == person_id)).rowcount
        if not gone:
            return None
        simulated = sorted({address for channel, address in addresses if channel == SIMULATOR})
        if simulated:
            conn.execute(delete(simulator_screens).where(simulator_screens.c.user.in_(simulated)))
        _drop_from_audit(conn, person_id)
        erasure_id = secrets.token_hex(8)
        conn.execute(
            insert(audit).values(
                at=now,
                actor=actor,
                action="person.erase",
                details={"erasure": erasure_id, "reason": reason},
                # Her organisation's admins see that somebody was erased, never who.
                organisation_id=organisation_id,
            )
        )
        for channel, address in addresses:
            for forget in self.forgetters:
                forget(channel, address)
        return Erased(erasure_id, len(addresses))


def _drop_from_audit(conn: Connection, person_id: int) -> None:
    """Remove her id from audit entries that list people (the entry itself stays)."""
    rows = conn.execute(
        select(audit.c.id, audit.c.details).where(audit.c.action.in_(ACTIONS_LISTING_PEOPLE))
    ).all()
    for row in rows:
        listed = (row.details or {}).get("people")
        if isinstance(listed, list) and person_id in listed:
            details = {**row.details, "people": [p for p in listed if p != person_id]}
            conn.execute(update(audit).where(audit.c.id == row.id).values(details=details))


__all__ = ["ACTIONS_LISTING_PEOPLE", "SIMULATOR", "Erased", "Eraser", "Forgetter"]
