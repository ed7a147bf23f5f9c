"""Use case: someone acknowledges an alert, or cancels the acknowledgement (C7, C8), from its message.

The change and its notice are one transaction (the service refuses a second live acknowledgement); the
thread reply and the edited message follow through delivery, like every other alert change.
"""

from __future__ import annotations

from dispatchbot.deps import Deps


async def acknowledge(deps: Deps, alert_id: int, user: str) -> None:
    await deps.alerts.acknowledge(alert_id, user)


async def cancel(deps: Deps, alert_id: int, user: str) -> None:
    await deps.alerts.cancel_acknowledgement(alert_id, user)
