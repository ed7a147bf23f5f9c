"""A first end-to-end pass: an Alertmanager alert fires, shows in its channel, and recovers with its
audit trail in the thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from dispatchbot.app import Running
from dispatchbot.config import Settings
from dispatchbot.testing import FakeSlack
from dispatchbot.testing.slack.state import Message
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.waiting import eventually, eventually_value

TOKEN = "s3cret-token-for-tests-0123456789"


async def test_firing_then_resolved(slack: FakeSlack, database_url: str, start_bot: StartBot) -> None:
    channel = slack.add_channel("alerts", members=[slack.bot_user_id])
    settings = bot_settings(slack, database_url)
    settings = Settings.model_validate(
        {
            **settings.model_dump(mode="python"),
            "alert_sources": [{"name": "prometheus", "format": "auto", "token": TOKEN}],
            "alerts": {"default_channel": "#alerts"},
        }
    )
    running: Running = await start_bot(settings)
    await slack.socket.wait_connected()
    url = f"http://127.0.0.1:{running.port}/alerts/prometheus"
    firing = {
        "version": "4",
        "status": "firing",
        "groupKey": "{}",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "DiskFull", "severity": "critical"},
                "annotations": {"summary": "Disk 95% on db1 <!channel>"},
                "fingerprint": "1a30ba71cca2921f",
            }
        ],
    }
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        async with http.post(url, json=firing) as response:
            assert response.status == 202, await response.text()
            assert (await response.json())["alerts"] == [
                {"dedup_key": "1a30ba71cca2921f", "action": "created"}
            ]
        message = await eventually_value(first_message(slack, channel.id))
        assert "Disk 95%" in message.text
        assert "<!channel>" not in message.text
        async with http.post(url, json=firing) as response:
            assert (await response.json())["alerts"][0]["action"] == "deduplicated"
        resolved = {**firing, "alerts": [{**firing["alerts"][0], "status": "resolved"}]}
        async with http.post(url, json=resolved) as response:
            assert (await response.json())["alerts"][0]["action"] == "resolved"
        await eventually(lambda: len(slack.workspace.replies(message)) == 1)
        [recovery] = slack.workspace.replies(message)
        shown = str(recovery.blocks)
        assert "Recovered" in shown
        assert "Audit trail (2 entries)" in shown  # the thread ends with who did what, when
    top_level = [m for m in slack.messages(channel.id) if m.thread_ts in (None, m.ts)]
    assert len(top_level) == 1


def first_message(slack: FakeSlack, channel_id: str) -> Callable[[], Awaitable[Message | None]]:
    async def probe() -> Message | None:
        messages = slack.messages(channel_id)
        return messages[0] if messages else None

    return probe
