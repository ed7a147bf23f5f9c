"""429 pacing against the fake: a throttled method drains single file at Slack's pace, nobody gives up."""

from __future__ import annotations

import asyncio
import time

from dispatchbot.metrics import Metrics
from dispatchbot.providers.slack import build_web_client
from dispatchbot.testing import FakeSlack


async def test_burst_against_a_per_minute_limit_completes_at_the_allowed_pace() -> None:
    async with FakeSlack() as slack:
        slack.faults.rate_limit_per_minute("conversations.create", 120)  # 2 per second after the first 120
        metrics = Metrics()
        client = build_web_client(token=slack.bot_token, base_url=slack.api_url, metrics=metrics)
        for index in range(120):  # drain the bucket
            await client.conversations_create(name=f"warm-{index}")
        started = time.monotonic()
        results = await asyncio.gather(*(client.conversations_create(name=f"burst-{i}") for i in range(6)))
        elapsed = time.monotonic() - started
    assert all(result["ok"] for result in results)
    assert 2.0 <= elapsed <= 4.5  # 6 calls at 2/s, single file, no stampede of retries
    ratelimited = [c for c in slack.calls_to("conversations.create") if c.status == 429]
    assert len(ratelimited) <= 12


async def test_a_single_429_is_waited_out() -> None:
    async with FakeSlack() as slack:
        slack.faults.rate_limit("chat.postMessage", times=1, retry_after=1)
        general = slack.add_channel("general", members=[slack.bot_user_id])
        client = build_web_client(token=slack.bot_token, base_url=slack.api_url, metrics=Metrics())
        started = time.monotonic()
        response = await client.chat_postMessage(channel=general.id, text="hi")
        assert response["ok"]
        assert time.monotonic() - started >= 1.0
        assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]
