"""Retention per organisation, and ids that are never reused.

``organisations.retention_days`` (default 183, six months of silence) drives the daily purge.
SQLite reuses the largest deleted rowid unless a table is declared ``AUTOINCREMENT``: after an
erasure the next newcomer could get her id, and old references (audit entries, exported
reports) would point at somebody else.  The tables whose ids are referenced elsewhere are
rebuilt with ``AUTOINCREMENT`` (the migration environment turns foreign keys off on SQLite
while tables are rebuilt, or dropping ``people`` would cascade).  PostgreSQL's sequences never
hand out a number twice: nothing to do there.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables whose ids are referenced by other rows (or by people outside the database).
NEVER_REUSED = (
    "organisations",
    "people",
    "channel_identities",
    "human_requests",
    "courses",
    "course_sessions",
    "broadcasts",
)


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retention_days", sa.Integer(), server_default="183", nullable=False)
        )
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in NEVER_REUSED:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    """Drops the column; the tables keep ``AUTOINCREMENT`` (harmless, and safer)."""
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("retention_days")
