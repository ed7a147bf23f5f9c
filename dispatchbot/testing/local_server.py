"""`LocalServer`: the aiohttp server on 127.0.0.1 (start, stop, URL) that every fake of an external API
runs — Slack, Google, PagerDuty and Opsgenie alike — so each fake only builds its routes."""

from __future__ import annotations

import ssl
from types import TracebackType
from typing import Self

from aiohttp import web


class LocalServer:
    """Subclasses build the application; this runs it on 127.0.0.1, on a free port unless told one."""

    scheme = "http"

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        raise NotImplementedError

    def server_ssl_context(self) -> ssl.SSLContext | None:
        return None

    async def start(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.application(), shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=self.server_ssl_context()).start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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
