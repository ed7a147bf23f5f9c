"""Workflow runs: automation someone started from an incident or a case, or a signal started for an alert
or a case, as dispatchbot keeps track of it (the provider's vocabulary is `providers.workflows`).

A run is a row before the provider is called, so a crash never forgets one; its message in the
channel (or in the alert's or case's thread) is edited in place until `rendered_version` catches up
with `version`, so every status change is shown (Dispatch's users found "nothing happens" after starting
one: its status changes were never posted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatchbot.providers.workflows import Artifact, WorkflowStatus


@dataclass(frozen=True)
class WorkflowRun:
    id: int
    key: str
    """Unique per run and stable across retries: the idempotency key given to the provider."""
    workflow: str
    """The `[[workflows]]` name when it started (the config may have changed since)."""
    provider: str
    resource_id: str
    params: dict[str, str]
    reason: str
    requested_by: str | None
    """Who started it (a Slack id); None when a signal did."""
    incident_id: int | None
    case_id: int | None
    alert_id: int | None
    channel_id: str | None
    """Where its message is; in the thread of `thread_ts` when that is set (an alert's or a case's)."""
    thread_ts: str | None
    message_ts: str | None
    status: WorkflowStatus
    instance_id: str | None
    """The provider's id for the run; None until the provider accepted it."""
    weblink: str
    artifacts: tuple[Artifact, ...]
    error: str
    """Why it could not start or be followed (a provider's refusal), shown as it is; "" otherwise."""
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    unknown_since: datetime | None
    """Since when the provider has failed to answer about it (shown: "status unknown since …")."""
    poll_failures: int
    next_poll_at: datetime | None
    version: int
    rendered_version: int
    signal: str = ""
    """The `[[signals]]` name that started it when `requested_by` is None (its message says "by signal …")."""
    reply_ts: str | None = None
    """The thread reply that said it finished (with its artifacts); None until posted."""

    @property
    def open(self) -> bool:
        """Still followed: accepted by the provider and not finished."""
        return self.instance_id is not None and not self.status.finished
