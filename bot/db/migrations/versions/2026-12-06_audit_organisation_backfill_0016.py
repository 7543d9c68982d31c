"""Earlier audit entries get the organisation they concern, where their details make it certain.

0015 added ``audit_log.organisation_id``; entries written before it have none, so the audit
page of an organisation's admins would start empty.  This fills it in, for entries that have
none yet, from what the details name (ids only, nothing decrypted):

- ``organisation_id`` (a staff member's role): that organisation;
- ``organisation``: an id (a saved answer in the inbox) or a slug (organisation created or
  changed, retention, import);
- ``broadcast``, ``thread`` (inbox), ``course`` (an id, or a course code: codes are unique),
  ``session``: the organisation the broadcast, thread, course or session belongs to;
- ``people``: the organisation of the people listed, when they all belong to the same one.

An id that no longer exists (a deleted organisation, an erased person) leaves the entry as it
was.  Entries about a staff member's account (password, second factor, deactivation) and about
an erased person name no organisation and stay deployment-wide: who belonged where back then
is not certain.  Nothing else changes; there is nothing to undo.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500

audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("details", sa.JSON()),
    sa.column("organisation_id", sa.Integer()),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(audit.c.id, audit.c.details).where(audit.c.organisation_id.is_(None))
    ).all()
    entries = [(row.id, row.details) for row in rows if isinstance(row.details, dict)]
    if not entries:
        return
    wanted: dict[str, set[Any]] = {}
    for _id, details in entries:
        for key, value in _references(details):
            wanted.setdefault(key, set()).add(value)
    found = {key: _organisations_of(conn, key, values) for key, values in wanted.items()}
    for entry_id, details in entries:
        organisation_id = _organisation(details, found)
        if organisation_id is not None:
            conn.execute(
                sa.update(audit)
                .where(audit.c.id == entry_id)
                .values(organisation_id=organisation_id)
            )


def downgrade() -> None:
    """Nothing to undo: the column stays as 0015 made it."""


def _references(details: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    """What ``details`` names that belongs to an organisation, as ``(kind, value)``."""
    for key in ("organisation_id", "broadcast", "thread", "session"):
        value = details.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            yield ("organisation" if key == "organisation_id" else key), value
    for key, as_text in (("organisation", "slug"), ("course", "code")):
        value = details.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            yield key, value
        elif isinstance(value, str) and value:
            yield as_text, value
    listed = details.get("people")
    if isinstance(listed, list):
        for person in listed:
            if isinstance(person, int) and not isinstance(person, bool):
                yield "person", person


def _organisation(details: dict[str, Any], found: dict[str, dict[Any, int]]) -> int | None:
    """The one organisation ``details`` names for certain, or ``None``."""
    named: set[int] = set()
    people: set[int | None] = set()
    for kind, value in _references(details):
        if kind == "person":
            people.add(found[kind].get(value))
        elif value in found[kind]:
            named.add(found[kind][value])
    if len(people) == 1 and None not in people:
        named |= {p for p in people if p is not None}
    return named.pop() if len(named) == 1 else None


def _organisations_of(conn: sa.Connection, kind: str, values: set[Any]) -> dict[Any, int]:
    """``{value: organisation id}`` for the values of ``kind`` that still exist."""
    queries = {
        "organisation": "SELECT id, id FROM organisations WHERE id IN :values",
        "slug": "SELECT slug, id FROM organisations WHERE slug IN :values",
        "broadcast": "SELECT id, organisation_id FROM broadcasts WHERE id IN :values",
        "thread": "SELECT id, organisation_id FROM inbox_threads WHERE id IN :values",
        "course": "SELECT id, organisation_id FROM courses WHERE id IN :values",
        "code": "SELECT code, organisation_id FROM courses WHERE code IN :values",
        "session": (
            "SELECT s.id, c.organisation_id FROM course_sessions s "
            "JOIN courses c ON c.id = s.course_id WHERE s.id IN :values"
        ),
        "person": "SELECT id, organisation_id FROM people WHERE id IN :values",
    }
    query = sa.text(queries[kind]).bindparams(sa.bindparam("values", expanding=True))
    ordered = sorted(values)
    found: dict[Any, int] = {}
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        found.update({row[0]: row[1] for row in conn.execute(query, {"values": chunk})})
    return found
