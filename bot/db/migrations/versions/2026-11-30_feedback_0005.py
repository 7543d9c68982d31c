"""Feedback after a session: one emoji score per attendance row.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:20:00

(Built on branch ``courses2`` beside the channel branches' migrations; re-parent at merge time.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("feedback_at", bot.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_column("feedback_at")
        batch_op.drop_column("feedback")
