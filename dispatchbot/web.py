"""The aiohttp server: /healthz, /metrics, POST /alerts/{source} and, in HTTP mode, Slack's /slack/events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from dispatchbot import __version__
from dispatchbot.logs import log_handled, request_kind
from dispatchbot.manifest import SLACK_EVENTS_PATH
from dispatchbot.metrics import Metrics
from dispatchbot.storage.engine import Database

DATABASE_TIMEOUT_SECONDS = 2.0
ALERTS_PATH = "/alerts/{source}"


@dataclass
class SlackStatus:
    """What /healthz reports about Slack: connected, and whether being down has lasted too long."""

    mode: str
    connected: bool
    unhealthy_reason: str | None = None


@dataclass
class WebState:
    draining: bool = False


def build_web_app(
    *,
    database: Database,
    metrics: Metrics,
    slack_status: Callable[[], Awaitable[SlackStatus]],
    bolt_app: AsyncApp | None,
    state: WebState,
    alerts: Callable[[web.Request], Awaitable[web.Response]] | None = None,
) -> web.Application:
    app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        slack = await slack_status()
        body: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "slack": {"mode": slack.mode, "connected": slack.connected},
            "database": "ok",
        }
        reasons: list[str] = []
        try:
            await asyncio.wait_for(database.ping(), DATABASE_TIMEOUT_SECONDS)
        except Exception as exc:
            body["database"] = "unreachable"
            reasons.append(f"database unreachable: {type(exc).__name__}")
        if slack.unhealthy_reason:
            reasons.append(slack.unhealthy_reason)
        if state.draining:
            reasons.append("shutting down")
        if reasons:
            body["status"] = "unhealthy"
            body["reasons"] = reasons
            return web.json_response(body, status=503)
        return web.json_response(body)

    async def metrics_endpoint(_request: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    if bolt_app is not None:
        app.router.add_post(SLACK_EVENTS_PATH, _slack_events(bolt_app, metrics, state))
    if alerts is not None:
        app.router.add_post(ALERTS_PATH, alerts)
    return app


def _slack_events(
    bolt_app: AsyncApp, metrics: Metrics, state: WebState
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        if state.draining:
            # Slack retries events; a command sent now fails visibly rather than being half-handled.
            return web.json_response({"error": "shutting down"}, status=503)
        loop = asyncio.get_running_loop()
        start = loop.time()
        bolt_request = await to_bolt_request(request)
        bolt_response = await bolt_app.async_dispatch(bolt_request)
        elapsed, kind = loop.time() - start, request_kind(bolt_request.body)
        metrics.ack_latency.labels(kind).observe(elapsed)
        log_handled(kind, elapsed, bolt_response.status)
        return await to_aiohttp_response(bolt_response)

    return handle
