"""`LocalServer`: the aiohttp server on 127.0.0.1 (start, stop, URL) that every fake of an external API
runs — Slack, Google, PagerDuty and Opsgenie alike — so each fake only builds its routes.

Stopping ends every request handler, including those whose client went away: aiohttp lets such a
handler run on (a call held by injected latency lands later, as on the real service) but no longer
tracks it, so without this it would outlive the fake and hold up the event loop's close.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from aiohttp import web

SHUTDOWN_SECONDS = 1.0
"""How long a stop lets requests in progress finish before cancelling them."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LocalServer:
    """Subclasses build the application; this runs it on 127.0.0.1, on a free port unless told one."""

    scheme = "http"

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._handling: set[asyncio.Task[object]] = set()

    def application(self) -> web.Application:
        raise NotImplementedError

    def server_ssl_context(self) -> ssl.SSLContext | None:
        return None

    async def start(self, port: int = 0) -> None:
        app = self.application()
        app.middlewares.insert(0, self._track)
        self._runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_SECONDS)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=self.server_ssl_context()).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        orphans = {task for task in self._handling if not task.done()}
        for task in orphans:
            task.cancel()
        if orphans:
            await asyncio.wait(orphans, timeout=SHUTDOWN_SECONDS)

    @web.middleware
    async def _track(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None  # aiohttp runs every handler in a task
        self._handling.add(task)
        try:
            return await handler(request)
        finally:
            self._handling.discard(task)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"
