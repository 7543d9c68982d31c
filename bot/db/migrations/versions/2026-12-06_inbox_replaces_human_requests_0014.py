"""The inbox replaces ``human_requests``: open requests become open inbox threads.

Every person with open requests gets one open thread (reason ``request``) holding them as her
messages, in order, and is marked as with the team (``people.with_team_since``), exactly what
"talk to a person" does now.  Answered requests go: nothing ever read them.  The texts are
copied as they are stored (encrypted with the same key; no decryption here).
``inbox_messages.media_kind`` names what she sent when it was not text; a partial unique
index keeps at most one open thread per person.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = bot.db.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_kind", sa.String(16), nullable=True))
    conn = op.get_bind()
    requests = conn.execute(
        sa.text(
            "SELECT organisation_id, person_id, language, text, created_at FROM human_requests "
            "WHERE status = 'open' ORDER BY person_id, created_at, id"
        )
    ).all()
    by_person: dict[int, list[sa.Row[tuple[object, ...]]]] = {}
    for row in requests:
        by_person.setdefault(row.person_id, []).append(row)
    for person_id, rows in by_person.items():
        first, last = rows[0], rows[-1]
        thread_id = conn.execute(
            sa.text(
                "INSERT INTO inbox_threads (organisation_id, person_id, status, reason, language, "
                "opened_at, waiting_since, last_message_at) VALUES (:org, :person, 'open', "
                "'request', :language, :opened, :opened, :last) RETURNING id"
            ),
            {
                "org": first.organisation_id,
                "person": person_id,
                "language": last.language,
                "opened": first.created_at,
                "last": last.created_at,
            },
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO inbox_messages (thread_id, person_id, direction, text, created_at) "
                "VALUES (:thread, :person, 'in', :text, :at)"
            ),
            [
                {"thread": thread_id, "person": person_id, "text": r.text, "at": r.created_at}
                for r in rows
            ],
        )
        conn.execute(
            sa.text("UPDATE people SET with_team_since = :at WHERE id = :person"),
            {"at": first.created_at, "person": person_id},
        )
    op.create_index(
        "uq_inbox_threads_one_open",
        "inbox_threads",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    with op.batch_alter_table("human_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_human_requests_person_id"))
        batch_op.drop_index(batch_op.f("ix_human_requests_organisation_id"))
    op.drop_table("human_requests")


def downgrade() -> None:
    """Brings back the (empty) table; threads stay in the inbox."""
    op.create_table(
        "human_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("text", bot.db.types.EncryptedText(length=20000), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_human_requests_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_human_requests_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_human_requests")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("human_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_human_requests_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_human_requests_person_id"), ["person_id"], unique=False
        )
    op.drop_index("uq_inbox_threads_one_open", table_name="inbox_threads")
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_column("media_kind")
