"""Outbox rows know their broadcast: status, progress and cancel find them by an index.

Until now a broadcast's rows were found by their key prefix (``broadcast:<id>:``), which no
index serves on either database: every progress poll scanned the whole outbox.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 14:40:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = re.compile(r"^broadcast:(\d+):")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_outbox_broadcast", ["broadcast_id", "status"], unique=False)
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("idempotency_key", sa.String()),
        sa.column("broadcast_id", sa.Integer()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.idempotency_key).where(outbox.c.kind == "broadcast")
    ).all()
    updates = [
        {"row_id": row.id, "broadcast": int(match.group(1))}
        for row in rows
        if (match := _KEY.match(row.idempotency_key))
    ]
    if updates:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == sa.bindparam("row_id"))
            .values(broadcast_id=sa.bindparam("broadcast")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_broadcast")
        batch_op.drop_column("broadcast_id")
