"""The on-call provider role: who is on call for a service, paging them, and following the page.

Adapters (PagerDuty, Opsgenie, third-party packages) implement `Oncall` and are found through the
`dispatchbot.providers` entry-point group (see `providers/registry.py`). Every method raises
`ProviderError` for anything the provider refuses or fails at, so flows can tell people plainly and
leave the incident untouched. Service ids here are the provider's own (`[[services]].external_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class OncallPerson:
    email: str
    name: str


class PageStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class PageState:
    status: PageStatus
    acknowledged_by: str | None = None  # the acknowledger's name or email, when the provider says
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class Shift:
    """One finished on-call shift of `person` on a service's schedule."""

    person: OncallPerson
    start: datetime
    end: datetime


@runtime_checkable
class Oncall(Protocol):
    name: str
    """The adapter's name, as `[[services]].provider` spells it."""

    async def current(self, service_id: str) -> OncallPerson:
        """Who is on call now; `ProviderError` when nobody is (or the service is unknown)."""
        ...

    async def next(self, service_id: str) -> OncallPerson | None:
        """Who is on call after the current shift, when the provider can tell."""
        ...

    async def page(self, service_id: str, *, dedup_key: str, title: str, description: str) -> str:
        """Page the service's on-call; returns the provider's page id.

        The same `dedup_key` must never page twice: a retried or double-clicked page returns the
        first page's id.
        """
        ...

    async def status(self, page_id: str) -> PageState: ...

    async def escalate(self, page_id: str, *, service_id: str) -> None:
        """Move an unacknowledged page to the next escalation level."""
        ...

    async def resolve(self, page_id: str) -> None:
        """Resolve (close) the page; resolving one already resolved is not an error."""
        ...

    async def shifts_ended(self, service_id: str, since: datetime, until: datetime) -> list[Shift]:
        """Shifts on the service's schedule that ended in [since, until); [] when not supported."""
        ...
