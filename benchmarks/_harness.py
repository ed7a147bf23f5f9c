"""Shared by the benchmarks: the fake Slack in this process, the bot as a real `dispatchbot run` process.

Keeping them in separate processes matters: with both on one event loop the fake's own work would be
counted as the bot's latency, which real Slack never adds. The bot logs at the default level, as users
run it, into `bot.log` in the benchmark's directory: a file never fills up and blocks the bot the way
an unread pipe would.
"""

from __future__ import annotations

import asyncio
import compileall
import os
import signal
import socket
import sys
from pathlib import Path

import dispatchbot
from dispatchbot.testing import FakeSlack

LOG_FILE = "bot.log"
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its threads so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compile_bytecode() -> None:
    """Compile the package's bytecode, as `pip install .` does, so the bot starts as users' does.

    From a checkout Python writes the bytecode itself on the first run, unless PYTHONDONTWRITEBYTECODE
    is set (as on some CI machines); then every start would compile all of dispatchbot again (about
    0.25 s), a cost no installed bot pays. Up-to-date files are skipped, so this is cheap to repeat.
    """
    compileall.compile_dir(Path(dispatchbot.__file__).parent, quiet=1)


def bot_environment(slack: FakeSlack, directory: Path, **extra_environment: str) -> dict[str, str]:
    """The bot's environment: this one's minus any DISPATCHBOT_ settings and proxies, the fake Slack,
    and `bench.db` in `directory`."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DISPATCHBOT_") and name not in PROXY_VARIABLES
    }
    environment.update(
        DISPATCHBOT_SLACK__BOT_TOKEN=slack.bot_token,
        DISPATCHBOT_SLACK__APP_TOKEN=slack.app_token,
        DISPATCHBOT_SLACK__API_URL=slack.api_url,
        DISPATCHBOT_DATABASE__URL=f"sqlite+aiosqlite:///{directory}/bench.db",
    )
    environment.update(extra_environment)
    return environment


async def spawn_bot(
    slack: FakeSlack, directory: Path, port: int, **extra_environment: str
) -> asyncio.subprocess.Process:
    environment = bot_environment(
        slack, directory, DISPATCHBOT_HTTP__HOST="127.0.0.1", DISPATCHBOT_HTTP__PORT=str(port)
    )
    environment.update(extra_environment)
    compile_bytecode()
    with (directory / LOG_FILE).open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "dispatchbot",
            "run",
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )


async def stop_bot(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 30)
