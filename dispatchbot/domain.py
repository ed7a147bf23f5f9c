"""Domain types: plain frozen data, no I/O, shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class FlowRun:
    """A durable flow run as stored: `state` holds what finished steps recorded (e.g. a channel id)."""

    id: int
    kind: str
    key: str
    args: dict[str, Any]
    state: dict[str, Any]
    completed_steps: tuple[str, ...]
    status: RunStatus
    attempts: int
    last_error: str | None
    error_id: str | None
    lease_owner: str | None
    lease_until: datetime | None
    created_at: datetime
    finished_at: datetime | None = field(default=None)
