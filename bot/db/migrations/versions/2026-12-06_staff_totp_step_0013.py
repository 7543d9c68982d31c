"""The last TOTP time step a staff member logged in with: a code is accepted once.

RFC 6238 (section 5.2): a verifier must not accept the same one-time password twice.  A code
stays valid for up to 90 seconds (one step of drift either way); remembering the step of the
last accepted code refuses a code seen over her shoulder or replayed from a proxy's log.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
