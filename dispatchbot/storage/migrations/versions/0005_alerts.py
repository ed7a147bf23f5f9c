"""Alerts: the alert rows, their audit trail, and the notices (outbox) their changes owe.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import JSONDocument, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def _alert_id() -> sa.Column[int]:
    return sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "alerts",
        _id(),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("dedup_key", sa.String(255), nullable=False),
        sa.Column("open_key", sa.String(330), nullable=True, unique=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("signal", sa.String(80), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("labels", JSONDocument, nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("runbook_url", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("channel", sa.String(80), nullable=False),
        sa.Column("users", JSONDocument, nullable=False),
        sa.Column("oncall_service", sa.String(75), nullable=False),
        sa.Column("alert_channels", JSONDocument, nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("ack_by", sa.String(80), nullable=True),
        sa.Column("ack_at", UTCDateTime(), nullable=True),
        sa.Column("ack_expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_alerted_at", UTCDateTime(), nullable=True),
        sa.Column("next_realert_at", UTCDateTime(), nullable=True),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("page_id", sa.String(255), nullable=True),
        sa.Column("mapbox", JSONDocument, nullable=True),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("last_event_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rendered_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_alerts_source_key", "alerts", ["source", "dedup_key"])
    op.create_index("ix_alerts_source_title", "alerts", ["source", "title"])
    op.create_index("ix_alerts_next_realert", "alerts", ["next_realert_at"])
    op.create_index("ix_alerts_dirty", "alerts", ["rendered_version", "version"])
    op.create_table(
        "alert_events",
        _id(),
        _alert_id(),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("payload", JSONDocument, nullable=True),
    )
    op.create_index("ix_alert_events_alert_id", "alert_events", ["alert_id"])
    op.create_table(
        "alert_notices",
        _id(),
        _alert_id(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("attempted", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_alert_notices_pending", "alert_notices", ["done_at", "id"])
    op.create_index("ix_alert_notices_alert_id", "alert_notices", ["alert_id"])


def downgrade() -> None:
    op.drop_table("alert_notices")
    op.drop_table("alert_events")
    op.drop_table("alerts")
