"""kill -9 at each step of incident creation: after a restart the incident is complete, with one channel,
and at once: the dead process's lease (the default 30 s here) is taken over, not waited out. With two
replicas on PostgreSQL, the survivor finishes the dead one's run just as promptly."""

from __future__ import annotations

import asyncio

import pytest

from dispatchbot.storage.engine import Database, open_database
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.bot import BotProcess, bot_environment, free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

HELD_SECONDS = 1.0  # the fake finishes the killed request after this, as Slack would
PROMPTLY = 20.0
"""Seconds from the kill. The killed holder renewed its 30 s lease (the default) less than a second
before dying, so a run finished this soon was taken over, not waited out; the margin is for the
restart on a busy machine."""


def _environment(slack: FakeSlack, database_url: str) -> dict[str, str]:
    """A bot process with the default lease and sweep, as operators run it."""
    environment = bot_environment(slack, database_url, free_port())
    del environment["DISPATCHBOT_RUNS__LEASE_SECONDS"]
    del environment["DISPATCHBOT_RUNS__SWEEP_INTERVAL_SECONDS"]
    return environment


async def _start(
    processes: list[BotProcess], environment: dict[str, str], slack: FakeSlack, connections: int = 1
) -> BotProcess:
    process = BotProcess(environment, probe=False)
    processes.append(process)
    await process.start()
    await slack.socket.wait_connected(connections, timeout=30)
    return process


async def _submit_report(slack: FakeSlack, alice: User, general: Channel, hold: str) -> None:
    """Report an incident, with `hold` delayed at the fake so a kill lands while it is in flight."""
    person = slack.as_user(alice)
    await person.slash_command("/dispatch-report-incident", channel=general.id)
    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
    view.fill({"Title": "Payments down"})
    slack.faults.latency(hold, HELD_SECONDS)
    await view.submit()
    await eventually(lambda: slack.arrivals(hold) >= 1, what=f"{hold} in flight")


async def _stored(database_url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str | None]]]:
    """The incidents' (channel_id, header_ts) and the runs' (status, lease_owner)."""
    database = open_database(database_url)
    try:
        return await _rows(database)
    finally:
        await database.dispose()


async def _rows(database: Database) -> tuple[list[tuple[str, str]], list[tuple[str, str | None]]]:
    async with database.engine.connect() as connection:
        incidents = (await connection.exec_driver_sql("SELECT channel_id, header_ts FROM incidents")).all()
        runs = (await connection.exec_driver_sql("SELECT status, lease_owner FROM flow_runs")).all()
    return [(row[0], row[1]) for row in incidents], [(row[0], row[1]) for row in runs]


async def _finished_promptly(database_url: str, killed_at: float) -> None:
    """Wait until the creation run has succeeded and handed its lease back, PROMPTLY after the kill."""
    database = open_database(database_url)
    try:

        async def handed_back() -> bool:
            return (await _rows(database))[1] == [("succeeded", None)]

        await eventually(
            handed_back,
            within=killed_at + PROMPTLY - asyncio.get_running_loop().time(),
            what=f"the creation run to finish within {PROMPTLY} s of the kill",
        )
    finally:
        await database.dispose()


async def _assert_one_complete_incident(
    slack: FakeSlack, alice: User, database_url: str, bot: BotProcess
) -> None:
    """One channel with one pinned header, the reporter in it and told; one incident pointing at them."""
    channels = [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]
    assert [c.name for c in channels] == ["inc-1-payments-down"]
    channel = channels[0]
    headers = [
        m
        for m in slack.messages(channel.id)
        if m.blocks and m.blocks[0].get("block_id") == "incident-header-1"
    ]
    assert len(headers) == 1
    assert [pin.ts for pin in channel.pins] == [headers[0].ts]
    assert alice.id in channel.members
    assert slack.dms(alice.id)
    bot.terminate()
    assert await bot.wait() == 0
    incidents, _runs = await _stored(database_url)
    assert incidents == [(channel.id, headers[0].ts)]


@pytest.mark.parametrize(
    "kill_at",
    [
        "conversations.create",  # between recording the incident and having its channel
        "chat.postMessage",  # while posting the header
        "chat.postEphemeral",  # while announcing
    ],
)
async def test_creation_survives_kill_at_every_step(
    slack: FakeSlack,
    database_url: str,
    processes: list[BotProcess],
    alice: User,
    general: Channel,
    kill_at: str,
) -> None:
    environment = _environment(slack, database_url)
    first = await _start(processes, environment, slack)
    await _submit_report(slack, alice, general, hold=kill_at)
    killed_at = asyncio.get_running_loop().time()
    first.kill()
    await first.wait()
    slack.faults.clear()
    await eventually(  # the interrupted call lands, as it may on real Slack
        lambda: len(slack.calls_to(kill_at)) == slack.arrivals(kill_at), what=f"the held {kill_at} to land"
    )

    second = await _start(processes, environment, slack)
    await _finished_promptly(database_url, killed_at)
    await _assert_one_complete_incident(slack, alice, database_url, second)


async def test_the_surviving_replica_finishes_a_killed_replicas_creation(
    slack: FakeSlack, database_url: str, processes: list[BotProcess], alice: User, general: Channel
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several replicas need PostgreSQL; SQLite is single-replica by design")
    one = await _start(processes, _environment(slack, database_url), slack)
    two = await _start(processes, _environment(slack, database_url), slack, connections=2)
    await _submit_report(slack, alice, general, hold="conversations.create")
    _incidents, [(_status, owner)] = await _stored(database_url)
    assert owner is not None
    holder_pid = int(owner.rsplit(":", 2)[1])  # owners are host:pid:token+live
    holder, survivor = (one, two) if one.process and one.process.pid == holder_pid else (two, one)
    assert holder.process is not None
    assert holder.process.pid == holder_pid
    killed_at = asyncio.get_running_loop().time()
    holder.kill()
    await holder.wait()
    slack.faults.clear()

    await _finished_promptly(database_url, killed_at)
    await _assert_one_complete_incident(slack, alice, database_url, survivor)
