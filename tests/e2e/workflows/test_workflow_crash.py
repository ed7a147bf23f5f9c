"""kill -9 of a `dispatchbot run` process after the workflow provider accepted a run and before the bot
heard its answer: after a restart the run is found at the provider, not started again, and the channel
gets its one message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from dispatchbot.storage.engine import open_database
from dispatchbot.testing import Channel, FakeSlack, FakeWorkflowWebhook, User
from tests.e2e.workflows.ui_support import DIAGNOSTICS, WORKFLOWS, run_workflow
from tests.support.bot import BotProcess, bot_environment, free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

CHANNEL = "inc-1-payments-down"


class HeldWebhook(FakeWorkflowWebhook):
    """The webhook fake, answering the first POST only once told to: the run is accepted (recorded)
    at once, so a kill while it is held is a kill after the provider started it."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted = asyncio.Event()
        self.release = asyncio.Event()

    async def _start(self, request: web.Request) -> web.Response:
        response = await super()._start(request)
        if not self.accepted.is_set():
            self.accepted.set()
            await self.release.wait()
        return response


@pytest.fixture
async def held_webhook() -> AsyncIterator[HeldWebhook]:
    async with HeldWebhook() as fake:
        yield fake
        fake.release.set()


async def _start(processes: list[BotProcess], environment: dict[str, str], slack: FakeSlack) -> BotProcess:
    process = BotProcess(environment, probe=False)
    processes.append(process)
    await process.start()
    await slack.socket.wait_connected(1, timeout=30)
    return process


async def _incident_channel(slack: FakeSlack, alice: User, general: Channel) -> Channel:
    """Report an incident through the modal; its channel once the bot made it."""
    person = slack.as_user(alice)
    await person.slash_command("/dispatch-report-incident", channel=general.id)
    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
    view.fill({"Title": "Payments down"})
    await view.submit()
    await eventually(lambda: slack.workspace.channel_by_name(CHANNEL) is not None, what="the channel")
    channel = slack.workspace.channel_by_name(CHANNEL)
    assert channel is not None
    await eventually(lambda: bool(channel.pins), what="the pinned header")
    return channel


async def _started_rows(database_url: str) -> list[tuple[str | None, str | None]]:
    """Each workflow run's (instance id, message ts)."""
    database = open_database(database_url)
    try:
        async with database.engine.connect() as connection:
            rows = await connection.exec_driver_sql("SELECT instance_id, message_ts FROM workflow_runs")
            return [(row[0], row[1]) for row in rows]
    finally:
        await database.dispose()


async def test_a_run_accepted_before_a_kill_is_found_not_started_again(
    slack: FakeSlack,
    database_url: str,
    processes: list[BotProcess],
    held_webhook: HeldWebhook,
    alice: User,
    general: Channel,
) -> None:
    environment = bot_environment(
        slack,
        database_url,
        free_port(),
        DISPATCHBOT_WEBHOOK__API_URL=held_webhook.api_url,
        DISPATCHBOT_WEBHOOK__AUTH_HEADER=held_webhook.auth_header,
        DISPATCHBOT_WORKFLOWS=json.dumps(WORKFLOWS),
    )
    first = await _start(processes, environment, slack)
    channel = await _incident_channel(slack, alice, general)
    await run_workflow(slack, alice, channel, {"Reason": "Heap is growing", "host": "db1"})
    await asyncio.wait_for(held_webhook.accepted.wait(), 20)
    first.kill()
    await first.wait()
    held_webhook.release.set()
    [accepted] = held_webhook.runs
    [(instance_id, message_ts)] = await _started_rows(database_url)
    assert instance_id is None  # the bot never heard the answer
    [starting] = [m for m in slack.messages(channel.id) if m.text.startswith("Starting workflow")]
    assert starting.ts == message_ts  # people saw it start before the provider was asked

    second = await _start(processes, environment, slack)

    async def started() -> bool:
        return [instance for instance, _ in await _started_rows(database_url)] == [accepted.instance_id]

    await eventually(started, within=30, what="the resumed run, found at the provider")
    assert held_webhook.runs == [accepted]  # found by its key, not started twice
    assert held_webhook.status_queries[0]["workflow_instance_id"] == [accepted.instance_id]

    async def shown() -> bool:
        return slack.workspace.find_message(channel.id, starting.ts).text.startswith("Workflow started")

    await eventually(shown, within=10, what="the message edited to show the start")
    assert DIAGNOSTICS in slack.workspace.find_message(channel.id, starting.ts).text
    assert len([m for m in slack.messages(channel.id) if "workflow" in m.text.lower()]) == 1
    second.terminate()
    assert await second.wait() == 0
