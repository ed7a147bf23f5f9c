"""Fixtures for testing the fake Slack itself, always with the real slack_sdk and slack-bolt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.testing import FakeSlack

Connect = Callable[..., Awaitable[AsyncSocketModeHandler]]


@pytest.fixture
def fake(slack: FakeSlack) -> FakeSlack:
    """The fake Slack under test (the workspace every test gets, by the name these tests give it)."""
    return slack


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)


@pytest.fixture
def app(client: AsyncWebClient) -> AsyncApp:
    return AsyncApp(client=client)


@pytest.fixture
async def connect(fake: FakeSlack) -> AsyncIterator[Connect]:
    """Connect bolt apps over Socket Mode; every handler is closed at teardown, before the fake stops."""
    handlers: list[AsyncSocketModeHandler] = []

    async def _connect(bolt_app: AsyncApp, ping_interval: float = 10) -> AsyncSocketModeHandler:
        handler = AsyncSocketModeHandler(bolt_app, app_token=fake.app_token, ping_interval=ping_interval)
        handlers.append(handler)
        await handler.connect_async()
        await fake.socket.wait_connected(len(handlers))
        return handler

    yield _connect
    for handler in handlers:
        await handler.close_async()
