"""The daemon as operators run it: a real process that starts, stops on SIGTERM, and survives kill -9."""

from __future__ import annotations

import json

import aiohttp
import pytest

from dispatchbot.storage.engine import open_database
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support.bot import SIGNING_SECRET, BotProcess, bot_environment, free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def _spawn(
    processes: list[BotProcess], environment: dict[str, str], *, probe: bool = True
) -> BotProcess:
    process = BotProcess(environment, probe=probe)
    processes.append(process)
    await process.start()
    return process


def texts(slack: FakeSlack, channel: str) -> list[str]:
    return [message.text for message in slack.messages(channel)]


async def test_rejected_bot_token_exits_with_a_clear_line(
    slack: FakeSlack, database_url: str, processes: list[BotProcess]
) -> None:
    environment = bot_environment(
        slack, database_url, free_port(), DISPATCHBOT_SLACK__BOT_TOKEN="xoxb-9-revoked"
    )
    process = await _spawn(processes, environment, probe=False)
    assert await process.wait() == 1
    errors = process.stderr.decode()
    assert "cannot start: Slack rejected the bot token (invalid_auth)" in errors
    assert "DISPATCHBOT_SLACK__BOT_TOKEN" in errors
    assert "Traceback" not in errors
    assert "xoxb-9-revoked" not in errors


async def test_run_serves_healthz_keeps_secrets_out_of_logs_and_stops_on_sigterm(
    slack: FakeSlack, database_url: str, processes: list[BotProcess], alice: User, general: Channel
) -> None:
    port = free_port()
    environment = bot_environment(
        slack,
        database_url,
        port,
        DISPATCHBOT_LOG__LEVEL="DEBUG",
        DISPATCHBOT_SLACK__SIGNING_SECRET=SIGNING_SECRET,
    )
    process = await _spawn(processes, environment, probe=False)
    await slack.socket.wait_connected(timeout=30)
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["slack"]["connected"] is True
    await slack.as_user(alice).slash_command(
        "/dispatch-page-everyone", channel=general.id
    )  # unhandled: still acked

    process.terminate()
    assert await process.wait() == 0
    assert slack.socket.connection_count == 0
    logs = process.stderr.decode()
    assert '"event": "bot.started"' in logs
    assert '"event": "bot.stopped"' in logs
    interaction = next(json.loads(line) for line in logs.splitlines() if "request.unknown_command" in line)
    assert interaction["user"] == alice.id
    assert interaction["channel"] == general.id
    assert interaction["envelope_id"]
    assert interaction["command"] == "/dispatch-page-everyone"
    for secret in (slack.bot_token, slack.app_token, SIGNING_SECRET):
        assert secret not in logs
    assert "Traceback" not in logs


async def test_kill_between_steps_then_restart_finishes_the_run_once(
    slack: FakeSlack, database_url: str, processes: list[BotProcess], alice: User, general: Channel
) -> None:
    environment = bot_environment(slack, database_url, free_port())
    first = await _spawn(processes, environment)
    await slack.socket.wait_connected(timeout=30)
    slack.faults.latency("conversations.info", 30)  # step two hangs on its first call
    await slack.as_user(alice).slash_command("/probe", "survive", channel=general.id)
    await eventually(lambda: texts(slack, general.id) == ["probe step one: survive"], what="step one")
    await eventually(lambda: slack.arrivals("conversations.info") == 1, what="step two in flight")
    first.kill()
    await first.wait()
    await eventually(lambda: slack.socket.connection_count == 0, what="the dead socket to close")

    slack.faults.clear()
    second = await _spawn(processes, environment)
    await slack.socket.wait_connected(timeout=30)
    await eventually(lambda: len(texts(slack, general.id)) == 2, within=20, what="the resumed run")
    assert texts(slack, general.id) == ["probe step one: survive", "probe step two: survive"]
    second.terminate()
    assert await second.wait() == 0

    database = open_database(database_url)
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.exec_driver_sql("SELECT status, completed_steps FROM flow_runs")).all()
    finally:
        await database.dispose()
    assert len(rows) == 1
    assert rows[0][0] == "succeeded"


async def test_sigterm_lets_an_in_flight_run_finish(
    slack: FakeSlack, database_url: str, processes: list[BotProcess], alice: User, general: Channel
) -> None:
    process = await _spawn(processes, bot_environment(slack, database_url, free_port()))
    await slack.socket.wait_connected(timeout=30)
    slack.faults.latency("conversations.info", 1.0)
    await slack.as_user(alice).slash_command("/probe", "finish", channel=general.id)
    await eventually(lambda: texts(slack, general.id) == ["probe step one: finish"], what="step one")
    process.terminate()
    assert await process.wait() == 0
    assert texts(slack, general.id) == ["probe step one: finish", "probe step two: finish"]
