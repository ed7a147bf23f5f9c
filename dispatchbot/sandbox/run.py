"""`dispatchbot sandbox`: the workspace, the vendors, the web UI and the real bot, started and stopped
as one.

One asyncio loop serves the fake Slack (on a free port), the vendor fakes (`vendors`) and the UI (on
``--port``); the bot is a child process. The URL is printed only once the bot is connected, so what it
opens works; `--seed demo` then fills the workspace in the background. Ctrl-C or SIGTERM stops the bot
first (so it never sees its Slack vanish), then the servers; the exit code is 0.

The workspace lives in this process while the bot's database is a file, so the two must live and die
together. Without ``--db`` both are fresh on every start: the database is in a temporary directory,
removed at exit. With ``--db PATH`` both are kept: the workspace is saved next to the database at exit
and loaded at the next start (`snapshot`), so incidents keep their channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import tempfile
import tomllib
import webbrowser
from collections.abc import Awaitable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from dispatchbot.config.loading import resolve_config_path
from dispatchbot.sandbox import demo, people, snapshot
from dispatchbot.sandbox.bot_process import BotFailed, BotProcess
from dispatchbot.sandbox.panels import SandboxWithPanels
from dispatchbot.sandbox.vendors import Vendors
from dispatchbot.sandbox.web import SandboxWeb
from dispatchbot.testing.slack.server import FakeSlack

T = TypeVar("T")

CONNECT_SECONDS = 60.0
"""How long the bot may take to migrate its database and connect (a cold start on a slow disk)."""


class SandboxError(Exception):
    """The sandbox cannot start, for a reason the person running it can act on."""


@dataclass(frozen=True)
class Options:
    port: int
    database: Path | None
    """`--db`: None for a fresh database (and workspace) on every start."""
    seed: str
    open_browser: bool
    config: Path | None = None
    """`--config`, which the bot is given too (otherwise it reads the same default the sandbox did)."""


@contextlib.contextmanager
def _database(options: Options) -> Iterator[Path]:
    """`--db`, or a database in a temporary directory removed at exit."""
    if options.database is not None:
        yield options.database
        return
    with tempfile.TemporaryDirectory(prefix="dispatchbot-sandbox-") as directory:
        yield Path(directory) / "sandbox.db"


def _file_values(config: Path | None) -> dict[str, Any]:
    """The user's config file's tables, so the sandbox configures only what it leaves out; a file that
    cannot be read is left for the bot to report."""
    path = resolve_config_path(config, os.environ)
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}


def say(line: str) -> None:
    print(f"dispatchbot sandbox: {line}", flush=True)


def run(options: Options, commands: Mapping[str, str]) -> int:
    """Run until Ctrl-C or SIGTERM; raise SandboxError when it cannot start."""
    return asyncio.run(_serve(options, commands))


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for received in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(received, stop.set)


async def _start_web(web: SandboxWeb, port: int) -> None:
    try:
        await web.start(port)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise SandboxError(
                f"port {port} is in use or not allowed — pass --port with another one"
            ) from None
        raise


async def _unless_stopped(stop: asyncio.Event, work: Awaitable[T]) -> tuple[bool, T | None]:
    """Await ``work`` unless ``stop`` is set first (then ``work`` is cancelled): (finished, its result)."""
    working = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({working, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not working.done():
        working.cancel()
        return False, None
    return True, working.result()


async def _serve(options: Options, commands: Mapping[str, str]) -> int:
    """``commands`` maps each command setting (`report_incident`) to its slash command."""
    stop = asyncio.Event()
    _stop_on_signals(stop)
    with _database(options) as database:
        return await _serve_with(options, commands, database, stop)


async def _serve_with(
    options: Options, commands: Mapping[str, str], database: Path, stop: asyncio.Event
) -> int:
    fake = FakeSlack(team_name="Sandbox")
    people.populate(fake)
    saved = snapshot.path_for(database) if options.database is not None else None
    try:
        restored = saved is not None and snapshot.load(fake.workspace, saved)
    except snapshot.SnapshotError as exc:
        raise SandboxError(str(exc)) from None
    announce = fake.workspace.channel_by_name("incidents")
    vendors = Vendors(announce_channel=announce.id if announce is not None else "")
    log_path = database.with_suffix(".log")
    seeding: asyncio.Task[None] | None = None
    bot: BotProcess | None = None
    web: SandboxWeb | None = None
    try:
        await fake.start()
        await vendors.start()
        if restored:
            say(f"workspace restored from {saved}; not seeding it again")
        bot = BotProcess(
            fake, database, log_path, options.config, vendors.bot_environment(_file_values(options.config))
        )
        web = SandboxWithPanels(fake, list(commands.values()), vendors, bot.http_url)
        await _start_web(web, options.port)
        kept = "kept, with the workspace" if saved is not None else "fresh, removed at exit"
        say(f"starting the bot (database {database}: {kept}; log {log_path}) …")
        await bot.start()
        connected, _ = await _unless_stopped(stop, bot.wait_connected(CONNECT_SECONDS))
        if not connected:
            return 0
        say(f"ready at {web.url}  (Ctrl-C stops it)")
        if options.seed == "demo" and not restored:
            seeding = demo.start(demo.Demo(fake, commands, web), say)
        if options.open_browser:
            webbrowser.open(web.url)
        exited, code = await _unless_stopped(stop, bot.wait_exited())
        if exited:
            raise BotFailed(f"the bot exited with code {code}; the end of its log:\n{bot.log_tail()}")
        say("stopping …")
        return 0
    except BotFailed as exc:
        raise SandboxError(str(exc)) from None
    finally:
        if seeding is not None:
            seeding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await seeding
        if bot is not None:
            await bot.stop()
        if saved is not None and bot is not None and bot.process is not None:  # it ran: keep what it did
            snapshot.save(fake.workspace, saved)
        if web is not None:
            await web.stop()
        await vendors.stop()
        await fake.stop()
