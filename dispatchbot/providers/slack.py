"""The Slack Web API gateway: every call the bot makes to Slack goes through here.

One `AsyncWebClient` with the SDK's retry handlers (5xx, dropped connections) and our per-method
pacing of 429s (honouring Retry-After), instrumented per method and outcome. `SlackApiError` is
translated once, into our `ProviderError`, so flows never see SDK types.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from dispatchbot.errors import ProviderError
from dispatchbot.metrics import Metrics
from dispatchbot.mrkdwn import Mrkdwn
from dispatchbot.providers.rate_limits import MethodPacer

MAX_CHANNEL_NAME = 80
USER_CACHE_SECONDS = 300.0
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 3


class InstrumentedWebClient(AsyncWebClient):
    """An AsyncWebClient that counts each call by method and outcome (after the SDK's retries)."""

    def __init__(self, *, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics
        self._pacers: dict[str, MethodPacer] = defaultdict(MethodPacer)

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        def limited() -> None:
            self._metrics.api_calls.labels(api_method, "ratelimited").inc()

        async def send() -> AsyncSlackResponse:
            return await AsyncWebClient.api_call(self, api_method, **kwargs)

        try:
            response = await self._pacers[api_method].call(send, limited)
        except SlackApiError as exc:
            self._metrics.api_calls.labels(api_method, str(exc.response.get("error", "error"))).inc()
            raise
        except Exception:
            self._metrics.api_calls.labels(api_method, "transport_error").inc()
            raise
        self._metrics.api_calls.labels(api_method, "ok").inc()
        return response


def build_web_client(
    *,
    token: str,
    base_url: str,
    metrics: Metrics,
    session: aiohttp.ClientSession | None = None,
    timeout: int = 30,
) -> InstrumentedWebClient:
    """The bot's one client. Given a `session`, calls reuse its kept-alive connections (without one the
    SDK opens a new session, and a new TCP/TLS connection, per call); the caller closes it."""
    return InstrumentedWebClient(
        metrics=metrics,
        token=token,
        base_url=base_url,
        session=session,
        timeout=timeout,
        retry_handlers=[
            # Rate limits are paced per method by MethodPacer (see rate_limits.py), not retried per caller.
            AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_ERROR_RETRIES),
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


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    tz: str
    is_bot: bool
    deleted: bool
    email: str = ""  # needs users:read.email; empty for bots and when Slack does not share it


@dataclass(frozen=True)
class SlackMessage:
    """One message as read back from a channel: `user` is empty for an integration's post, and
    `reactions` counts the people per emoji name."""

    channel: str
    ts: str
    user: str
    text: str
    reactions: dict[str, int]


class SlackGateway:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.bot_user_id = ""
        self._users: dict[str, tuple[float, SlackUser]] = {}
        self._user_ids_by_email: dict[str, tuple[float, str]] = {}
        self._channel_ids: dict[str, str] = {}

    async def auth_test(self) -> BotIdentity:
        response = await self._call("auth_test")
        self.bot_user_id = str(response.get("user_id", ""))
        return BotIdentity(
            team_id=str(response.get("team_id", "")),
            user_id=str(response.get("user_id", "")),
            bot_id=str(response.get("bot_id", "")),
            url=str(response.get("url", "")),
        )

    async def post_message(
        self,
        channel: str,
        text: Mrkdwn,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Post to a channel, or to a person's DM when `channel` is a user id; returns the message ts.
        `text` (the notification, and the message when there are no blocks) is parsed as mrkdwn by
        Slack, so it must be `Mrkdwn`: anything from outside in it is escaped."""
        response = await self._call(
            "chat_postMessage", channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
        )
        return str(response["ts"])

    async def post_ephemeral(
        self,
        channel: str,
        user: str,
        text: Mrkdwn,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Show a message to one person; with `thread_ts` it appears in that thread."""
        await self._call(
            "chat_postEphemeral", channel=channel, user=user, text=text, blocks=blocks, thread_ts=thread_ts
        )

    async def create_channel(self, name: str, *, private: bool, adopt_from: str) -> tuple[str, str]:
        """Create a channel named `name` (or `name-2`, `-3`, ... when taken); returns (id, name).

        A taken name that is an unarchived channel the bot itself created and whose purpose starts
        with `adopt_from` is a leftover of our own interrupted attempt, so it is adopted, not doubled.
        """
        for candidate in _name_candidates(name):
            try:
                response = await self._call("conversations_create", name=candidate, is_private=private)
                return str(response["channel"]["id"]), candidate
            except ProviderError as exc:
                if exc.detail != "name_taken":
                    raise
            existing = await self._find_channel(candidate)
            if existing is not None and self._is_our_leftover(existing, adopt_from):
                return str(existing["id"]), candidate
        raise ProviderError("slack", "name_taken")

    async def rename_channel(self, channel: str, name: str) -> str:
        """Rename a channel to `name` (or `name-2`, `-3`, ... when taken, as `create_channel` names);
        returns the name it has now. One already so named (a retry after a crash) is left as it is."""
        current = str((await self.channel_info(channel)).get("name", ""))
        for candidate in _name_candidates(name):
            if candidate == current:
                return candidate
            try:
                await self._call("conversations_rename", channel=channel, name=candidate)
                return candidate
            except ProviderError as exc:
                if exc.detail != "name_taken":
                    raise
        raise ProviderError("slack", "name_taken")

    async def invite(self, channel: str, users: list[str]) -> None:
        """Invite people; those already in the channel are fine (Slack reports them as errors)."""
        if not users:
            return
        try:
            await self._call("conversations_invite", channel=channel, users=",".join(users), force=True)
        except ProviderError as exc:
            if exc.detail not in ("already_in_channel", "cant_invite_self"):
                raise

    async def set_topic(self, channel: str, topic: str) -> None:
        """Topics and purposes are plain text: Slack neither formats nor parses them (no mentions)."""
        await self._call("conversations_setTopic", channel=channel, topic=topic[:250])

    async def set_purpose(self, channel: str, purpose: str) -> None:
        await self._call("conversations_setPurpose", channel=channel, purpose=purpose[:250])

    async def update_message(
        self, channel: str, ts: str, text: Mrkdwn, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        await self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks)

    async def pin(self, channel: str, ts: str) -> None:
        try:
            await self._call("pins_add", channel=channel, timestamp=ts)
        except ProviderError as exc:
            if exc.detail != "already_pinned":
                raise

    async def unpin(self, channel: str, ts: str) -> None:
        """Unpin; a message no longer pinned (or deleted) is what we wanted anyway."""
        try:
            await self._call("pins_remove", channel=channel, timestamp=ts)
        except ProviderError as exc:
            if exc.detail not in ("no_pin", "message_not_found"):
                raise

    async def archive(self, channel: str) -> None:
        try:
            await self._call("conversations_archive", channel=channel)
        except ProviderError as exc:
            if exc.detail != "already_archived":
                raise

    async def unarchive(self, channel: str) -> None:
        try:
            await self._call("conversations_unarchive", channel=channel)
        except ProviderError as exc:
            if exc.detail != "not_archived":
                raise

    async def members(self, channel: str) -> list[str]:
        members: list[str] = []
        cursor = None
        while True:
            response = await self._call("conversations_members", channel=channel, cursor=cursor, limit=1000)
            found: list[str] = response.get("members") or []
            members.extend(str(member) for member in found)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        response = await self._call("views_open", trigger_id=trigger_id, view=view)
        return str(response["view"]["id"])

    async def update_view(self, view_id: str, view: dict[str, Any], *, view_hash: str | None = None) -> None:
        """With `view_hash`, only if the view is still the one that hash names (else `hash_conflict`)."""
        await self._call("views_update", view_id=view_id, view=view, hash=view_hash)

    async def publish_home(self, user: str, view: dict[str, Any]) -> None:
        await self._call("views_publish", user_id=user, view=view)

    async def permalink(self, channel: str, ts: str) -> str:
        response = await self._call("chat_getPermalink", channel=channel, message_ts=ts)
        return str(response["permalink"])

    async def user(self, user_id: str) -> SlackUser:
        """A profile, cached briefly: names and time zones rarely change, and lookups are rate-limited."""
        cached = self._users.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        response = await self._call("users_info", user=user_id)
        found = response["user"]
        user = SlackUser(
            id=str(found["id"]),
            name=str(found.get("real_name") or found.get("name") or found["id"]),
            tz=str(found.get("tz") or "UTC"),
            is_bot=bool(found.get("is_bot")),
            deleted=bool(found.get("deleted")),
            email=str((found.get("profile") or {}).get("email") or ""),
        )
        self._users[user_id] = (time.monotonic() + USER_CACHE_SECONDS, user)
        return user

    async def user_id_for(self, who: str) -> str | None:
        """A Slack user id from an id or an email address; None when nobody matches."""
        if "@" not in who:
            return who
        email = who.lower()
        cached = self._user_ids_by_email.get(email)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]  # on-call people recur: their lookup must not delay every new incident
        try:
            response = await self._call("users_lookupByEmail", email=who)
        except ProviderError as exc:
            if exc.detail == "users_not_found":
                return None
            raise
        user_id = str(response["user"]["id"])
        self._user_ids_by_email[email] = (time.monotonic() + USER_CACHE_SECONDS, user_id)
        return user_id

    async def find_message(self, channel: str, block_id: str, *, limit: int = 100) -> str | None:
        """The ts of the bot's recent message whose first block has `block_id`, if there is one."""
        response = await self._call("conversations_history", channel=channel, limit=limit)
        messages: list[dict[str, Any]] = response.get("messages") or []
        for message in messages:
            blocks = message.get("blocks") or [{}]
            if message.get("user") == self.bot_user_id and blocks[0].get("block_id") == block_id:
                return str(message["ts"])
        return None

    async def message(self, channel: str, ts: str) -> SlackMessage | None:
        """The message at `ts`, None if it is gone. `conversations.history` holds top-level messages
        only, so a thread reply is looked up through `conversations.replies`."""
        response = await self._call(
            "conversations_history", channel=channel, latest=ts, inclusive=True, limit=1
        )
        found = _with_ts(response.get("messages") or [], ts)
        if found is None:
            try:
                response = await self._call(
                    "conversations_replies", channel=channel, ts=ts, oldest=ts, latest=ts, inclusive=True
                )
            except ProviderError as exc:
                if exc.detail in ("thread_not_found", "message_not_found"):
                    return None
                raise
            found = _with_ts(response.get("messages") or [], ts)
        if found is None:
            return None
        return SlackMessage(
            channel=channel,
            ts=ts,
            user=str(found.get("user") or ""),
            text=str(found.get("text") or ""),
            reactions={
                str(entry.get("name")): int(entry.get("count") or len(entry.get("users") or []))
                for entry in found.get("reactions") or []
            },
        )

    async def add_bookmark(self, channel: str, title: str, link: str) -> None:
        """A link in the channel's header, once per title: a repeat (a resumed run, a retry) finds the
        bookmark it made before and only points it at `link` if that changed."""
        response = await self._call("bookmarks_list", channel_id=channel)
        bookmarks: list[dict[str, Any]] = response.get("bookmarks") or []
        found = next((b for b in bookmarks if b.get("title") == title), None)
        if found is None:
            await self._call("bookmarks_add", channel_id=channel, title=title, type="link", link=link)
        elif found.get("link") != link:
            await self._call("bookmarks_edit", channel_id=channel, bookmark_id=found["id"], link=link)

    async def open_dm(self, user_id: str) -> str:
        """The IM channel id with a person: `conversations.history` (post_once's marker lookup after a
        crash) takes channel ids, not user ids."""
        response = await self._call("conversations_open", users=user_id)
        return str(response["channel"]["id"])

    async def channel_id_for(self, channel: str) -> str | None:
        """A channel id from an id or a name ("#alerts-db" or "alerts-db"), as config gives them; None
        when no channel has the name. Names are cached: a storm of alerts looks each up once."""
        name = channel.removeprefix("#")
        if channel.startswith("#") or not CHANNEL_ID.fullmatch(channel):
            if name not in self._channel_ids:
                found = await self._find_channel(name)
                if found is None:
                    return None
                self._channel_ids[name] = str(found["id"])
            return self._channel_ids[name]
        return channel

    async def find_reply(self, channel: str, thread_ts: str, block_id: str) -> str | None:
        """The ts of the bot's reply in the thread at `thread_ts` whose first block has `block_id`."""
        try:
            response = await self._call("conversations_replies", channel=channel, ts=thread_ts, limit=200)
        except ProviderError as exc:
            if exc.detail in ("thread_not_found", "message_not_found"):
                return None
            raise
        for message in response.get("messages") or []:
            blocks = message.get("blocks") or [{}]
            if message.get("user") == self.bot_user_id and blocks[0].get("block_id") == block_id:
                return str(message["ts"])
        return None

    async def channel_info(self, channel: str) -> dict[str, Any]:
        response = await self._call("conversations_info", channel=channel)
        return dict(response["channel"])

    async def _find_channel(self, name: str) -> dict[str, Any] | None:
        cursor = None
        while True:
            response = await self._call(
                "conversations_list", types="public_channel,private_channel", limit=1000, cursor=cursor
            )
            channels: list[dict[str, Any]] = response.get("channels") or []
            for channel in channels:
                if channel.get("name") == name:
                    return channel
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _is_our_leftover(self, channel: dict[str, Any], adopt_from: str) -> bool:
        purpose = str((channel.get("purpose") or {}).get("value", ""))
        return (
            channel.get("creator") == self.bot_user_id
            and not channel.get("is_archived")
            and (not purpose or purpose.startswith(adopt_from))
        )

    async def _call(self, method: str, **kwargs: Any) -> AsyncSlackResponse:
        arguments = {key: value for key, value in kwargs.items() if value is not None}
        try:
            return await getattr(self.client, method)(**arguments)  # type: ignore[no-any-return]
        except SlackApiError as exc:
            raise ProviderError("slack", str(exc.response.get("error", "unknown_error"))) from exc


CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
"""What a channel id looks like; anything else in the config is a channel name (names are lowercase)."""


def _name_candidates(name: str) -> Iterator[str]:
    """`name`, then `name-2`, `name-3`, ... (shortened to fit), for a channel whose name is taken."""
    yield name
    for attempt in range(2, 50):
        yield f"{name[: MAX_CHANNEL_NAME - len(str(attempt)) - 1]}-{attempt}"


def _with_ts(messages: list[dict[str, Any]], ts: str) -> dict[str, Any] | None:
    return next((message for message in messages if message.get("ts") == ts), None)
