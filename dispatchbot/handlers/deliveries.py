"""Drop repeats before any listener sees them: redelivered envelopes, double submits, double clicks.

Slack delivers at least once (an event not acked in time comes again with the same event_id; with
several replicas any of them may get it) and people double-click. Each request gets a delivery key;
a repeat is acked empty.

The ack does not wait for the database unless the handler writes before its ack. A repeat this
replica saw is dropped at once from memory (even while the first is still being recorded). Otherwise
the key is recorded durably, group-committed, and the database's unique constraint decides across
replicas: view submissions and button clicks, whose handlers record intent or apply the click
before acking, wait for that verdict as before; commands, events and shortcuts, whose handlers only
read before acking, are acked at once and their post-ack work waits for the verdict instead
(`background.admit_after`), so a repeat that reached another replica first does nothing here.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from dispatchbot.background import admit_after
from dispatchbot.deps import Deps
from dispatchbot.logs import get_logger, request_kind

log = get_logger(__name__)

DOUBLE_CLICK_WINDOW = timedelta(seconds=2)

WRITE_BEFORE_ACK = frozenset({"view_submission", "block_actions"})
"""Kinds whose handlers write before they ack: their ack waits for the durable verdict."""


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
        # the second key catches two clicks on the same control within a moment (a select's pick is
        # its value: picking another option at once is a new intent).
        value = action.get("value") or (action.get("selected_option") or {}).get("value", "")
        click = f"click:{user}:{action.get('action_id')}:{value}:{target}"
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
        kind = request_kind(body)
        verdict = deps.deliveries.record(key, window)
        if verdict is None:
            return _dropped(deps, kind, key)
        if kind in WRITE_BEFORE_ACK:
            return await next() if await verdict else _dropped(deps, kind, key)
        verdict.add_done_callback(functools.partial(_note_late_verdict, deps, kind, key))
        admit_after(verdict)
        return await next()


def _dropped(deps: Deps, kind: str, key: str) -> BoltResponse:
    structlog.contextvars.bind_contextvars(outcome="repeat")
    log.debug("delivery.repeat_dropped", delivery_key=key)
    deps.metrics.duplicates.labels(kind).inc()
    return BoltResponse(status=200, body="")


def _note_late_verdict(deps: Deps, kind: str, key: str, verdict: asyncio.Future[bool]) -> None:
    """After the ack: a repeat another replica had first (its work is dropped), or a failed record."""
    if verdict.cancelled():
        return
    error = verdict.exception()
    if error is not None:
        log.warning("delivery.not_recorded", error=type(error).__name__)  # the work goes ahead
    elif not verdict.result():
        log.info("delivery.repeat_dropped", after_ack=True)
        deps.metrics.duplicates.labels(kind).inc()
