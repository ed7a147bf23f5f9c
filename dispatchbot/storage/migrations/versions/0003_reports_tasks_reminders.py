"""Reports, tasks and their assignees, reminders, scheduler job state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import JSONDocument, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _incident_id() -> sa.Column[int]:
    return sa.Column(
        "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("creation_key", sa.String(255), nullable=False, unique=True),
        _incident_id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
    )
    op.create_index("ix_reports_incident_kind", "reports", ["incident_id", "kind", "created_at"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("creation_key", sa.String(255), nullable=False, unique=True),
        _incident_id(),
        sa.Column("creator_id", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
    )
    op.create_index("ix_tasks_incident_status", "tasks", ["incident_id", "status"])
    op.create_table(
        "task_assignees",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.UniqueConstraint("task_id", "user_id", name="uq_task_assignees_task_user"),
    )
    op.create_index("ix_task_assignees_user_id", "task_assignees", ["user_id"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        _incident_id(),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(32), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("kind", "incident_id", "subject", name="uq_reminders_kind_incident_subject"),
    )
    op.create_index("ix_reminders_due", "reminders", ["due_at"])
    op.create_table(
        "scheduler_jobs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("every_seconds", sa.Float(), nullable=False),
        sa.Column("last_started_at", UTCDateTime(), nullable=True),
        sa.Column("last_finished_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leader", sa.String(128), nullable=True),
    )


def downgrade() -> None:
    for table in ("scheduler_jobs", "reminders", "task_assignees", "tasks", "reports"):
        op.drop_table(table)
