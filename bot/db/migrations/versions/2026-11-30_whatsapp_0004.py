"""WhatsApp: delivery status and error code on outbox rows, media she sent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 12:00:00

(The index on ``outbox.external_id`` that status callbacks use comes with 0003.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("error_code", sa.Integer(), nullable=True))
    op.create_table(
        "inbound_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("url", bot.db.types.EncryptedText(length=2000), nullable=False),
        sa.Column("received_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_inbound_media_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_media")),
    )
    with op.batch_alter_table("inbound_media", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_media_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_media_person_id"))
    op.drop_table("inbound_media")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("error_code")
        batch_op.drop_column("delivery_status")
