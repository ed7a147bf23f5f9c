"""Drop repeats before any listener sees them: redelivered envelopes, double submits, double clicks.

Slack delivers at least once (an event not acked in time comes again with the same event_id; with
several replicas any of them may get it) and people double-click. Each request gets a delivery key;
the database's unique constraint decides, across replicas, who handles it. A repeat is acked empty.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from dispatchbot.deps import Deps
from dispatchbot.logs import get_logger

log = get_logger(__name__)

DOUBLE_CLICK_WINDOW = timedelta(seconds=2)


def delivery_key(body: dict[str, Any]) -> tuple[str, timedelta | None] | None:
    """The key that identifies one intent, with the window it is unique in (None: forever)."""
    if body.get("event_id"):
        return f"event:{body['event_id']}", None
    kind = body.get("type")
    if kind == "view_submission":
        view = body.get("view") or {}
        key = f"view:{view.get('id')}:{view.get('hash')}"
        # Slack keeps the hash after inline errors, so a corrected resubmission differs only in its values.
        values = (view.get("state") or {}).get("values")
        if values:
            digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
            key = f"{key}:{digest}"
        return key, None
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        action = actions[0]
        user = (body.get("user") or {}).get("id")
        container = body.get("container") or {}
        target = container.get("view_id") or container.get("message_ts") or ""
        # Each click has its own action_ts, so a redelivery repeats it and a double click does not:
        # the second key catches two clicks on the same control within a moment.
        click = f"click:{user}:{action.get('action_id')}:{action.get('value', '')}:{target}"
        return click, DOUBLE_CLICK_WINDOW
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}", None
    return None


def register(app: AsyncApp, deps: Deps) -> None:
    @app.middleware
    async def drop_repeated_deliveries(
        body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse | None]]
    ) -> BoltResponse | None:
        keyed = delivery_key(body)
        if keyed is None:
            return await next()
        key, window = keyed
        if await deps.deliveries.first_time(key, window):
            return await next()
        log.info("delivery.repeat_dropped", delivery_key=key)
        deps.metrics.duplicates.labels(str(body.get("type") or "command")).inc()
        return BoltResponse(status=200, body="")
