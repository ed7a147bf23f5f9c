"""Boot the real bot against the fake Slack: in-process (`Bot.start`) or as a `dispatchbot run` process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from dispatchbot.app import Bot, Running
from dispatchbot.clock import Clock
from dispatchbot.config import (
    DatabaseSettings,
    HealthSettings,
    HttpSettings,
    ProviderSettings,
    RunsSettings,
    Settings,
    SlackMode,
    SlackSettings,
)
from dispatchbot.testing import FakeSlack
from tests.support import probe

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
REPO = Path(__file__).resolve().parents[2]

FAST_RUNS = {
    "lease_seconds": 1.0,
    "sweep_interval_seconds": 0.3,
    "retry_backoff_seconds": 0.05,
    "max_attempts": 2,
}
FAST_PROVIDERS = {
    "retry_deadline_seconds": 3.0,  # room for one Retry-After: 2 (the case), not for two
    "retry_backoff_seconds": 0.05,
}


def bot_settings(
    fake: FakeSlack,
    database_url: str,
    *,
    mode: SlackMode = SlackMode.SOCKET,
    runs: dict[str, Any] | None = None,
    health: dict[str, Any] | None = None,
) -> Settings:
    """Settings for a bot that talks only to `fake`, on a free port, with quick lease and sweep timings."""
    return Settings(
        slack=SlackSettings(
            bot_token=fake.bot_token,
            app_token=fake.app_token,
            signing_secret=SIGNING_SECRET,
            api_url=fake.api_url,
            mode=mode,
            ping_interval_seconds=1.0,
        ),
        database=DatabaseSettings(url=database_url),
        http=HttpSettings(host="127.0.0.1", port=0),
        runs=RunsSettings(**{**FAST_RUNS, **(runs or {})}),
        health=HealthSettings(**(health or {})),
        providers=ProviderSettings(**FAST_PROVIDERS),
    )


@contextlib.asynccontextmanager
async def running_bot(fake: FakeSlack, settings: Settings, clock: Clock) -> AsyncIterator[Running]:
    """The bot in-process on `clock` (with the probe extension), connected to `fake`, and stopped on
    leaving even after a failure. For tests that restart a bot or run two at once, which a fixture
    cannot do."""
    bot = Bot(settings, extensions=[probe.register], clock=clock)
    try:
        running = await bot.start()
        await fake.socket.wait_connected()
        yield running
    finally:
        await bot.stop()


def bot_environment(fake: FakeSlack, database_url: str, port: int, **overrides: str) -> dict[str, str]:
    """The environment a `dispatchbot run` process needs to run against `fake`."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DISPATCHBOT_") and "proxy" not in name.lower()
    }
    environment.update(
        {
            "PYTHONPATH": str(REPO),
            "DISPATCHBOT_SLACK__BOT_TOKEN": fake.bot_token,
            "DISPATCHBOT_SLACK__APP_TOKEN": fake.app_token,
            "DISPATCHBOT_SLACK__API_URL": fake.api_url,
            "DISPATCHBOT_SLACK__PING_INTERVAL_SECONDS": "1",
            "DISPATCHBOT_DATABASE__URL": database_url,
            "DISPATCHBOT_HTTP__HOST": "127.0.0.1",
            "DISPATCHBOT_HTTP__PORT": str(port),
            "DISPATCHBOT_LOG__FORMAT": "json",
            **{f"DISPATCHBOT_RUNS__{key.upper()}": str(value) for key, value in FAST_RUNS.items()},
            **{f"DISPATCHBOT_PROVIDERS__{key.upper()}": str(value) for key, value in FAST_PROVIDERS.items()},
        }
    )
    environment.update(overrides)
    return environment


def free_port() -> int:
    """A port free right now, for a bot process that cannot report the one it bound."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """A bot in its own process: `dispatchbot run`, or the probe launcher (same code path plus the probe)."""

    def __init__(self, environment: dict[str, str], *, probe: bool = True) -> None:
        self._environment = environment
        self._probe = probe
        self.process: asyncio.subprocess.Process | None = None
        self.stderr = b""
        self._reader: asyncio.Task[None] | None = None

    cwd = str(REPO)

    @staticmethod
    def command_for(*args: str) -> list[str]:
        """`dispatchbot ARGS` as a command line for this interpreter."""
        return [sys.executable, "-m", "dispatchbot", *args]

    async def start(self) -> None:
        command = (
            [sys.executable, "-m", "tests.support.probe_bot"] if self._probe else self.command_for("run")
        )
        self.process = await asyncio.create_subprocess_exec(
            *command,
            cwd=self.cwd,
            env=self._environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_stderr(self.process))

    async def _read_stderr(self, process: asyncio.subprocess.Process) -> None:
        """Drain stderr as it comes: a DEBUG-level bot fills the 64 KiB pipe and would block on a log line."""
        assert process.stderr is not None
        while chunk := await process.stderr.read(65536):
            self.stderr += chunk

    async def wait(self, within: float = 30.0) -> int:
        assert self.process is not None
        assert self._reader is not None
        returncode = await asyncio.wait_for(self.process.wait(), within)
        await asyncio.wait_for(self._reader, within)
        return int(returncode or 0)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no cleanup at all, like kill -9 or an OOM kill

    def terminate(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    async def ensure_stopped(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.wait()
