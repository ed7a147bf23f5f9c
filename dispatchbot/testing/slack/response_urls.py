"""response_url endpoints: what bolt's ``respond()`` posts to after the ack.

Slack turns these posts into messages, so the fake applies them to the workspace (ephemeral by
default, ``in_channel``, ``replace_original``, ``delete_original``) and also records them raw.
"""

from __future__ import annotations

import json

from aiohttp import web

from dispatchbot.testing.slack.block_kit import assign_ids
from dispatchbot.testing.slack.state import JSON, Change, Ephemeral, ResponseTarget, Workspace


class ResponseUrls:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.base_url = ""
        self.posts: list[tuple[str, JSON]] = []

    def issue(self, kind: str, target: ResponseTarget) -> str:
        """A URL for one interaction; ``kind`` (commands/actions) mirrors Slack's URL paths."""
        key = self.workspace.new_id("R", 10)
        self.workspace.response_targets[key] = target
        return f"{self.base_url}{kind}/{self.workspace.team_id}/{key}"

    async def handle(self, request: web.Request) -> web.Response:
        target = self.workspace.response_targets.get(request.match_info["key"])
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.Response(status=400, text="invalid_payload")
        self.posts.append((request.path, body))
        if target is None or not isinstance(body, dict):
            return web.Response(status=404, text="no_service")
        self.show(target, body)
        return web.Response(text="ok")

    def show(self, target: ResponseTarget, body: JSON) -> None:
        """Make a response (or a slash command's ack text) visible the way Slack would."""
        ws = self.workspace
        ws.changed(Change("response_url", target.channel_id, target.user_id))
        text, blocks = str(body.get("text", "")), assign_ids(list(body.get("blocks") or []))
        original = (
            ws.find_message(target.channel_id, target.message_ts)
            if target.channel_id and target.message_ts
            else None
        )
        if body.get("delete_original") and original is not None:
            ws.messages[original.channel].remove(original)
        elif body.get("replace_original") and original is not None:
            original.text, original.blocks = text, blocks
        elif target.channel_id is None:
            return
        elif body.get("response_type") == "in_channel":
            ws.add_app_message(target.channel_id, text, blocks, thread_ts=body.get("thread_ts"))
        else:
            ws.ephemerals.append(
                Ephemeral(
                    channel=target.channel_id,
                    user=target.user_id,
                    ts=ws.next_ts(),
                    text=text,
                    blocks=blocks,
                    thread_ts=body.get("thread_ts"),
                )
            )
