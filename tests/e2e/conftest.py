"""The real bot, booted as `dispatchbot run` boots it, against the fake Slack workspace."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from dispatchbot.app import Bot, Running
from dispatchbot.config import Settings
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support import probe
from tests.support.bot import BotProcess, bot_settings

StartBot = Callable[[Settings], Awaitable[Running]]


@pytest.fixture
def alice(slack: FakeSlack) -> User:
    return slack.add_user("alice", real_name="Alice Adams", email="alice@example.com", tz="Europe/Berlin")


@pytest.fixture
def general(slack: FakeSlack, alice: User) -> Channel:
    return slack.add_channel("general", members=[alice.id, slack.bot_user_id])


@pytest.fixture
async def start_bot() -> AsyncIterator[StartBot]:
    """Start bots with given settings (with the probe extension); all are stopped at teardown, each
    even if stopping another fails, so none is left running into the event loop's close."""
    async with contextlib.AsyncExitStack() as stopping:

        async def start(settings: Settings) -> Running:
            bot = Bot(settings, extensions=[probe.register])
            stopping.push_async_callback(bot.stop)
            return await bot.start()

        yield start


@pytest.fixture
async def processes() -> AsyncIterator[list[BotProcess]]:
    """Bot processes a test starts; any still running at teardown are killed (each of them, even if
    another one fails to die)."""
    started: list[BotProcess] = []
    async with contextlib.AsyncExitStack() as stopping:
        yield started
        for process in started:
            stopping.push_async_callback(process.ensure_stopped)


@pytest.fixture
async def bot(slack: FakeSlack, database_url: str, start_bot: StartBot) -> Running:
    running = await start_bot(bot_settings(slack, database_url))
    await slack.socket.wait_connected()
    return running
