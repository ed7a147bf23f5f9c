"""Resume after `kill -9`: how long a reporter waits when the bot dies right after creating the channel.

The bot runs as real `dispatchbot run` processes at the default log level, with the default lease (30 s)
and sweep. Each trial reports an incident, holds `conversations.create` at the fake Slack, and SIGKILLs
the bot while that call is in flight (the channel gets created, the bot never learns its id).

- Single process on SQLite: the bot is restarted; prints the time from spawning the new process to the
  reporter's confirmation (channel ready) and to the creation run finishing. Target: <= 2 s.
- Two replicas on PostgreSQL (with `--postgres URL` or TEST_POSTGRES_URL): the replica working the run is
  killed and not restarted; prints the time from the kill until the survivor has finished the run.
  Target: <= 5 s.

Before resume-at-once, the run waited for the dead owner's lease to lapse (30 s after its last renewal)
and then for the next sweep (every 15 s then): 30-45 s, printed alongside for comparison.
Run: python benchmarks/crash_resume.py [--trials 3] [--latency 0.05] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _harness import free_port, spawn_bot, stop_bot
from sqlalchemy import text

from dispatchbot.config import RunsSettings
from dispatchbot.storage.engine import Database, open_database
from dispatchbot.testing import Channel, FakeSlack, User
from dispatchbot.testing.postgres import scratch_database

HOLD_SECONDS = 0.5
"""How long the fake holds `conversations.create`: the kill lands inside it; it completes afterwards."""
OLD_SWEEP_SECONDS = 15.0
POLL_SECONDS = 0.005


@dataclass
class Trial:
    confirmed: float  # seconds until the reporter's "Incident Reported" confirmation
    finished: float  # seconds until the creation run succeeded
    connected: float  # seconds until a Socket Mode connection is up (the restart's own start-up)


@dataclass
class Workspace:
    slack: FakeSlack
    reporter: User
    general: Channel
    directory: Path
    latency: float  # added to every Slack call once the bot is killed


async def report_and_kill_in_create(
    workspace: Workspace, index: int, bots: list[asyncio.subprocess.Process], database: Database
) -> tuple[asyncio.subprocess.Process, float]:
    """Report incident `index` and SIGKILL whichever bot works its creation while the channel is being
    created; returns the killed process and when it was killed."""
    slack = workspace.slack
    person = slack.as_user(workspace.reporter)
    await person.slash_command("/dispatch-report-incident", channel=workspace.general.id)
    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
    view.fill({"Title": f"Crash benchmark {index}"})
    slack.faults.latency("conversations.create", HOLD_SECONDS)
    arrived = slack.arrivals("conversations.create")
    await view.submit()
    while True:
        if slack.arrivals("conversations.create") > arrived:
            break
        await asyncio.sleep(POLL_SECONDS)
    owner = await run_owner(database, index)
    pid = int(owner.rsplit(":", 2)[1])  # owners are host:pid:token+live
    victim = next(bot for bot in bots if bot.pid == pid)
    killed = time.monotonic()
    victim.send_signal(signal.SIGKILL)
    await victim.wait()
    return victim, killed


async def run_owner(database: Database, index: int) -> str:
    async with database.engine.connect() as connection:
        owners = (
            await connection.exec_driver_sql(
                "SELECT lease_owner FROM flow_runs WHERE kind = 'create_incident' AND status = 'running'"
            )
        ).all()
    if len(owners) != 1 or owners[0][0] is None:
        raise RuntimeError(f"expected one held creation run for incident {index}, found {owners}")
    return str(owners[0][0])


async def wait_done(workspace: Workspace, database: Database, since: float) -> Trial:
    """Poll the fake for the confirmation and the database for the run's end; times are from `since`."""
    confirmed: float | None = None
    connected: float | None = None
    while True:
        if connected is None and workspace.slack.socket.connection_count:
            connected = time.monotonic() - since
        if confirmed is None:
            top = workspace.slack.workspace.top_view(workspace.reporter.id)
            if top is not None and top.title == "Incident Reported":
                confirmed = time.monotonic() - since
        async with database.engine.connect() as connection:
            running = await connection.scalar(
                text("SELECT count(*) FROM flow_runs WHERE kind = 'create_incident' AND status = 'running'")
            )
        if confirmed is not None and connected is not None and running == 0:
            return Trial(confirmed, time.monotonic() - since, connected)
        await asyncio.sleep(POLL_SECONDS)


async def single_process(workspace: Workspace, trials: int) -> list[Trial]:
    url = f"sqlite+aiosqlite:///{workspace.directory}/bench.db"
    database = open_database(url)
    results: list[Trial] = []
    bot = await spawn_bot(workspace.slack, workspace.directory, free_port(), DISPATCHBOT_DATABASE__URL=url)
    try:
        await workspace.slack.socket.wait_connected(timeout=30)
        for index in range(1, trials + 1):
            await report_and_kill_in_create(workspace, index, [bot], database)
            workspace.slack.faults.clear()
            await asyncio.sleep(HOLD_SECONDS + 0.1)  # the held call lands at the fake, as it would at Slack
            workspace.slack.faults.latency("*", workspace.latency)
            spawned = time.monotonic()
            bot = await spawn_bot(
                workspace.slack, workspace.directory, free_port(), DISPATCHBOT_DATABASE__URL=url
            )
            results.append(await wait_done(workspace, database, spawned))
            workspace.slack.faults.clear()
    finally:
        workspace.slack.faults.clear()
        if bot.returncode is None:
            await stop_bot(bot)
        await database.dispose()
    return results


async def two_replicas(workspace: Workspace, server_url: str, trials: int) -> list[Trial]:
    results: list[Trial] = []
    async with scratch_database(server_url, "bench") as url:
        database = open_database(url)
        environment = {"DISPATCHBOT_DATABASE__URL": url}
        bots = [await spawn_bot(workspace.slack, workspace.directory, free_port(), **environment)]
        try:
            await workspace.slack.socket.wait_connected(1, timeout=30)  # the first migrates alone
            bots.append(await spawn_bot(workspace.slack, workspace.directory, free_port(), **environment))
            await workspace.slack.socket.wait_connected(2, timeout=30)
            for index in range(1, trials + 1):
                victim, killed = await report_and_kill_in_create(workspace, index, bots, database)
                workspace.slack.faults.clear()
                workspace.slack.faults.latency("*", workspace.latency)
                results.append(await wait_done(workspace, database, killed))
                workspace.slack.faults.clear()
                bots.remove(victim)  # back to two replicas for the next trial
                bots.append(await spawn_bot(workspace.slack, workspace.directory, free_port(), **environment))
                await workspace.slack.socket.wait_connected(2, timeout=30)
        finally:
            workspace.slack.faults.clear()
            for bot in bots:
                if bot.returncode is None:
                    await stop_bot(bot)
            await database.dispose()
    return results


def report(title: str, trials: list[Trial], since: str, target: float, *, restarted: bool) -> None:
    lease = RunsSettings().lease_seconds
    confirmed = [trial.confirmed for trial in trials]
    finished = [trial.finished for trial in trials]
    print(title)
    if restarted:
        connected = [trial.connected for trial in trials]
        print(
            f"  {since} → Socket Mode connected (start-up alone, for reference):"
            f" median {statistics.median(connected):.2f} s, max {max(connected):.2f} s"
        )
    print(
        f"  {since} → channel ready (reporter's confirmation): median {statistics.median(confirmed):.2f} s,"
        f" max {max(confirmed):.2f} s"
    )
    print(
        f"  {since} → creation run finished: median {statistics.median(finished):.2f} s,"
        f" max {max(finished):.2f} s   (target <= {target:.0f} s)"
    )
    print(
        f"  before resume-at-once: waited for the dead owner's {lease:.0f} s lease plus up to a"
        f" {OLD_SWEEP_SECONDS:.0f} s sweep: {lease:.0f}-{lease + OLD_SWEEP_SECONDS:.0f} s"
    )


async def main(trials: int, latency: float, postgres: str | None) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with FakeSlack() as slack:
            reporter = slack.add_user("reporter", real_name="Rita Reporter", email="rita@example.com")
            general = slack.add_channel("general", members=[reporter.id, slack.bot_user_id])
            workspace = Workspace(slack, reporter, general, Path(directory) / "sqlite", latency)
            workspace.directory.mkdir()
            single = await single_process(workspace, trials)
        report(
            f"kill -9 after conversations.create, single process on SQLite, {trials} trials,"
            f" {latency * 1000:.0f} ms per Slack call after the kill",
            single,
            "restart (spawn)",
            2,
            restarted=True,
        )
        if postgres is None:
            print("two replicas on PostgreSQL: skipped (give --postgres URL or set TEST_POSTGRES_URL)")
            return
        async with FakeSlack() as slack:
            reporter = slack.add_user("reporter", real_name="Rita Reporter", email="rita@example.com")
            general = slack.add_channel("general", members=[reporter.id, slack.bot_user_id])
            workspace = Workspace(slack, reporter, general, Path(directory) / "postgres", latency)
            workspace.directory.mkdir()
            replicas = await two_replicas(workspace, postgres, trials)
        report(
            f"kill -9 of the replica working the creation, two replicas on PostgreSQL, {trials} trials,"
            f" {latency * 1000:.0f} ms per Slack call after the kill",
            replicas,
            "kill",
            5,
            restarted=False,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every Slack call")
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"), help="PostgreSQL URL")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.trials, arguments.latency, arguments.postgres))
