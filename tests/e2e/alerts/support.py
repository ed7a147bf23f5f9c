"""What alert end-to-end tests share: settings with alert sources, a sender that POSTs as a monitoring
system would, and the Slack-side reads (a channel's top-level messages and their thread replies)."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp

from dispatchbot.app import Running
from dispatchbot.config import Settings
from dispatchbot.testing import FakeSlack
from dispatchbot.testing.slack.state import Message
from tests.support.bot import BotProcess, bot_settings
from tests.support.waiting import eventually

TOKEN = "s3cret-token-for-tests-0123456789"
"""Every source's token in `alert_settings` (one each would test nothing more)."""
CHANNEL = "alerts"
"""`[alerts] default_channel` in `alert_settings`: where alerts no signal routes elsewhere go."""
SOURCES = {
    "prometheus": "auto",
    "alertmanager": "alertmanager",
    "grafana": "grafana",
    "pagerduty": "pagerduty",
    "generic": "generic",
    "mapbox": "mapbox",
}
"""Source name → format: one source per format, and `prometheus` detecting it (`auto`)."""

Auth = Literal["bearer", "basic", "none"]


def alert_settings(slack: FakeSlack, database_url: str, **overrides: Any) -> Settings:
    """`bot_settings` plus the `SOURCES`, all with `TOKEN`, and `#alerts` as the default channel.
    `overrides` replace top-level sections (`alert_sources=[...]`, `signals=[...]`), except `alerts`,
    whose keys are laid over these defaults (`alerts={"max_body_bytes": 2048}`)."""
    alerts = {"default_channel": f"#{CHANNEL}", **overrides.pop("alerts", {})}
    sources = [{"name": name, "format": format, "token": TOKEN} for name, format in SOURCES.items()]
    return Settings.model_validate(
        {
            **bot_settings(slack, database_url).model_dump(mode="python"),
            "alert_sources": sources,
            "alerts": alerts,
            **overrides,
        }
    )


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    """The answer's JSON (None when it is not JSON)."""
    headers: dict[str, str]


async def send(
    running: Running, source: str, body: object, *, token: str = TOKEN, auth: Auth = "bearer"
) -> Reply:
    """POST `body` to `/alerts/{source}`: JSON for an object or list, as it is for `bytes` or `str`.
    The token goes as a Bearer token, as a Basic password, or not at all (`none`)."""
    headers = {"Content-Type": "application/json"}
    if auth == "bearer":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(f"alertmanager:{token}".encode()).decode()
    text = body if isinstance(body, bytes | str) else json.dumps(body)
    data = io.BytesIO(text.encode() if isinstance(text, str) else text)  # aiohttp warns of large bytes
    url = f"http://127.0.0.1:{running.port}/alerts/{source}"
    async with aiohttp.ClientSession() as http, http.post(url, data=data, headers=headers) as response:
        text = await response.text()
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        return Reply(response.status, answer, dict(response.headers))


async def post(
    running: Running, source: str, body: object, *, token: str = TOKEN, auth: Auth = "bearer"
) -> tuple[int, Any]:
    """`send`, answering (status, JSON body)."""
    reply = await send(running, source, body, token=token, auth=auth)
    return reply.status, reply.body


def top_level(slack: FakeSlack, channel_id: str) -> list[Message]:
    """The channel's messages that are not thread replies, oldest first."""
    return [m for m in slack.messages(channel_id) if m.thread_ts in (None, m.ts)]


def replies(slack: FakeSlack, message: Message) -> list[Message]:
    return slack.workspace.replies(message)


async def delivered(running: Running, *, within: float = 10.0) -> None:
    """Until every alert notice is delivered and every alert message shows its alert's latest state
    (so "nothing more was posted" is a fair check)."""
    alerts = running.deps.alerts

    async def settled() -> bool:
        return not await alerts.pending_notices(1) and not await alerts.unrendered(1)

    await eventually(settled, within=within, what="alert delivery")


async def start_serving(
    processes: list[BotProcess], environment: dict[str, str], slack: FakeSlack, port: int
) -> None:
    """A `dispatchbot run` process (added to `processes`), once connected and answering /healthz."""
    process = BotProcess(environment, probe=False)
    processes.append(process)
    await process.start()
    await slack.socket.wait_connected(1, timeout=30)

    async def answers() -> bool:
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as response,
            ):
                return response.status == 200
        except aiohttp.ClientError:
            return False

    await eventually(answers, within=30, what="the bot's HTTP server")
