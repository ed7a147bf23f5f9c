"""Builders for what Slack sends an app: event callbacks, slash command forms and interaction payloads.

The field sets follow Slack's documented payloads (and the envelopes in slack_sdk's own tests), so an
app that works against these works against Slack.
"""

from __future__ import annotations

import time

from dispatchbot.testing.slack.state import JSON, Channel, User, Workspace

VERIFICATION_TOKEN = "fake-verification-token"


def user_ref(user: User) -> JSON:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id}


def team_ref(ws: Workspace) -> JSON:
    return {"id": ws.team_id, "domain": ws.domain}


def channel_ref(channel: Channel) -> JSON:
    return {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name}


def action_ts() -> str:
    return f"{time.time():.6f}"


def event_callback(ws: Workspace, event: JSON) -> JSON:
    """Wrap an event as Slack's Events API does; ``event_id`` stays the same across redeliveries."""
    event.setdefault("event_ts", ws.next_ts())
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": ws.new_id("Ev", 10),
        "event_time": ws.now(),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{ws.team_id}",
    }


def slash_command(
    ws: Workspace, user: User, channel: Channel, command: str, text: str, trigger_id: str, response_url: str
) -> JSON:
    """A slash command as the form fields Slack posts (all values are strings)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "team_domain": ws.domain,
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def interaction(ws: Workspace, kind: str, user: User, **fields: object) -> JSON:
    """The fields every interactive payload has, plus the kind-specific ``fields``."""
    return {
        "type": kind,
        "user": user_ref(user),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        **fields,
    }
