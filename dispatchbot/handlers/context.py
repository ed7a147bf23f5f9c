"""The first global middleware: log context, request counting, and the in-flight gauge for shutdown.

It binds the request's ids (kind, name, user, channel; the transport bound the envelope id) so every
line logged while handling it, and the `slack.handled` line the transport writes after the ack,
carries them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from dispatchbot.background import InFlight
from dispatchbot.deps import Deps
from dispatchbot.logs import interaction_context


def register(app: AsyncApp, deps: Deps, in_flight: InFlight) -> None:
    envelopes = deps.metrics.envelopes

    @app.middleware
    async def bind_interaction_context(
        body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse | None]]
    ) -> BoltResponse | None:
        context = interaction_context(body)
        structlog.contextvars.bind_contextvars(**context)
        envelopes.labels(context["kind"]).inc()
        in_flight.enter()
        try:
            return await next()
        finally:
            in_flight.leave()
