"""kill -9 while a case is being escalated (the incident channel's creation in flight): after a restart
there is exactly one incident, with one channel, and the case is Escalated to it."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from dispatchbot.storage.engine import open_database
from dispatchbot.testing import FakeSlack
from tests.e2e.alerts.support import start_serving
from tests.support.bot import BotProcess, bot_environment, free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

TOKEN = "crash-test-token-0123456789abcdef"
HELD_SECONDS = 1.0


def _environment(slack: FakeSlack, database_url: str, port: int) -> dict[str, str]:
    return bot_environment(
        slack,
        database_url,
        port,
        DISPATCHBOT_ALERT_SOURCES=json.dumps([{"name": "prometheus", "token": TOKEN}]),
        DISPATCHBOT_SIGNALS=json.dumps([{"name": "Disk full", "route": "case", "channel": "#triage"}]),
    )


async def _rows(database_url: str, sql: str) -> list[tuple[object, ...]]:
    database = open_database(database_url)
    try:
        async with database.engine.connect() as connection:
            return [tuple(row) for row in (await connection.exec_driver_sql(sql)).all()]
    finally:
        await database.dispose()


async def test_one_incident_after_a_kill_mid_escalation(
    slack: FakeSlack, database_url: str, processes: list[BotProcess]
) -> None:
    triage = slack.add_channel("triage", members=[slack.bot_user_id])
    alice = slack.add_user("alice")
    port = free_port()
    environment = _environment(slack, database_url, port)
    await start_serving(processes, environment, slack, port)
    body = {"title": "Disk 95% on db1", "status": "firing", "deduplication_key": "db1", "severity": "error"}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.post(f"http://127.0.0.1:{port}/alerts/prometheus", json=body) as response,
    ):
        assert response.status == 202
    await eventually(lambda: bool(slack.messages(triage.id)), what="the case message")
    case_message = slack.messages(triage.id)[0]

    person = slack.as_user(alice)
    await person.click(case_message, "Escalate")
    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
    slack.faults.latency("conversations.create", HELD_SECONDS)
    await view.submit()
    await eventually(
        lambda: slack.arrivals("conversations.create") >= 1, what="the channel's creation in flight"
    )
    processes[0].kill()
    await processes[0].wait()
    await asyncio.sleep(HELD_SECONDS + 0.2)  # the held request lands, as Slack would finish it
    slack.faults.latency("conversations.create", 0.0)
    await start_serving(processes, environment, slack, port)

    async def escalated() -> bool:
        return await _rows(database_url, "SELECT status, incident_id FROM cases") == [("escalated", 1)]

    await eventually(escalated, within=30, what="the case escalated after the restart")
    incidents = await _rows(database_url, "SELECT id, channel_id FROM incidents")
    channels = [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]
    assert [(1, c.id) for c in channels] == incidents  # one incident, one channel, and it is the one
    assert alice.id in channels[0].members
