"""Declaring an incident from an alert (being built: see the declare-from-alert brief)."""

from __future__ import annotations

from dispatchbot.alerting.model import Alert
from dispatchbot.deps import Deps
from dispatchbot.services.alerts import Notice


async def auto_declare(deps: Deps, alert: Alert) -> None:
    """`declare = "auto"`: declare an incident for a critical alert, once."""
    await deps.alerts.record(alert.id, action="declare_skipped", detail="not built yet")


async def tell_incident_recovered(deps: Deps, alert: Alert, notice: Notice) -> None:
    """The alert's recovery, posted to the incident declared from it."""
    await deps.alerts.record(alert.id, action="incident_told", detail=str(notice.id))
