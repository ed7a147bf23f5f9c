"""HTTP events mode: signed requests are served at /slack/events, anything else is refused."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from dispatchbot.app import Running
from dispatchbot.config import SlackMode
from dispatchbot.testing import Channel, FakeSlack, HttpDelivery, User
from tests.e2e.conftest import StartBot
from tests.support.bot import SIGNING_SECRET, bot_settings
from tests.support.waiting import eventually


@pytest.fixture
async def http_bot(slack: FakeSlack, database_url: str, start_bot: StartBot) -> Running:
    return await start_bot(bot_settings(slack, database_url, mode=SlackMode.HTTP))


@pytest.fixture
def delivery(slack: FakeSlack, http_bot: Running) -> HttpDelivery:
    return slack.deliver_http(f"http://127.0.0.1:{http_bot.port}/slack/events", SIGNING_SECRET)


async def test_signed_slash_command_is_served(
    http_bot: Running, delivery: HttpDelivery, slack: FakeSlack, alice: User, general: Channel
) -> None:
    ack = await slack.as_user(alice).slash_command("/probe", "over http", channel=general.id)
    assert ack.status == 200
    await eventually(lambda: len(slack.messages(general.id)) == 2, what="the probe run")
    assert slack.socket.connection_count == 0  # HTTP mode opens no socket


def _command_body() -> str:
    return urlencode(
        {"command": "/probe", "text": "x", "user_id": "U1", "channel_id": "C1", "trigger_id": "t.1"}
    )


async def test_bad_signature_is_rejected(http_bot: Running, delivery: HttpDelivery, slack: FakeSlack) -> None:
    wrong_key = await delivery.post(
        _command_body(), "application/x-www-form-urlencoded", signing_secret="not-it"
    )
    garbage = await delivery.post(
        _command_body(), "application/x-www-form-urlencoded", signature="v0=deadbeef"
    )
    unsigned = await delivery.post(_command_body(), "application/x-www-form-urlencoded", signature="")
    assert [wrong_key.status, garbage.status, unsigned.status] == [401, 401, 401]
    assert not slack.calls_to("chat.postMessage")


async def test_stale_timestamp_is_rejected(http_bot: Running, delivery: HttpDelivery) -> None:
    stale = await delivery.post(
        _command_body(), "application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60
    )
    assert stale.status == 401
