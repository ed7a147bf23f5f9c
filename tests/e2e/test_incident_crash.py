"""kill -9 at each step of incident creation: after a restart the incident is complete, with one channel."""

from __future__ import annotations

import asyncio

import pytest

from dispatchbot.storage.engine import open_database
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.bot import BotProcess, bot_environment, free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

HELD_SECONDS = 1.0  # the fake finishes the killed request after this, as Slack would


async def _start(processes: list[BotProcess], environment: dict[str, str], slack: FakeSlack) -> BotProcess:
    process = BotProcess(environment, probe=False)
    processes.append(process)
    await process.start()
    await slack.socket.wait_connected(timeout=30)
    return process


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
    environment = bot_environment(slack, database_url, free_port())
    first = await _start(processes, environment, slack)
    person = slack.as_user(alice)
    await person.slash_command("/dispatch-report-incident", channel=general.id)
    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
    view.fill({"Title": "Payments down"})
    slack.faults.latency(kill_at, HELD_SECONDS)
    await view.submit()
    await eventually(lambda: slack.arrivals(kill_at) >= 1, what=f"{kill_at} in flight")
    first.kill()
    await first.wait()
    slack.faults.clear()
    await asyncio.sleep(HELD_SECONDS + 0.2)  # the interrupted call lands, as it may on real Slack

    second = await _start(processes, environment, slack)
    await eventually(lambda: bool(slack.dms(alice.id)), within=20, what="creation to finish after restart")
    channels = [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]
    assert [c.name for c in channels] == ["inc-1-payments-down"]
    channel = channels[0]
    await eventually(lambda: bool(channel.pins), what="the pinned header")
    headers = [
        m
        for m in slack.messages(channel.id)
        if m.blocks and m.blocks[0].get("block_id") == "incident-header-1"
    ]
    assert len(headers) == 1
    assert [pin.ts for pin in channel.pins] == [headers[0].ts]
    assert alice.id in channel.members
    second.terminate()
    assert await second.wait() == 0

    database = open_database(database_url)
    try:
        async with database.engine.connect() as connection:
            incidents = (
                await connection.exec_driver_sql("SELECT channel_id, header_ts FROM incidents")
            ).all()
            runs = (await connection.exec_driver_sql("SELECT status FROM flow_runs")).all()
    finally:
        await database.dispose()
    assert incidents == [(channel.id, headers[0].ts)]
    assert runs == [("succeeded",)]
