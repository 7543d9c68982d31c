"""Mentor introductions: mentors' profiles, participants' requests, the matches between them.

Also ``inbox_threads.urgent`` (a woman reported a problem with her mentor: shown first) and
``invite_codes.role`` (a mentor invite: a newcomer signs up as a mentor).  The per-organisation
switch for automatic proposals lives in ``mentoring_settings`` (off until an admin turns it on).
Nothing is back-filled: every table starts empty and the new columns have defaults.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 12:05:22.420266
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentoring_settings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("auto_propose", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentoring_settings_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_mentoring_settings")),
    )
    op.create_table(
        "mentor_profiles",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("languages", bot.db.types.EncryptedJSON(), nullable=False),
        sa.Column("topics", bot.db.types.EncryptedJSON(), nullable=False),
        sa.Column("availability", bot.db.types.EncryptedJSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("paused_until", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_profiles_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_mentor_profiles_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_mentor_profiles")),
    )
    with op.batch_alter_table("mentor_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_profiles_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "mentoring_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("topics", bot.db.types.EncryptedJSON(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentoring_requests_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_mentoring_requests_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_requests")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mentoring_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_requests_org_status", ["organisation_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentoring_requests_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "mentor_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("declined_by", sa.String(length=16), nullable=True),
        sa.Column("decline_reason", sa.String(length=16), nullable=True),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("proposed_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("asked_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mentor_answered_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "participant_answered_at", bot.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("started_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mentor_contact", sa.String(length=16), nullable=True),
        sa.Column("participant_contact", sa.String(length=16), nullable=True),
        sa.Column("last_contact_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("met_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followed_up_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("problem_reported_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.Column("mentor_rating", sa.Integer(), nullable=True),
        sa.Column("participant_rating", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["people.id"],
            name=op.f("fk_mentor_matches_mentor_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_matches_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["people.id"],
            name=op.f("fk_mentor_matches_participant_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["mentoring_requests.id"],
            name=op.f("fk_mentor_matches_request_id_mentoring_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_matches")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mentor_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_mentor_id"), ["mentor_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentor_matches_org_status", ["organisation_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_matches_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            "uq_mentor_matches_one_live",
            ["request_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('asking_mentor', 'asking_participant', 'active')"),
            postgresql_where=sa.text(
                "status IN ('asking_mentor', 'asking_participant', 'active')"
            ),
        )

    with op.batch_alter_table("inbox_threads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urgent", sa.Boolean(), server_default="0", nullable=False))

    with op.batch_alter_table("invite_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invite_codes", schema=None) as batch_op:
        batch_op.drop_column("role")

    with op.batch_alter_table("inbox_threads", schema=None) as batch_op:
        batch_op.drop_column("urgent")

    with op.batch_alter_table("mentor_matches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_mentor_matches_one_live",
            sqlite_where=sa.text("status IN ('asking_mentor', 'asking_participant', 'active')"),
            postgresql_where=sa.text(
                "status IN ('asking_mentor', 'asking_participant', 'active')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_mentor_matches_request_id"))
        batch_op.drop_index(batch_op.f("ix_mentor_matches_participant_id"))
        batch_op.drop_index("ix_mentor_matches_org_status")
        batch_op.drop_index(batch_op.f("ix_mentor_matches_mentor_id"))

    op.drop_table("mentor_matches")
    with op.batch_alter_table("mentoring_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentoring_requests_person_id"))
        batch_op.drop_index("ix_mentoring_requests_org_status")

    op.drop_table("mentoring_requests")
    with op.batch_alter_table("mentor_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_profiles_organisation_id"))

    op.drop_table("mentor_profiles")
    op.drop_table("mentoring_settings")
