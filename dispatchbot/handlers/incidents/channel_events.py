"""Channel events: `member_joined_channel`, `member_left_channel` and `message`.

Events need no answer, so each is handed to the background at once (in arrival order per channel);
what to ignore and what to do is decided by `flows.channel_events`.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from dispatchbot.deps import Deps
from dispatchbot.flows.incidents import channel_events
from dispatchbot.handlers.router import Router


def register(router: Router, deps: Deps) -> None:
    serial = channel_events.Serial()

    def handle(event: dict[str, Any], work: Coroutine[Any, Any, None], name: str) -> None:
        deps.background.spawn(serial.run(str(event.get("channel") or ""), work), name=name)

    @router.event("member_joined_channel")
    async def on_joined(event: dict[str, Any]) -> None:
        handle(event, channel_events.member_joined(deps, event), "member-joined")

    @router.event("channel_unarchive")
    @router.event("group_unarchive")
    async def on_unarchived(event: dict[str, Any]) -> None:
        handle(event, channel_events.channel_restored(deps, event), "channel-unarchived")

    @router.event("member_left_channel")
    async def on_left(event: dict[str, Any]) -> None:
        handle(event, channel_events.member_left(deps, event), "member-left")

    @router.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        if channel_events.is_person_message(event, deps.identity.user_id):
            handle(event, channel_events.message_posted(deps, event), "message-posted")
