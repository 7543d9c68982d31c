"""What coordinators need in the browser: attendance marks, activity days, flow results,
WhatsApp template status, and how to get to a session by bus.

- ``attendance_marks``: who was there, tapped by staff after a session (apart from what she
  said beforehand in ``attendance``).
- ``activity_days``: the days a person wrote (date only), for "active in the period".
- ``flow_results``: the id of the choice she picked at a flow's question, for the per-flow
  results export (never free text).
- ``whatsapp_template_status``: Twilio's approval status of each template content.
- ``audit_log.organisation_id``: the organisation an action concerns, for its admins' audit
  page.
- ``course_sessions.transit_line`` / ``transit_stop``: the bus and the stop, shown in her
  reminders in every language.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_log_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_log_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "whatsapp_template_status",
        sa.Column("content_sid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), server_default="", nullable=False),
        sa.Column("rejection_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("checked_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_sid", name=op.f("pk_whatsapp_template_status")),
    )
    op.create_table(
        "activity_days",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_activity_days_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_activity_days_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "day", name=op.f("pk_activity_days")),
    )
    with op.batch_alter_table("activity_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_days_day"), ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_activity_days_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "flow_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=200), nullable=False),
        sa.Column("answered_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_flow_results_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_flow_results_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_results")),
    )
    with op.batch_alter_table("flow_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_flow_results_flow_at", ["organisation_id", "flow", "answered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_flow_results_person_id"), ["person_id"], unique=False)

    op.create_table(
        "attendance_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("marked_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_attendance_marks_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["course_sessions.id"],
            name=op.f("fk_attendance_marks_session_id_course_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_marks")),
        sa.UniqueConstraint("session_id", "person_id", name="uq_attendance_mark"),
    )
    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attendance_marks_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attendance_marks_session_id"), ["session_id"], unique=False
        )

    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("transit_line", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("transit_stop", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_audit_log_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_audit_log_organisation_id"))
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("course_sessions", schema=None) as batch_op:
        batch_op.drop_column("transit_stop")
        batch_op.drop_column("transit_line")

    with op.batch_alter_table("attendance_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_marks_session_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_marks_person_id"))

    op.drop_table("attendance_marks")
    with op.batch_alter_table("flow_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_results_person_id"))
        batch_op.drop_index("ix_flow_results_flow_at")

    op.drop_table("flow_results")
    with op.batch_alter_table("activity_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_days_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_activity_days_day"))

    op.drop_table("activity_days")
    op.drop_table("whatsapp_template_status")
