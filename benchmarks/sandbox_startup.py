"""Start-up time of `dispatchbot sandbox` to a usable page: from the command's start until its URL
answers the page and the session with the bot connected (the sandbox prints the URL only then).

For scale, the same run measures a bare `dispatchbot run` connecting to a fake Slack (what the sandbox
does on top: start the fakes and the UI, then spawn that same bot) and `python -c "import
dispatchbot.cli"` (the interpreter and the imports every command pays). Target <= 3 s.

Then a channel of 1,000 messages (the issue asks that the page not stall on one): the time to post them
through the page's /api/send, the channel fragment the page fetches to open it (its newest 100, as the
server renders it), and, when Playwright and the system's Chromium are there, the browser's time from
navigation to showing those 100 messages.
Run: python benchmarks/sandbox_startup.py [--starts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from _harness import PROXY_VARIABLES, compile_bytecode, free_port, spawn_bot, stop_bot

from dispatchbot.testing import FakeSlack

READY = re.compile(rb"ready at (http://127\.0\.0\.1:\d+/)")
TARGET_SECONDS = 3.0
MESSAGES = 1000
SHOWN = 100  # what the page asks for when it opens a channel


def environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DISPATCHBOT_") and name not in PROXY_VARIABLES
    }


@asynccontextmanager
async def running_sandbox(directory: Path) -> AsyncIterator[tuple[str, float]]:
    """`dispatchbot sandbox` running: its URL and the seconds from spawning it until its page and
    session answered; stopped with Ctrl-C at the end."""
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dispatchbot",
        "sandbox",
        "--port",
        str(free_port()),
        cwd=directory,
        env=environment(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    try:
        seen = b""
        while not (ready := READY.search(seen)):
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            if not line:
                raise RuntimeError(f"the sandbox ended: {seen.decode()}")
            seen += line
        url = ready.group(1).decode()
        async with aiohttp.ClientSession() as http:
            for path in ("", "api/session"):
                async with http.get(url + path) as response:
                    response.raise_for_status()
                    await response.read()
        yield url, time.perf_counter() - began
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)


async def sandbox_start(directory: Path) -> float:
    """Seconds from spawning `dispatchbot sandbox` until its page and session answer."""
    async with running_sandbox(directory) as (_, seconds):
        return seconds


async def bot_connect(directory: Path) -> float:
    """Seconds from spawning `dispatchbot run` until its Socket Mode connection is up (a fresh
    database each time, as the sandbox's is)."""
    fresh = Path(tempfile.mkdtemp(dir=directory))
    async with FakeSlack() as slack:
        began = time.perf_counter()
        bot = await spawn_bot(slack, fresh, free_port())
        try:
            await slack.socket.wait_connected(timeout=60)
            return time.perf_counter() - began
        finally:
            await stop_bot(bot)


async def bare_import(directory: Path) -> float:
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import dispatchbot.cli", cwd=directory
    )
    await process.wait()
    return time.perf_counter() - began


def report(label: str, times: list[float], *, milliseconds: bool = False) -> float:
    """Print the median, max and every run of ``times`` (seconds); return the median."""
    scale, unit, digits = (1000, "ms", 1) if milliseconds else (1, "s", 2)

    def figure(seconds: float) -> str:
        return f"{seconds * scale:.{digits}f}"

    median = statistics.median(times)
    runs = ", ".join(map(figure, times))
    print(f"  {label:44} median {figure(median)} {unit}, max {figure(max(times))} {unit}   ({runs})")
    return median


async def measure(label: str, starts: int, once: Callable[[Path], Awaitable[float]]) -> float:
    times: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(starts):
            times.append(await once(Path(directory)))
            await asyncio.sleep(0.2)
    return report(label, times)


async def big_channel(starts: int) -> None:
    """A sandbox whose #general holds ``MESSAGES`` messages from bob, opened as alice."""
    with tempfile.TemporaryDirectory() as directory:
        async with running_sandbox(Path(directory)) as (url, _), aiohttp.ClientSession() as http:
            async with http.get(url + "api/session") as response:
                session = await response.json()
            ids = {person["name"]: person["id"] for person in session["people"]}
            general = session["start"]
            began = time.perf_counter()
            for n in range(1, MESSAGES + 1):
                body = {"as": ids["bob"], "channel": general, "text": f"message {n}"}
                async with http.post(url + "api/send", json=body) as response:
                    response.raise_for_status()
            posted = time.perf_counter() - began
            print(f"  {MESSAGES} messages posted through /api/send in {posted:.2f} s, one at a time")
            fetched: list[float] = []
            query = {"as": ids["alice"], "limit": str(SHOWN)}
            for _ in range(starts * 5):
                began = time.perf_counter()
                async with http.get(f"{url}api/channel/{general}", params=query) as response:
                    response.raise_for_status()
                    await response.read()
                fetched.append(time.perf_counter() - began)
            report(f"fetch of the channel (newest {SHOWN} of {MESSAGES})", fetched, milliseconds=True)
            await browser_shows(url, starts)


async def browser_shows(url: str, starts: int) -> None:
    """Seconds from navigation until the page shows the channel's newest ``SHOWN`` messages."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        executable = None
    if executable is None:
        print("  browser: skipped (needs playwright and the system's chromium)")
        return
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            shown: list[float] = []
            for _ in range(starts):
                await page.goto(url)
                await page.wait_for_function(
                    f"document.querySelectorAll('#main .messages > li').length >= {SHOWN}"
                )
                shown.append(float(await page.evaluate("performance.now()")) / 1000)
            report(f"browser, navigation to {SHOWN} shown", shown, milliseconds=True)
        finally:
            await browser.close()


async def main(starts: int) -> None:
    compile_bytecode()
    print(f"{starts} starts each:")
    imported = await measure('python -c "import dispatchbot.cli"', starts, bare_import)
    connected = await measure("dispatchbot run, start to connected", starts, bot_connect)
    usable = await measure("dispatchbot sandbox, start to usable page", starts, sandbox_start)
    verdict = "meets" if usable <= TARGET_SECONDS else "misses"
    print(
        f"sandbox start-up: median {usable:.2f} s, {verdict} the target (<= {TARGET_SECONDS:.0f} s); "
        f"{usable - connected:+.2f} s over a bare bot's connect ({connected:.2f} s), whose imports alone "
        f"take {imported:.2f} s"
    )
    print(f"a channel of {MESSAGES} messages:")
    await big_channel(starts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=3)
    asyncio.run(main(parser.parse_args().starts))
