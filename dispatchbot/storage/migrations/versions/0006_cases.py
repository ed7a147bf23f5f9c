"""Cases: the case rows and their timeline, and the case an alert joined.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import JSONDocument, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("signal", sa.String(80), nullable=False),
        sa.Column("case_type", sa.String(60), nullable=False),
        sa.Column("case_priority", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(80), nullable=False),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_alert_at", UTCDateTime(), nullable=True),
        sa.Column("reporter", sa.String(80), nullable=True),
        sa.Column("assignee", sa.String(80), nullable=True),
        sa.Column("participants", JSONDocument, nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("resolution_reason", sa.String(40), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rendered_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_cases_signal_status", "cases", ["signal", "status"])
    op.create_index("ix_cases_dirty", "cases", ["rendered_version", "version"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("posted", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_index("ix_case_events_unposted", "case_events", ["posted", "id"])
    op.add_column("alerts", sa.Column("case_id", sa.Integer(), nullable=True))
    op.create_index("ix_alerts_case_id", "alerts", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_case_id", "alerts")
    op.drop_column("alerts", "case_id")
    op.drop_table("case_events")
    op.drop_table("cases")
