"""Coordinator broadcasts: the announcements and the people each one leaves out (with why).

Recipients are outbox rows (kind ``broadcast``); who created, sent or cancelled a broadcast is
in ``audit_log``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("send_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followup_hours", sa.Integer(), nullable=True),
        sa.Column("followup_done_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enqueued_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_broadcasts_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcasts_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "broadcast_exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_exclusions_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_broadcast_exclusions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_exclusions")),
        sa.UniqueConstraint("broadcast_id", "person_id", name="uq_broadcast_exclusion"),
    )
    with op.batch_alter_table("broadcast_exclusions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_exclusions_broadcast_id"), ["broadcast_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_broadcast_exclusions_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("broadcast_exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_exclusions_person_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_exclusions_broadcast_id"))

    op.drop_table("broadcast_exclusions")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcasts_organisation_id"))

    op.drop_table("broadcasts")
