"""Workflow runs: automation started from an incident, a case or a signal, followed until it finishes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import JSONDocument, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflow_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("workflow", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("params", JSONDocument, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(80), nullable=True),
        sa.Column("signal", sa.String(80), nullable=False),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=True),
        sa.Column("channel_id", sa.String(80), nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("reply_ts", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("instance_id", sa.String(255), nullable=True),
        sa.Column("weblink", sa.Text(), nullable=False),
        sa.Column("artifacts", JSONDocument, nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("unknown_since", UTCDateTime(), nullable=True),
        sa.Column("poll_failures", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rendered_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_workflow_runs_incident_id", "workflow_runs", ["incident_id"])
    op.create_index("ix_workflow_runs_case_id", "workflow_runs", ["case_id"])
    op.create_index("ix_workflow_runs_alert_id", "workflow_runs", ["alert_id"])
    op.create_index("ix_workflow_runs_next_poll", "workflow_runs", ["next_poll_at"])
    op.create_index("ix_workflow_runs_dirty", "workflow_runs", ["rendered_version", "version"])
    op.create_index("ix_workflow_runs_unreplied", "workflow_runs", ["reply_ts", "status"])


def downgrade() -> None:
    op.drop_table("workflow_runs")
