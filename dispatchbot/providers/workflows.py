"""The workflows provider role: start automation (collect logs, roll back, snapshot a host) and follow it.

Netflix Dispatch's workflow plugin interface is `run(workflow_id, params)` and
`get_instance(workflow_id, instance_id)`; this role keeps both and adds `find`, because a process killed
between the provider accepting a run and our row recording it must not start it twice when it resumes.
Built in: `webhook` (wire-compatible with Dispatch's generic workflow plugin) and `github_actions`; a
third party ships another through the `dispatchbot.providers` entry-point group.

Every method raises `ProviderUnavailable` when the provider is rate-limiting or down past the call's own
retries (a later attempt should work) and `ProviderError` for a refusal that will not change (a wrong
workflow file, inputs it rejects): its `detail` is shown to people as it is, so it says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class WorkflowStatus(StrEnum):
    SUBMITTED = "submitted"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (WorkflowStatus.COMPLETED, WorkflowStatus.FAILED)

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class Artifact:
    """Something a run produced (a log bundle, a heap dump), by link."""

    name: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class WorkflowRequest:
    """One run to start. `key` is unique per run and stable across retries: the idempotency key, and the
    instance id handed to the workflow (`workflowInstanceId`). `tags` identify the run to providers that
    look runs up by tag (Dispatch's generic plugin): the key first, then the incident or case reference."""

    resource_id: str
    key: str
    params: Mapping[str, str]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkflowInstance:
    """A run the provider accepted: its id there (what `get_instance` takes) and its page, if known yet."""

    instance_id: str
    weblink: str = ""


@dataclass(frozen=True)
class WorkflowState:
    """Where a run stands, as the provider says now."""

    status: WorkflowStatus
    weblink: str = ""
    artifacts: tuple[Artifact, ...] = field(default=())


@runtime_checkable
class Workflows(Protocol):
    name: str

    async def run(self, request: WorkflowRequest) -> WorkflowInstance:
        """Start the workflow `request.resource_id` with `request.params`."""
        ...

    async def find(self, request: WorkflowRequest, since: datetime) -> WorkflowInstance | None:
        """The run `request` started if an earlier attempt, made at or after `since`, got as far as the
        provider; None when it did not (then `run` is called)."""
        ...

    async def get_instance(self, request: WorkflowRequest, instance_id: str) -> WorkflowState:
        """The run's status, web link and artifacts now."""
        ...
