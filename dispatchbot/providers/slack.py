"""The Slack Web API gateway: every call the bot makes to Slack goes through here.

One `AsyncWebClient` with the SDK's retry handlers (429 honouring Retry-After, 5xx, dropped
connections), instrumented per method and outcome. `SlackApiError` is translated once, into our
`ProviderError`, so flows never see SDK types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from dispatchbot.errors import ProviderError
from dispatchbot.metrics import Metrics

RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 3


class InstrumentedWebClient(AsyncWebClient):
    """An AsyncWebClient that counts each call by method and outcome (after the SDK's retries)."""

    def __init__(self, *, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        try:
            response = await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            self._metrics.api_calls.labels(api_method, str(exc.response.get("error", "error"))).inc()
            raise
        except Exception:
            self._metrics.api_calls.labels(api_method, "transport_error").inc()
            raise
        self._metrics.api_calls.labels(api_method, "ok").inc()
        return response


def build_web_client(
    *, token: str, base_url: str, metrics: Metrics, timeout: int = 30
) -> InstrumentedWebClient:
    return InstrumentedWebClient(
        metrics=metrics,
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_ERROR_RETRIES),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ],
    )


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is in the workspace, from `auth.test`."""

    team_id: str
    user_id: str
    bot_id: str
    url: str


class SlackGateway:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def auth_test(self) -> BotIdentity:
        response = await self._call("auth_test")
        return BotIdentity(
            team_id=str(response.get("team_id", "")),
            user_id=str(response.get("user_id", "")),
            bot_id=str(response.get("bot_id", "")),
            url=str(response.get("url", "")),
        )

    async def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Post to a channel, or to a person's DM when `channel` is a user id; returns the message ts."""
        response = await self._call(
            "chat_postMessage", channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return str(response["ts"])

    async def post_ephemeral(
        self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        await self._call("chat_postEphemeral", channel=channel, user=user, text=text, blocks=blocks)

    async def channel_info(self, channel: str) -> dict[str, Any]:
        response = await self._call("conversations_info", channel=channel)
        return dict(response["channel"])

    async def _call(self, method: str, **kwargs: Any) -> AsyncSlackResponse:
        arguments = {key: value for key, value in kwargs.items() if value is not None}
        try:
            return await getattr(self.client, method)(**arguments)  # type: ignore[no-any-return]
        except SlackApiError as exc:
            raise ProviderError("slack", str(exc.response.get("error", "unknown_error"))) from exc
