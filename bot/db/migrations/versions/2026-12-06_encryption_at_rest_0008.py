"""Encryption at rest: profile, flow data, message bodies, reasons, transcripts; key ids.

Columns that were plain become encrypted text (``people.town``, ``interests``,
``attend_help``, ``conversation_states.data``, ``outbox.payload``, ``attendance.reason``,
``simulator_messages.text``); then every existing value is rewritten under the current
``TWC_SECRET_KEY`` with its key id: plain values are encrypted, values from before key ids
(the SHA-256 derivation) are re-encrypted, and every lookup key is recomputed with the HKDF
lookup subkey (``bot.crypto.rotation``).  Stored provider errors lose their addresses.

SQLite changes a column's type by adding the new column, copying, dropping the old one and
renaming (native since SQLite 3.35): recreating ``people`` would cascade-delete everything
about everyone while foreign keys are on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

import sqlalchemy as sa
from alembic import op

from bot.crypto import Keyring

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, primary key, column, NOT NULL): the columns that become encrypted text.
NOW_ENCRYPTED = (
    ("people", "id", "town", False),
    ("people", "id", "interests", True),
    ("people", "id", "attend_help", True),
    ("conversation_states", "person_id", "data", True),
    ("outbox", "id", "payload", True),
    ("attendance", "id", "reason", False),
    ("simulator_messages", "id", "text", True),
)
#: Encrypted already (before key ids): re-encrypted with a key id.
ALREADY_ENCRYPTED = (
    ("people", "id", "display_name"),
    ("channel_identities", "id", "address"),
    ("outbox", "id", "address"),
    ("inbound_media", "id", "url"),
    ("human_requests", "id", "text"),
)


def _retype(table: str, name: str, not_null: bool, sqlite: bool) -> None:
    if not sqlite:
        op.alter_column(
            table,
            name,
            type_=sa.String(),
            existing_nullable=not not_null,
            postgresql_using=f"{name}::text",
        )
        return
    constraint = " NOT NULL DEFAULT ''" if not_null else ""
    op.execute(f"ALTER TABLE {table} ADD COLUMN {name}__new VARCHAR{constraint}")
    op.execute(f"UPDATE {table} SET {name}__new = {name}")  # noqa: S608 - constants
    op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {name}__new TO {name}")


def _keyring() -> Keyring:
    """The keys this process was started with (configured cipher, else the settings)."""
    from bot.db.types import cipher
    from bot.settings import load_settings

    try:
        return cipher().keyring
    except RuntimeError:
        settings = load_settings()
        return Keyring(settings.secret_key, settings.previous_secrets)


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    for table, _key, name, not_null in NOW_ENCRYPTED:
        _retype(table, name, not_null, sqlite)

    from bot.crypto.rotation import EncryptedColumn, rotate_column
    from bot.outbox.scrub import scrub

    columns = [EncryptedColumn(t, k, n) for t, k, n, _ in NOW_ENCRYPTED] + [
        EncryptedColumn(t, k, n) for t, k, n in ALREADY_ENCRYPTED
    ]
    keyring: Keyring | None = None
    for col in columns:
        tbl = sa.table(col.table, sa.column(col.name))
        if connection.execute(
            sa.select(sa.literal(1)).select_from(tbl).where(tbl.c[col.name].is_not(None)).limit(1)
        ).first():
            keyring = keyring or _keyring()
            report = rotate_column(lambda: nullcontext(connection), keyring, col)
            if report.unreadable:
                raise RuntimeError(
                    f"{len(report.unreadable)} values of {col.table}.{col.name} cannot be "
                    "read with TWC_SECRET_KEY (or TWC_PREVIOUS_SECRET_KEYS): configure the "
                    "secret they were written with and migrate again"
                )

    outbox = sa.table("outbox", sa.column("id", sa.Integer()), sa.column("error", sa.String()))
    for row in connection.execute(
        sa.select(outbox.c.id, outbox.c.error).where(outbox.c.error.is_not(None))
    ).all():
        cleaned = scrub(row.error)
        if cleaned != row.error:
            connection.execute(
                sa.update(outbox).where(outbox.c.id == row.id).values(error=cleaned)
            )


def downgrade() -> None:
    raise NotImplementedError("encryption at rest is not undone: restore a backup instead")
