"""Outbox rows carry their message's language in the clear: a broadcast's report counts by it.

The report of a broadcast to 10 000 read and decrypted every row's payload only to learn the
text's language and hers (four fifths of its time).  ``language`` (the text's) and
``her_language`` (hers, broadcast rows only) are language codes, nothing else: the same codes
``people.language`` and ``broadcast_exclusions.language`` already hold in the clear.

Rows written before this have neither.  They are not filled in here: the languages are only in
the encrypted payload, and a migration does not decrypt.  The report reads the payload of
exactly those rows instead (``bot.features.broadcasts.report``), so old broadcasts report as
before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("her_language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("her_language")
        batch_op.drop_column("language")
