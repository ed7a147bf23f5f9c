"""Injected faults as slack_sdk (and its retry handlers) experience them."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.testing import FakeSlack


async def test_rate_limit_is_a_429_with_retry_after(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.faults.rate_limit("conversations.create", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        await client.conversations_create(name="inc-1")
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"
    assert info.value.response.headers["Retry-After"] == "7"
    assert fake.workspace.channel_by_name("inc-1") is None  # faults apply before the method runs
    await client.conversations_create(name="inc-1")
    assert [(c.status, c.error) for c in fake.calls_to("conversations.create")] == [
        (429, "ratelimited"),
        (200, None),
    ]


async def test_sdk_rate_limit_handler_honours_retry_after(fake: FakeSlack, client: AsyncWebClient) -> None:
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    fake.faults.rate_limit("conversations.create", times=1, retry_after=1)
    started = time.monotonic()
    created = await client.conversations_create(name="inc-2")
    assert created["ok"]
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in fake.calls_to("conversations.create")] == [429, 200]


async def test_per_minute_budget(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.faults.rate_limit_per_minute("conversations.create", 3)
    for i in range(3):
        await client.conversations_create(name=f"burst-{i}")
    with pytest.raises(SlackApiError) as info:
        await client.conversations_create(name="burst-3")
    assert info.value.response.status_code == 429
    assert int(info.value.response.headers["Retry-After"]) in (19, 20)  # one call per 20 s refills
    await client.users_list()  # other methods have their own budget


async def test_server_errors_latency_and_clear(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.faults.server_error("auth.test", times=1, status=503)
    with pytest.raises(SlackApiError) as info:
        await client.auth_test()
    assert info.value.response.status_code == 503
    await client.auth_test()

    fake.faults.latency("*", 0.05)
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started >= 0.05
    fake.faults.server_error("*", times=5)
    fake.faults.clear()
    assert (await client.auth_test())["ok"]


async def test_injected_api_error(fake: FakeSlack, client: AsyncWebClient) -> None:
    general = fake.add_channel("general", members=[fake.bot_user_id])
    fake.faults.error("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel=general.id, text="first")
    assert refused.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel=general.id, text="second"))["ok"]
