"""Table definitions (SQLAlchemy 2 declarative). Migrations in `migrations/versions` must match them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dispatchbot.storage.types import JSONDocument, UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONDocument, list[str]: JSONDocument}


class FlowRunRow(Base):
    """One durable run of a flow: what was asked, what each finished step recorded, who holds it."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_flow_runs_kind_key"),
        Index("ix_flow_runs_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    args: Mapped[dict[str, Any]]
    state: Mapped[dict[str, Any]]
    completed_steps: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_id: Mapped[str | None] = mapped_column(String(32))
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class DeliveryRow(Base):
    """A Slack delivery already handled; the primary key makes a second insert of the same key fail."""

    __tablename__ = "deliveries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
