"""Case entities: the entity values (a host, a user) each case's alerts carried, and when last, so a
signal that de-duplicates on entities sends an alert to the open case sharing one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dispatchbot.storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_entities",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("signal", sa.String(80), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_entities_signal_value", "case_entities", ["signal", "value"])


def downgrade() -> None:
    op.drop_table("case_entities")
