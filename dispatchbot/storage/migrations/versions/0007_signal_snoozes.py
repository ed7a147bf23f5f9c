"""Signal snoozes: for a while, a signal's alerts (all, or those whose entities match) are stored and
counted but not announced.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import JSONDocument, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_snoozes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("signal", sa.String(80), nullable=False),
        sa.Column("entities", JSONDocument, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("ended_said", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_signal_snoozes_expires_at", "signal_snoozes", ["expires_at"])


def downgrade() -> None:
    op.drop_table("signal_snoozes")
