"""Job offers: the offers (entered or imported), what a woman told about herself for them,
which offer went to whom with her answer and its outcome, and each organisation's import from
the Bundesagentur für Arbeit's job search.  Every table starts empty.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:24:21.648578
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_import_settings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("radius_km", sa.Integer(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=False),
        sa.Column("last_run_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_job_import_settings_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_job_import_settings")),
    )
    op.create_table(
        "job_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("employer", sa.String(length=200), nullable=True),
        sa.Column("employer_shown", sa.Boolean(), nullable=False),
        sa.Column("town", sa.String(length=200), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("german_level", sa.String(length=4), nullable=False),
        sa.Column("childcare_friendly", sa.Boolean(), nullable=False),
        sa.Column("hours_note", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_job_offers_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_offers")),
        sa.UniqueConstraint(
            "organisation_id", "source", "external_id", name=op.f("uq_job_offers_organisation_id")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("job_offers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_job_offers_org_status", ["organisation_id", "status"], unique=False
        )

    op.create_table(
        "job_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("sent_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome_by", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_told_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["job_offers.id"],
            name=op.f("fk_job_notices_offer_id_job_offers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_job_notices_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_job_notices_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_notices")),
        sa.UniqueConstraint("person_id", "offer_id", name=op.f("uq_job_notices_person_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("job_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_notices_offer_id"), ["offer_id"], unique=False)
        batch_op.create_index("ix_job_notices_person_sent", ["person_id", "sent_at"], unique=False)

    op.create_table(
        "job_profiles",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answers", bot.db.types.EncryptedJSON(), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_job_profiles_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_job_profiles")),
    )


def downgrade() -> None:
    op.drop_table("job_profiles")
    with op.batch_alter_table("job_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_job_notices_person_sent")
        batch_op.drop_index(batch_op.f("ix_job_notices_offer_id"))

    op.drop_table("job_notices")
    with op.batch_alter_table("job_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_job_offers_org_status")

    op.drop_table("job_offers")
    op.drop_table("job_import_settings")
