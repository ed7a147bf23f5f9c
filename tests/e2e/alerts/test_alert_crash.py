"""kill -9 between an alert's 202 and its Slack message: after a restart there is exactly one message.

The alert was stored before the 202, so the restarted process delivers it; if the killed process's post
reached Slack after all, the restarted one finds it by its marker instead of posting again."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from dispatchbot.storage.engine import open_database
from dispatchbot.testing import Channel, FakeSlack
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
        DISPATCHBOT_ALERTS__DEFAULT_CHANNEL="#alerts",
    )


async def _fire(port: int) -> None:
    body = {
        "title": "Checkout 5xx > 2%",
        "status": "firing",
        "deduplication_key": "checkout-5xx",
        "severity": "critical",
    }
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.post(f"http://127.0.0.1:{port}/alerts/prometheus", json=body) as response,
    ):
        assert response.status == 202
        assert (await response.json())["alerts"][0]["action"] == "created"


async def _delivered(database_url: str) -> bool:
    database = open_database(database_url)
    try:
        async with database.engine.connect() as connection:
            pending = await connection.exec_driver_sql(
                "SELECT count(*) FROM alert_notices WHERE done_at IS NULL"
            )
            return pending.scalar_one() == 0
    finally:
        await database.dispose()


def _top_level(slack: FakeSlack, channel: Channel) -> list[str]:
    return [m.text for m in slack.messages(channel.id) if m.thread_ts in (None, m.ts)]


@pytest.mark.parametrize("hold", ["conversations.list", "chat.postMessage"])
async def test_one_message_after_a_kill_between_the_202_and_the_post(
    slack: FakeSlack, database_url: str, processes: list[BotProcess], hold: str
) -> None:
    """`conversations.list`: killed before posting (the restart posts); `chat.postMessage`: killed while
    the post was in flight and Slack took it anyway (the restart finds it and does not post again)."""
    channel = slack.add_channel("alerts", members=[slack.bot_user_id])
    port = free_port()
    environment = _environment(slack, database_url, port)
    await start_serving(processes, environment, slack, port)
    slack.faults.latency(hold, HELD_SECONDS)
    await _fire(port)
    await eventually(lambda: slack.arrivals(hold) >= 1, what=f"{hold} in flight")
    processes[0].kill()
    await processes[0].wait()
    await asyncio.sleep(HELD_SECONDS + 0.2)  # the held request lands, as Slack would finish it
    slack.faults.latency(hold, 0.0)
    await start_serving(processes, environment, slack, port)
    await eventually(lambda: _delivered(database_url), within=20, what="the alert's notice delivered")
    assert len(_top_level(slack, channel)) == 1
