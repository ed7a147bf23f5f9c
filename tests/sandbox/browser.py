"""Headless Chromium from the operating system's packages, driven by Playwright, for tests of the
sandbox's page. Playwright's PyPI package is only the driver here: it never downloads a browser.

The pages it opens record what must never happen on the sandbox's page: an uncaught error, a console
error, or a request to any host but 127.0.0.1 (refused, so a test never reaches the internet). The one
console error a page may log is what a dropped connection makes, while a test has cut the network on
purpose, for the requests it names (`Watched.dropped_connections`).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, ConsoleMessage, Page, Route

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1200, "height": 720}
ACTION_TIMEOUT_MS = 10_000
DROPPED = re.compile(r"Failed to load resource: net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED)")
"""What Chromium logs when the network is cut: a stream that was open ends mid-response, and new
connections are refused."""


def unavailable(reason: str) -> NoReturn:
    """Fail in CI (where `.ci/run` installs the browser), skip on a developer's machine without it."""
    if os.environ.get("CI") or os.environ.get("TEST_POSTGRES_URL"):
        pytest.fail(f"{reason} (.ci/run installs it)", pytrace=False)
    pytest.skip(reason)


def chromium() -> str:
    found = next((path for path in CHROMIUM if os.access(path, os.X_OK)), None) or shutil.which("chromium")
    if found is None:
        unavailable("no Chromium: apt-get install chromium")
    return found


@dataclass
class Watched:
    """Pages of one browser and what went wrong on them so far."""

    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)
    cut_paths: frozenset[str] = frozenset()

    def watch(self, page: Page) -> Page:
        """``page``, its problems recorded here from now on."""

        def console(message: ConsoleMessage) -> None:
            if message.type == "error" and not self._dropped(message):
                self.problems.append(f"console error: {message.text} at {message.location}")

        page.on("console", console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        return page

    async def new_page(self) -> Page:
        """Another tab of the same browser (its own sessionStorage, shared cookies), watched alike."""
        return self.watch(await self.context.new_page())

    def _dropped(self, message: ConsoleMessage) -> bool:
        url = urlsplit(message.location.get("url", ""))
        return url.path in self.cut_paths and DROPPED.fullmatch(message.text) is not None

    @asynccontextmanager
    async def dropped_connections(self, *paths: str) -> AsyncIterator[None]:
        """Tolerate in the block what a cut network makes the page log (`DROPPED`) for requests to
        ``paths``: a block that cuts the network, restores it and waits for the page to catch up, so
        that a retry still under way at the restore is in it too."""
        self.cut_paths = frozenset(paths)
        try:
            yield
        finally:
            self.cut_paths = frozenset()


class Relay:
    """A TCP relay between the browser and the sandbox at ``target`` that a test can cut as a dropped
    network does: the open connections end (the page's live stream too) and new ones are refused until
    it is restored. Chromium's offline emulation cannot stand in: it fails new requests but leaves a
    stream that is already open flowing."""

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        if self._tasks:
            await asyncio.wait(self._tasks)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._open.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target.hostname, self.target.port)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except OSError:
            writer.transport.abort()
        finally:
            self._open.discard(writer)
            self._tasks.discard(task)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    sink.transport.abort()


@asynccontextmanager
async def relayed(target: str) -> AsyncIterator[Relay]:
    """A running ``Relay`` to ``target``, cut at the end."""
    relay = Relay(target)
    await relay.restore()
    try:
        yield relay
    finally:
        await relay.cut()


@asynccontextmanager
async def watched_page(profile: Path) -> AsyncIterator[Watched]:
    """A fresh Chromium (its profile in ``profile``) with one page, watched as the module says."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("no playwright: pip install -e '.[test]'")
    executable = chromium()
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, args=ARGS, headless=True, viewport=VIEWPORT
        )
        try:
            watched = Watched(context, context.pages[0] if context.pages else await context.new_page())
            watched.watch(watched.page)

            async def local_only(route: Route) -> None:
                url = route.request.url
                if url.startswith("data:") or urlsplit(url).hostname == "127.0.0.1":
                    await route.continue_()
                else:
                    watched.problems.append(f"request to another host: {url}")
                    await route.abort()

            await context.route("**/*", local_only)
            yield watched
        finally:
            await context.close()
