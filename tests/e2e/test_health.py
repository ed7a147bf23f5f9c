"""/healthz turns 503, with the reason, when the bot cannot do its job."""

from __future__ import annotations

import os
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url

from dispatchbot.testing import FakeSlack
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.waiting import eventually, eventually_value


async def _health(port: int) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


async def test_socket_down_past_the_grace_is_unhealthy(
    slack: FakeSlack, database_url: str, start_bot: StartBot
) -> None:
    running = await start_bot(
        bot_settings(slack, database_url, health={"slack_disconnect_grace_seconds": 0.2})
    )
    await slack.socket.wait_connected()
    assert (await _health(running.port))[0] == 200

    slack.faults.server_error("apps.connections.open", times=10_000, status=503)
    await slack.socket.drop_connections()
    await eventually(lambda: slack.socket.connection_count == 0, what="the drop")

    async def unhealthy() -> dict[str, Any] | None:
        status, body = await _health(running.port)
        if status == 503:
            return body
        await slack.socket.drop_connections()  # in case the bot got back in before the faults bit
        return None

    body = await eventually_value(unhealthy, what="/healthz to answer 503")
    assert body["slack"]["connected"] is False
    assert any(reason.startswith("Slack Socket Mode disconnected for") for reason in body["reasons"])

    slack.faults.clear()
    await slack.socket.wait_connected(timeout=15)

    async def healthy() -> bool:
        return (await _health(running.port))[0] == 200

    await eventually(healthy, what="/healthz to answer 200 again")


async def test_unreachable_database_is_unhealthy(
    slack: FakeSlack, database_url: str, start_bot: StartBot
) -> None:
    if not database_url.startswith("postgresql"):
        return  # an open SQLite file cannot be taken away from a running process
    running = await start_bot(bot_settings(slack, database_url))
    assert (await _health(running.port))[0] == 200
    url = make_url(database_url)
    admin = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database="postgres")
    try:
        await admin.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
    finally:
        await admin.close()
    status, body = await _health(running.port)
    assert status == 503
    assert body["database"] == "unreachable"
    assert os.environ.get("TEST_POSTGRES_URL")
