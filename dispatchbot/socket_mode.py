"""Socket Mode transport: bolt's aiohttp handler, timed per envelope and watched for disconnection."""

from __future__ import annotations

import asyncio
import time

import structlog
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from dispatchbot.clock import Clock
from dispatchbot.logs import get_logger, log_handled, request_kind
from dispatchbot.metrics import Metrics

log = get_logger(__name__)

CLOSE_SECONDS = 5.0
"""How long closing the connection may take; Slack answers a close frame at once when it is there."""


class InstrumentedSocketModeHandler(AsyncSocketModeHandler):
    """Binds the envelope id into the log context and records the real receive-to-ack latency."""

    def __init__(self, app: AsyncApp, *, app_token: str, ping_interval: float, metrics: Metrics) -> None:
        super().__init__(app, app_token=app_token, ping_interval=ping_interval)
        self._metrics = metrics

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(envelope_id=req.envelope_id)
        response = await run_async_bolt_app(self.app, req)
        await send_async_response(client, req, response, start)
        elapsed, kind = time.perf_counter() - start, request_kind(req.payload)
        self._metrics.ack_latency.labels(kind).observe(elapsed)
        log_handled(kind, elapsed, response.status)

    async def close_async(self) -> None:
        """Close within `CLOSE_SECONDS` and wait for the client's tasks to end.

        The SDK's close waits for Slack to answer the close frame (aiohttp allows 10 s) and cancels its
        receiver, monitor and processor tasks without waiting for them, so they would outlive the stop.
        """
        client = self.client
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await client.close()  # type: ignore[no-untyped-call]
        except TimeoutError:
            log.warning("socket_mode.close_timed_out", seconds=CLOSE_SECONDS)
            await client.aiohttp_client_session.close()
        tasks = {client.message_processor, client.current_session_monitor, client.message_receiver}
        running = {task for task in tasks if task is not None and not task.done()}
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=CLOSE_SECONDS)


class ConnectionWatch:
    """Tracks since when the socket has been down, so /healthz can allow short reconnects."""

    def __init__(self, handler: InstrumentedSocketModeHandler, clock: Clock, metrics: Metrics) -> None:
        self._handler = handler
        self._clock = clock
        self._metrics = metrics
        self.connected = False
        self.down_since = clock.now()
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> None:
        connected = bool(await self._handler.client.is_connected())
        if connected != self.connected:
            self.down_since = self._clock.now() if not connected else self.down_since
            self.connected = connected
            self._metrics.slack_connected.set(1 if connected else 0)

    def start(self, interval: float = 1.0) -> None:
        async def watch() -> None:
            while True:
                await self.check()
                await asyncio.sleep(interval)

        self._task = asyncio.create_task(watch(), name="socket-mode-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
