"""Consent per purpose is provable: the wording shown is kept once per fingerprint.

``consent_wordings`` holds the exact catalog entry of each consent question by its hash
(``consent_records.wording_version`` stores the hash); nothing in it is personal.

Revision ID: 0011
Revises: 0009 (main had 0009 when this branch merged it)
Create Date: 2026-12-06 03:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_wordings",
        sa.Column("hash", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("first_seen", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hash", "language", name=op.f("pk_consent_wordings")),
    )


def downgrade() -> None:
    op.drop_table("consent_wordings")
