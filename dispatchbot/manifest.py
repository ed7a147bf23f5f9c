"""The Slack app manifest, generated from the configuration so it always matches what the bot listens for."""

from __future__ import annotations

from typing import Any

from dispatchbot.commands import COMMANDS
from dispatchbot.config import Settings, SlackMode
from dispatchbot.ids import CallbackId

SLACK_EVENTS_PATH = "/slack/events"
"""The request URL path of HTTP mode: the manifest gives it to Slack and `web` serves it. Kept here, not
in `web`, so reading the manifest (the fake Slack does, for its scopes) imports no server or database."""

BOT_SCOPES = (
    "app_mentions:read",
    "bookmarks:read",
    "bookmarks:write",
    "channels:history",
    "channels:join",
    "channels:manage",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "groups:history",
    "groups:read",
    "groups:write",
    "im:history",
    "im:read",
    "im:write",
    "pins:read",
    "pins:write",
    "reactions:read",
    "reactions:write",
    "team:read",
    "users:read",
    "users:read.email",
)

BOT_EVENTS = (
    "app_home_opened",
    "channel_unarchive",
    "group_unarchive",
    "member_joined_channel",
    "member_left_channel",
    "message.channels",
    "message.groups",
    "reaction_added",
    "reaction_removed",
)


def bot_scopes(settings: Settings) -> list[str]:
    """The bot token scopes these settings need (all features use the same today); `dispatchbot doctor`
    compares the granted ones with this list."""
    return list(BOT_SCOPES)


def build_manifest(settings: Settings) -> dict[str, Any]:
    """A manifest ready to paste into "Create an app > From a manifest" (JSON is accepted there)."""
    http_mode = settings.slack.mode is SlackMode.HTTP
    request_url = settings.slack.public_url.rstrip("/") + SLACK_EVENTS_PATH if http_mode else None
    commands = []
    for command, info in COMMANDS.items():
        entry: dict[str, Any] = {
            "command": settings.commands.name(command),
            "description": info.description,
            "should_escape": False,
        }
        if info.usage_hint:
            entry["usage_hint"] = info.usage_hint
        if request_url:
            entry["url"] = request_url
        commands.append(entry)
    name = settings.slack.app_name
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if request_url:
        interactivity["request_url"] = request_url
        events["request_url"] = request_url
    return {
        "display_information": {
            "name": name,
            "description": "Declare, run and close incidents without leaving Slack.",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "shortcuts": [
                {
                    "name": "Report an incident",
                    "type": "message",
                    "callback_id": CallbackId.REPORT_INCIDENT_SHORTCUT.value,
                    "description": "Report an incident about this message",
                },
                {
                    "name": "Open a case",
                    "type": "message",
                    "callback_id": CallbackId.CREATE_CASE_SHORTCUT.value,
                    "description": "Open a case to triage about this message",
                },
            ],
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": bot_scopes(settings)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not http_mode,
            "token_rotation_enabled": False,
        },
    }
