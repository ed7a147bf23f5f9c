"""Start-up time of `dispatchbot sandbox` to a usable page: from the command's start until its URL
answers the page and the session with the bot connected (the sandbox prints the URL only then).

For scale, the same run measures a bare `dispatchbot run` connecting to a fake Slack (what the sandbox
does on top: start the fakes and the UI, then spawn that same bot) and `python -c "import
dispatchbot.cli"` (the interpreter and the imports every command pays). Target <= 3 s.
Run: python benchmarks/sandbox_startup.py [--starts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from _harness import PROXY_VARIABLES, compile_bytecode, free_port, spawn_bot, stop_bot

from dispatchbot.testing import FakeSlack

READY = re.compile(rb"ready at (http://127\.0\.0\.1:\d+/)")
TARGET_SECONDS = 3.0


def environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DISPATCHBOT_") and name not in PROXY_VARIABLES
    }


async def sandbox_start(directory: Path) -> float:
    """Seconds from spawning `dispatchbot sandbox` until its page and session answer."""
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
        return time.perf_counter() - began
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)


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


async def measure(label: str, starts: int, once: Callable[[Path], Awaitable[float]]) -> float:
    times: list[float] = []
    with tempfile.TemporaryDirectory() as directory:
        for _ in range(starts):
            times.append(await once(Path(directory)))
            await asyncio.sleep(0.2)
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"  {label:38} median {median:.2f} s, max {max(times):.2f} s   ({runs})")
    return median


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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=3)
    asyncio.run(main(parser.parse_args().starts))
