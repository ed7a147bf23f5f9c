"""The real bot as a child process, `python -m dispatchbot run`, exactly as a user runs it, pointed at the
sandbox's workspace.

The child keeps the caller's environment and config file (so the sandbox tries *their* configuration);
only what must point at the sandbox is set over it: the Slack tokens and API URL, Socket Mode, the
SQLite database and a free local port for the bot's HTTP server. Proxy variables are dropped, since
everything the bot talks to is on 127.0.0.1. It runs in its own session so the terminal's Ctrl-C reaches
only the sandbox, which then stops the bot in order; on Linux it also dies with the sandbox, should the
sandbox be killed outright.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import sys
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import IO

from dispatchbot.config.loading import CONFIG_PATH_ENV
from dispatchbot.testing.slack.server import FakeSlack

STOP_SECONDS = 10.0
"""How long the bot gets to finish after SIGTERM before it is killed."""


_REFUSAL = "dispatchbot: cannot start: "
"""How `dispatchbot run` begins the line that says why it will not start (cli.py)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.resolve()}"


def environment(
    fake: FakeSlack, database: Path, http_port: int, config: Path | None, vendors: Mapping[str, str]
) -> dict[str, str]:
    """The bot's environment; ``vendors`` (the sandbox's vendor sections) go under the caller's own."""
    inherited = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    if config is not None:
        inherited[CONFIG_PATH_ENV] = str(config.resolve())
    return {**vendors, **inherited} | {
        "DISPATCHBOT_SLACK__BOT_TOKEN": fake.bot_token,
        "DISPATCHBOT_SLACK__APP_TOKEN": fake.app_token,
        "DISPATCHBOT_SLACK__API_URL": fake.api_url,
        "DISPATCHBOT_SLACK__MODE": "socket",
        "DISPATCHBOT_DATABASE__URL": sqlite_url(database),
        "DISPATCHBOT_HTTP__HOST": "127.0.0.1",
        "DISPATCHBOT_HTTP__PORT": str(http_port),
    }


PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Run in the child before it executes the bot (Linux): SIGTERM it when the sandbox dies, even by
    SIGKILL, so a killed sandbox never leaves a bot behind retrying a Slack that is gone."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the sandbox died before the line above
        os._exit(1)


class BotFailed(Exception):
    """The bot did not start, or stopped on its own; the message ends with the end of its log."""


class BotProcess:
    """Start, watch and stop the bot; its stdout and stderr go to ``log_path``."""

    def __init__(
        self,
        fake: FakeSlack,
        database: Path,
        log_path: Path,
        config: Path | None = None,
        vendors: Mapping[str, str] | None = None,
    ) -> None:
        self.fake = fake
        self.database = database
        self.log_path = log_path
        self.config = config
        self.vendors = dict(vendors or {})
        self.http_port = free_port()
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None
        self._log_start = 0

    async def start(self) -> None:
        self._log = self.log_path.open("ab")  # a kept sandbox (--db) keeps its history
        self._log_start = self._log.tell()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "dispatchbot",
            "run",
            env=environment(self.fake, self.database, self.http_port, self.config, self.vendors),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=partial(_die_with_parent, os.getpid()) if sys.platform == "linux" else None,
        )

    @property
    def http_url(self) -> str:
        """The bot's own HTTP server (`/healthz`, `/alerts/{source}`)."""
        return f"http://127.0.0.1:{self.http_port}"

    async def wait_connected(self, within: float) -> None:
        """Return once the bot holds a Socket Mode connection; raise BotFailed (with the end of its log)
        if it exits first or does not connect ``within`` seconds."""
        connected = asyncio.ensure_future(self.fake.socket.wait_connected(timeout=within))
        exited = asyncio.ensure_future(self.wait_exited())
        await asyncio.wait({connected, exited}, return_when=asyncio.FIRST_COMPLETED)
        for task in (connected, exited):
            task.cancel()
        if connected.done() and not connected.cancelled() and connected.exception() is None:
            return
        if exited.done() and (refusal := self.refusal()):
            raise BotFailed(f"the bot {refusal}")
        why = f"exited with code {exited.result()}" if exited.done() else f"did not connect in {within:.0f} s"
        raise BotFailed(f"the bot {why}; the end of its log ({self.log_path}):\n{self.log_tail()}")

    def refusal(self) -> str:
        """The one line in which `dispatchbot run` said why it cannot start (a database from a newer
        release, an invalid config file), already written for a person; "" when it said none."""
        lines = self._this_run().splitlines()
        return next((line.removeprefix("dispatchbot: ") for line in lines if line.startswith(_REFUSAL)), "")

    async def wait_exited(self) -> int:
        assert self.process is not None
        return await self.process.wait()

    def log_tail(self, lines: int = 15) -> str:
        """The last ``lines`` this start wrote (a kept log also holds earlier runs')."""
        return "\n".join(self._this_run().splitlines()[-lines:]) or "(no log)"

    def _this_run(self) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(self._log_start)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it has not finished within STOP_SECONDS; the exit code."""
        process = self.process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        return None if process is None else process.returncode
