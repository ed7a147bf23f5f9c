"""Headless Chromium from the operating system's packages, driven by Playwright, for tests of the
sandbox's page. Playwright's PyPI package is only the driver here: it never downloads a browser.

The page it opens records what must never happen on the sandbox's page: an uncaught error, a console
error, or a request to any host but 127.0.0.1 (refused, so a test never reaches the internet).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.async_api import ConsoleMessage, Page, Route

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
    """A page and what went wrong on it so far."""

    page: Page
    problems: list[str] = field(default_factory=list)


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
            page = context.pages[0] if context.pages else await context.new_page()
            watched = Watched(page)

            async def local_only(route: Route) -> None:
                url = route.request.url
                if url.startswith("data:") or urlsplit(url).hostname == "127.0.0.1":
                    await route.continue_()
                else:
                    watched.problems.append(f"request to another host: {url}")
                    await route.abort()

            def console(message: ConsoleMessage) -> None:
                if message.type == "error":
                    watched.problems.append(f"console error: {message.text} at {message.location}")

            await context.route("**/*", local_only)
            page.on("console", console)
            page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            yield watched
        finally:
            await context.close()
