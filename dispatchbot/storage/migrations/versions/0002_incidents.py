"""Incidents, participants and their roles, timeline, subscriptions, notifications group, catalog.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import JSONDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("data", JSONDocument, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("kind", "name", name="uq_catalog_entries_kind_name"),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("creation_key", sa.String(255), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("incident_type", sa.String(60), nullable=False),
        sa.Column("severity", sa.String(60), nullable=False),
        sa.Column("priority", sa.String(60), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("reporter_id", sa.String(32), nullable=False),
        sa.Column("commander_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True, unique=True),
        sa.Column("channel_name", sa.String(80), nullable=True),
        sa.Column("header_ts", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("stable_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=True),
        sa.Column("added_reason", sa.Text(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.Column("left_at", UTCDateTime(), nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("after_hours_notified", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("incident_id", "user_id", name="uq_participants_incident_user"),
    )
    op.create_index("ix_participants_user_id", "participants", ["user_id"])
    op.create_table(
        "participant_roles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "participant_id",
            sa.Integer(),
            sa.ForeignKey("participants.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("assumed_at", UTCDateTime(), nullable=False),
        sa.Column("renounced_at", UTCDateTime(), nullable=True),
    )
    op.create_index(
        "ix_participant_roles_participant", "participant_roles", ["participant_id", "renounced_at"]
    )
    op.create_table(
        "timeline_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("source_key", sa.String(255), nullable=True, unique=True),
    )
    op.create_index("ix_timeline_events_incident", "timeline_events", ["incident_id", "occurred_at"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "user_id", name="uq_subscriptions_incident_user"),
    )
    op.create_table(
        "notification_members",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.UniqueConstraint(
            "incident_id", "kind", "value", name="uq_notification_members_incident_kind_value"
        ),
    )


def downgrade() -> None:
    for table in (
        "notification_members",
        "subscriptions",
        "timeline_events",
        "participant_roles",
        "participants",
        "incidents",
        "catalog_entries",
    ):
        op.drop_table(table)
