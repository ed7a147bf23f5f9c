"""The timeline in Slack: the add-event command and modal, reaction capture, and the timeline modal.

Every entry point checks who is asking before anything opens (the submission and each page click
check again); refusals reach the person through the global error handler. Reactions need no answer,
so they are handed to the background at once, one after another per message, so that a reaction
taken back right after it was added is applied after it.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.blocks.incidents.timeline import read_event_form, read_page_value
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows import access
from dispatchbot.flows.incidents import timeline
from dispatchbot.flows.incidents.channel_events import Serial
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId, CallbackId


def register(router: Router, deps: Deps) -> None:
    per_message = Serial()

    @router.command(deps.settings.commands.name(Command.ADD_TIMELINE_EVENT))
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user_id"]
        incident = await timeline.incident_for_command(deps, body["channel_id"], user)
        await ack()
        deps.background.spawn(
            timeline.open_form(deps, body["trigger_id"], incident, user, body.get("text", "")),
            name="open-timeline-form",
        )

    @router.view(CallbackId.ADD_TIMELINE_EVENT)
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_event_form(view["state"]["values"], deps.clock.now())  # InvalidForm → inline errors
        await timeline.submit(deps, view["id"], int(view["private_metadata"]), form, body["user"]["id"])
        await ack()

    def on_reaction(event: dict[str, Any], work: Coroutine[Any, Any, None], name: str) -> None:
        item = event.get("item") or {}
        key = f"{item.get('channel')}:{item.get('ts')}"
        deps.background.spawn(per_message.run(key, work), name=name)

    @router.event("reaction_added")
    async def on_reaction_added(event: dict[str, Any]) -> None:
        if timeline.is_capture_reaction(event, deps.settings.timeline.reaction):
            on_reaction(event, timeline.capture(deps, event), "timeline-capture")

    @router.event("reaction_removed")
    async def on_reaction_removed(event: dict[str, Any]) -> None:
        if timeline.is_capture_reaction(event, deps.settings.timeline.reaction):
            on_reaction(event, timeline.release(deps, event), "timeline-release")

    @router.action(ActionId.OPEN_TIMELINE)
    async def on_timeline_button(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        incident = await access.visible_incident(deps, int(body["actions"][0]["value"]), user)
        await ack()
        deps.background.spawn(
            timeline.open_timeline(deps, body["trigger_id"], incident, user), name="open-timeline"
        )

    @router.action(ActionId.TIMELINE_PREVIOUS)
    @router.action(ActionId.TIMELINE_NEXT)
    async def on_page(ack: AsyncAck, body: dict[str, Any]) -> None:
        incident_id, page = read_page_value(body["actions"][0]["value"])
        incident = await access.visible_incident(deps, incident_id, body["user"]["id"])
        await ack()
        deps.background.spawn(
            timeline.show_page(deps, body["view"]["id"], incident, page), name="timeline-page"
        )
