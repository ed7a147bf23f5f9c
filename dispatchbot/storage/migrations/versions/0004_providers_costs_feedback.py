"""Incident cost, participant activity, feedback, on-call engagements and pages, documents.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _incident_id() -> sa.Column[int]:
    return sa.Column(
        "incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("cost", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("cost_updated_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("external_id", sa.String(255), nullable=True))
        batch.create_unique_constraint("uq_tasks_external_id", ["external_id"])
    op.create_table(
        "participant_activity",
        _id(),
        _incident_id(),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("source_key", sa.String(128), nullable=False, unique=True),
    )
    op.create_index(
        "ix_participant_activity_incident", "participant_activity", ["incident_id", "user_id", "occurred_at"]
    )
    op.create_table(
        "feedback",
        _id(),
        _incident_id(),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("rating", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "user_id", name="uq_feedback_incident_user"),
    )
    op.create_index("ix_feedback_updated_at", "feedback", ["updated_at"])
    op.create_table(
        "shift_feedback",
        _id(),
        sa.Column("service", sa.String(75), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("shift_start", UTCDateTime(), nullable=False),
        sa.Column("shift_end", UTCDateTime(), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("effort", sa.String(32), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("service", "user_id", "shift_end", name="uq_shift_feedback_service_user_end"),
    )
    op.create_table(
        "sent_once",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "engagements",
        _id(),
        _incident_id(),
        sa.Column("service", sa.String(75), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("engaged_by", sa.String(32), nullable=False),
        sa.Column("engaged_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "service", name="uq_engagements_incident_service"),
    )
    op.create_table(
        "pages",
        _id(),
        sa.Column("dedup_key", sa.String(255), nullable=False, unique=True),
        _incident_id(),
        sa.Column("service", sa.String(75), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("target_user_id", sa.String(32), nullable=True),
        sa.Column("target_name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("paged_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(255), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("last_polled_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_pages_status", "pages", ["status"])
    op.create_table(
        "documents",
        _id(),
        _incident_id(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("weblink", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("incident_id", "kind", name="uq_documents_incident_kind"),
    )
    op.create_table(
        "document_shares",
        _id(),
        _incident_id(),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("shared_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "email", name="uq_document_shares_incident_email"),
    )


def downgrade() -> None:
    for table in (
        "document_shares",
        "documents",
        "pages",
        "engagements",
        "sent_once",
        "shift_feedback",
        "feedback",
        "participant_activity",
    ):
        op.drop_table(table)
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("uq_tasks_external_id", type_="unique")
        batch.drop_column("external_id")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("cost_updated_at")
        batch.drop_column("cost")
