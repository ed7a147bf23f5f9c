"""The re-alert tick (C3 to C5, C7): every firing alert whose interval has passed owes one notice, a full
re-alert or, while acknowledged, a quiet update. One set-based transaction for any number of alerts;
delivery then groups a channel's many re-alerts into one message."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.deps import Deps
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def tick(deps: Deps, now: datetime) -> None:
    due = await deps.alerts.realert_tick(now)
    if due:
        log.info("alerts.realerted", alerts=due)
