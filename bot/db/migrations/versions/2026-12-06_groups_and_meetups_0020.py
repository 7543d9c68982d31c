"""Self-organised groups and their meetups: the groups (run by their own organisers), who is
in each, the meetups proposed with two or three times, the votes (from her chat or the
linked Telegram group's poll) and the answers to a confirmed meetup.  Every table starts
empty.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 15:15:20.651626
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("town", sa.String(length=200), nullable=False),
        sa.Column("approval", sa.Boolean(), nullable=False),
        sa.Column("members_propose", sa.Boolean(), nullable=False),
        sa.Column("usual_places", sa.JSON(), nullable=False),
        sa.Column("children_welcome", sa.Boolean(), nullable=False),
        sa.Column("directions", sa.JSON(), nullable=False),
        sa.Column("telegram_group_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_groups_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["telegram_group_id"],
            ["telegram_groups.id"],
            name=op.f("fk_groups_telegram_group_id_telegram_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_groups_code")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_groups_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("joined_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("left_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_members_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_group_members_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("group_id", "person_id", name=op.f("uq_group_members_group_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index("ix_group_members_person", ["person_id", "status"], unique=False)

    op.create_table(
        "meetups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deadline", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("min_people", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("telegram_poll_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_meetups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"],
            ["people.id"],
            name=op.f("fk_meetups_proposed_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetups")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("meetups", schema=None) as batch_op:
        batch_op.create_index("ix_meetups_group_status", ["group_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meetups_telegram_poll_id"), ["telegram_poll_id"], unique=False
        )

    op.create_table(
        "meetup_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meetup_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meetup_id"],
            ["meetups.id"],
            name=op.f("fk_meetup_options_meetup_id_meetups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetup_options")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("meetup_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meetup_options_meetup_id"), ["meetup_id"], unique=False
        )

    op.create_table(
        "meetup_rsvps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meetup_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("answered_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meetup_id"],
            ["meetups.id"],
            name=op.f("fk_meetup_rsvps_meetup_id_meetups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_meetup_rsvps_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetup_rsvps")),
        sa.UniqueConstraint("meetup_id", "person_id", name=op.f("uq_meetup_rsvps_meetup_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("meetup_rsvps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetup_rsvps_person_id"), ["person_id"], unique=False)

    op.create_table(
        "meetup_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("voter", sa.String(length=80), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("voted_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["meetup_options.id"],
            name=op.f("fk_meetup_votes_option_id_meetup_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_meetup_votes_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetup_votes")),
        sa.UniqueConstraint("option_id", "voter", name=op.f("uq_meetup_votes_option_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("meetup_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetup_votes_option_id"), ["option_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetup_votes_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meetup_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetup_votes_person_id"))
        batch_op.drop_index(batch_op.f("ix_meetup_votes_option_id"))

    op.drop_table("meetup_votes")
    with op.batch_alter_table("meetup_rsvps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetup_rsvps_person_id"))

    op.drop_table("meetup_rsvps")
    with op.batch_alter_table("meetup_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetup_options_meetup_id"))

    op.drop_table("meetup_options")
    with op.batch_alter_table("meetups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetups_telegram_poll_id"))
        batch_op.drop_index("ix_meetups_group_status")

    op.drop_table("meetups")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_group_members_person")

    op.drop_table("group_members")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_organisation_id"))

    op.drop_table("groups")
