"""`dispatchbot doctor` as operators run it: a process against the fake Slack, with its exit code, its
lines, its JSON, and never a traceback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from dispatchbot.storage import migrate
from dispatchbot.storage.engine import open_database
from dispatchbot.testing import FakeSlack
from tests.support.bot import REPO, BotProcess, bot_environment, free_port

pytestmark = pytest.mark.slow


async def doctor(environment: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run `dispatchbot doctor ARGS`; its exit code, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        *BotProcess.command_for("doctor", *args),
        cwd=REPO,
        env={**environment, "PYTHONIOENCODING": "utf-8"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return int(process.returncode or 0), out.decode(), err.decode()


async def test_a_healthy_deployment_exits_0_with_a_tick_on_every_line(
    slack: FakeSlack, database_url: str
) -> None:
    database = open_database(database_url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    channel = slack.add_channel("incidents", members=[slack.bot_user_id])
    environment = bot_environment(
        slack, database_url, free_port(), DISPATCHBOT_NOTIFICATIONS=json.dumps([{"channel": channel.id}])
    )

    code, out, err = await doctor(environment)

    assert code == 0, out + err
    *checks, blank, summary = out.strip("\n").splitlines()
    assert [line.split(":")[0] for line in checks] == [
        "✓ Slack bot token",
        "✓ Slack scopes",
        "✓ Slack app token",
        "✓ clock",
        f"✓ channel {channel.id} (notifications[0])",
        "✓ database",
        "- providers",
    ]
    assert (blank, summary) == ("", "7 checks: 1 not checked")
    assert err == ""


async def test_json_and_exit_1_when_checks_fail_without_a_traceback_or_a_new_file(
    slack: FakeSlack, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "dispatchbot.db"
    environment = bot_environment(
        slack,
        f"sqlite+aiosqlite:///{missing}",
        free_port(),
        DISPATCHBOT_SLACK__BOT_TOKEN="xoxb-9-revoked",
        DISPATCHBOT_PAGERDUTY__API_KEY="pd-some-key",
        DISPATCHBOT_PAGERDUTY__FROM_EMAIL="bot@example.com",
        DISPATCHBOT_PAGERDUTY__API_URL=f"https://127.0.0.1:{free_port()}",
    )

    code, out, err = await doctor(environment, "--json")

    assert code == 1
    results = {entry["check"]: entry for entry in json.loads(out)}
    assert results["Slack bot token"]["ok"] is False
    assert results["Slack bot token"]["detail"] == "Slack rejected it (invalid_auth)"
    assert results["database"]["detail"] == f"the SQLite file {missing} does not exist"
    assert results["pagerduty credentials"]["detail"].startswith(
        "could not check the API key: could not reach"
    )
    assert results["Slack app token"]["ok"] is True
    assert not missing.parent.exists()
    for text in (out, err):
        assert "Traceback" not in text
        assert "xoxb-9-revoked" not in text
        assert "pd-some-key" not in text
    assert err == ""
