"""Channel checks: every channel the bot must post to exists, is not archived, and takes the bot's posts
(it is a member, or the channel is public and the bot has chat:write.public)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.errors import SlackApiError

from dispatchbot.config import Settings
from dispatchbot.doctor.results import CheckResult, failed, guarded, passed, skipped
from dispatchbot.doctor.slack import NEEDS_TOKEN, Posting
from dispatchbot.providers.slack import CHANNEL_ID


def channel_targets(settings: Settings) -> dict[str, list[str]]:
    """Every channel the bot must be able to post to, with where each is configured."""
    targets: dict[str, list[str]] = {}
    for index, notification in enumerate(settings.notifications):
        targets.setdefault(notification.channel, []).append(f"notifications[{index}]")
    for key in ("default_channel", "fallback_channel"):
        channel = getattr(settings.alerts, key)
        if channel:
            targets.setdefault(channel, []).append(f"alerts.{key}")
    for index, signal in enumerate(settings.signals):
        if signal.channel:
            targets.setdefault(signal.channel, []).append(f"signals[{index}] ({signal.name})")
    return targets


async def channel_checks(settings: Settings, posting: Posting | None, deadline: float) -> list[CheckResult]:
    targets = channel_targets(settings)
    if posting is None:
        return [skipped(_check(channel, labels), NEEDS_TOKEN) for channel, labels in targets.items()]
    checks = [
        guarded(
            _check(channel, labels),
            _channel(posting, channel, labels),
            deadline=deadline,
            fix=f"check that Slack is reachable and {', '.join(labels)} names a channel id (C...)",
        )
        for channel, labels in targets.items()
    ]
    return list(await asyncio.gather(*checks))


def _check(channel: str, labels: list[str]) -> str:
    return f"channel {channel} ({', '.join(labels)})"


async def _channel(posting: Posting, channel: str, labels: list[str]) -> CheckResult:
    check = _check(channel, labels)
    where = ", ".join(labels)
    invite = f"invite the bot to it (/invite @{posting.bot_name})"
    try:
        channel_id = await _channel_id(posting, channel)
        if channel_id is None:
            return failed(
                check,
                "no channel has this name that the bot can see",
                f"check the name in {where}; for a private channel, {invite}",
            )
        response = await posting.client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "error"))
        if error == "channel_not_found":
            return failed(
                check,
                "not found, or private without the bot in it",
                f"check the id in {where} (channel details > About, at the bottom); for a private "
                f"channel, {invite}",
            )
        return failed(check, f"Slack refused conversations.info ({error})", f"check {where}")
    info: dict[str, Any] = response.get("channel") or {}
    name = f"#{info.get('name', channel)}"
    if info.get("is_archived"):
        return failed(check, f"{name} is archived", f"unarchive it, or point {where} at another channel")
    if info.get("is_member"):
        return passed(check, f"{name}: the bot is a member")
    if info.get("is_private"):
        return failed(check, f"{name}: the bot is not a member", invite)
    if posting.public_channels:
        return passed(check, f"{name}: public; the bot posts there with chat:write.public")
    return failed(
        check,
        f"{name}: the bot is not a member and lacks chat:write.public",
        f"{invite}, or grant chat:write.public",
    )


async def _channel_id(posting: Posting, channel: str) -> str | None:
    """Alert settings may name a channel ("#alerts-db") where notifications take an id."""
    if not channel.startswith("#") and CHANNEL_ID.fullmatch(channel):
        return channel
    name, cursor = channel.removeprefix("#"), None
    while True:
        response = await posting.client.conversations_list(
            types="public_channel,private_channel", limit=1000, cursor=cursor
        )
        found = next((c for c in response.get("channels") or [] if c.get("name") == name), None)
        if found is not None:
            return str(found["id"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
