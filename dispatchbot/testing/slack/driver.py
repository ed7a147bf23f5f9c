"""People acting in the fake workspace: what they do becomes the envelopes Slack would deliver.

A ``Person`` runs slash commands, clicks buttons, uses shortcuts, posts, reacts, joins and leaves, and
waits for the modals the app opens for them. Every delivery returns the app's ``Ack``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from dispatchbot.testing.slack import block_kit, payloads
from dispatchbot.testing.slack.block_kit import ClientRefused
from dispatchbot.testing.slack.delivery import EVENTS_API, INTERACTIVE, SLASH_COMMANDS, Ack
from dispatchbot.testing.slack.modal import View
from dispatchbot.testing.slack.state import (
    JSON,
    Change,
    Channel,
    Ephemeral,
    Message,
    ResponseTarget,
    User,
    Workspace,
)

if TYPE_CHECKING:
    from dispatchbot.testing.slack.server import FakeSlack

_POLL = 0.01


class Person:
    def __init__(self, fake: FakeSlack, user: User) -> None:
        self.fake = fake
        self.user = user
        self.last_ack: Ack | None = None
        self._seen_version = 0

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def workspace(self) -> Workspace:
        return self.fake.workspace

    async def deliver(self, kind: str, body: JSON) -> Ack:
        self.last_ack = await self.fake.deliver(kind, body)
        return self.last_ack

    def _channel(self, channel_id: str | None) -> Channel:
        if channel_id is None:
            return self.workspace.im_with(self.id)
        channel = self.workspace.channels.get(channel_id)
        if channel is None:
            raise ClientRefused(f"no channel {channel_id}")
        return channel

    # ------------------------------------------------------------ interactions

    async def slash_command(self, command: str, text: str = "", channel: str | None = None) -> Ack:
        """Run ``command`` in ``channel`` (default: the DM with the app). An ack carrying text or blocks
        shows up as Slack shows it: ephemeral to this person, or in the channel for ``in_channel``."""
        ws = self.workspace
        where = self._channel(channel)
        response_url = self.fake.response_urls.issue("commands", ResponseTarget(where.id, self.id))
        body = payloads.slash_command(
            ws, self.user, where, command, text, ws.issue_trigger(self.id), response_url
        )
        ack = await self.deliver(SLASH_COMMANDS, body)
        answer = ack.payload or {}
        if ack.ok and (answer.get("text") or answer.get("blocks")):
            self.fake.response_urls.show(ResponseTarget(where.id, self.id), answer)
        return ack

    def button_action(self, block: JSON, element: JSON) -> JSON:
        action: JSON = {
            "action_id": element["action_id"],
            "block_id": block["block_id"],
            "text": element.get("text"),
            "type": "button",
            "action_ts": payloads.action_ts(),
        }
        for key in ("value", "style", "url"):
            if key in element:
                action[key] = element[key]
        return action

    def select_action(self, block: JSON, element: JSON, option: str) -> JSON:
        """Picking ``option`` in a select or an overflow menu outside the inputs; the action carries the
        choice under the key the element's state has (``selected_option``, ``selected_user``, ...)."""
        kind = element["type"]
        # an overflow menu's choice is one of its options, as a static select's
        state = block_kit.filled_state(
            {**element, "type": "static_select"} if kind == "overflow" else element, option
        )
        action = {key: value for key, value in state.items() if key != "type"}
        action.update(type=kind, action_id=element["action_id"], block_id=block["block_id"])
        if kind != "overflow":
            action["placeholder"] = element.get("placeholder")
        return action | {"action_ts": payloads.action_ts()}

    async def click(
        self, message: Message | Ephemeral, text: str | None = None, *, action_id: str | None = None
    ) -> Ack:
        """Click a button on a message (or an ephemeral message) by its visible text or action_id."""
        block, element = block_kit.find_element(
            message.blocks, text=text, action_id=action_id, kinds=("button",)
        )
        return await self._message_action(message, self.button_action(block, element))

    async def select(self, message: Message | Ephemeral, text: str, option: str) -> Ack:
        """Pick ``option`` (by text or value) in a static select found by placeholder or section text."""
        block, element = block_kit.find_element(message.blocks, text=text, kinds=("static_select",))
        return await self._message_action(message, self.select_action(block, element, option))

    def element_action(self, block: JSON, element: JSON, option: str | None = None) -> JSON:
        """The action a person's use of ``element`` sends: a click, or picking ``option`` in a select."""
        if element.get("type") == "button":
            return self.button_action(block, element)
        if option is None:
            raise ClientRefused(f"pick an option in {element.get('type')} {element.get('action_id')!r}")
        return self.select_action(block, element, option)

    async def act(
        self, message: Message | Ephemeral, block_id: str, action_id: str, option: str | None = None
    ) -> Ack:
        """Use the element ``action_id`` in block ``block_id`` of a message: click it if it is a button,
        else pick ``option`` (text or value). For clients that know ids, not what a person reads."""
        block, element = block_kit.element_by_id(message.blocks, block_id, action_id)
        return await self._message_action(message, self.element_action(block, element, option))

    async def _message_action(self, message: Message | Ephemeral, action: JSON) -> Ack:
        ws = self.workspace
        channel = self._channel(message.channel)
        ephemeral = isinstance(message, Ephemeral)
        fields: JSON = {
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": channel.id,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": ws.issue_trigger(self.id),
            "channel": payloads.channel_ref(channel),
            "state": {"values": {}},
            "response_url": self.fake.response_urls.issue(
                "actions", ResponseTarget(channel.id, self.id, None if ephemeral else message.ts)
            ),
            "actions": [action],
        }
        if isinstance(message, Message):
            fields["message"] = ws.message_json(message)
        return await self.deliver(INTERACTIVE, payloads.interaction(ws, "block_actions", self.user, **fields))

    async def shortcut(
        self, callback_id: str, message: Message | None = None, channel: str | None = None
    ) -> Ack:
        """A message shortcut on ``message``, or a global shortcut when ``message`` is None."""
        ws = self.workspace
        common: JSON = {
            "callback_id": callback_id,
            "trigger_id": ws.issue_trigger(self.id),
            "action_ts": payloads.action_ts(),
        }
        if message is None:
            return await self.deliver(INTERACTIVE, payloads.interaction(ws, "shortcut", self.user, **common))
        where = self._channel(channel or message.channel)
        body = payloads.interaction(
            ws,
            "message_action",
            self.user,
            **common,
            channel=payloads.channel_ref(where),
            message_ts=message.ts,
            message=ws.message_json(message),
            response_url=self.fake.response_urls.issue("actions", ResponseTarget(where.id, self.id)),
        )
        return await self.deliver(INTERACTIVE, body)

    async def wait_for_view(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the public API; tests read better with it
        callback_id: str | None = None,
    ) -> View:
        """The modal now on top of this person's stack, once it changed since the last wait (opened,
        pushed or updated), optionally only once its ``callback_id`` matches. The wait ends as soon as
        the view shows; `timeout` only bounds a busy machine (modals open after the ack, in the
        background, so a loaded CI runner may take a second or two)."""
        ws = self.workspace
        try:
            async with asyncio.timeout(timeout):
                while True:
                    version = ws.view_versions.get(self.id, 0)
                    top = ws.top_view(self.id)
                    if (
                        version > self._seen_version
                        and top is not None
                        and (callback_id is None or top.callback_id == callback_id)
                    ):
                        self._seen_version = version
                        return View(self, top.id)
                    await asyncio.sleep(_POLL)
        except TimeoutError:
            top = ws.top_view(self.id)
            shown = f"{top.callback_id!r} ({top.title!r})" if top else "no modal"
            raise TimeoutError(
                f"no new view for {self.user.name} within {timeout}s; showing {shown}"
            ) from None

    # ------------------------------------------------------------------ events

    async def _event(self, channel: Channel, event: JSON) -> Ack | None:
        """Deliver an event only if the bot can see it, as Slack does for channel events (every caller
        has just changed ``channel`` as this person)."""
        self.workspace.changed(Change("person", channel.id, self.id))
        if self.workspace.bot_user_id not in channel.members:
            return None
        return await self.deliver(EVENTS_API, payloads.event_callback(self.workspace, event))

    async def post(self, channel: str, text: str, thread_ts: str | None = None) -> Message:
        """Post a message as this person; the app gets a ``message`` event if it is in the channel."""
        ws = self.workspace
        where = self._channel(channel)
        if self.id not in where.members:
            raise ClientRefused(f"{self.user.name} is not in {where.name}")
        if where.archived:
            raise ClientRefused(f"{where.name} is archived")
        message = ws.add_message(
            Message(channel=where.id, ts=ws.next_ts(), user=self.id, text=text, thread_ts=thread_ts)
        )
        event: JSON = {
            "type": "message",
            "client_msg_id": str(uuid.uuid4()),
            "channel": where.id,
            "user": self.id,
            "text": text,
            "ts": message.ts,
            "event_ts": message.ts,
            "team": ws.team_id,
            "channel_type": where.channel_type,
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        await self._event(where, event)
        return message

    async def react(self, message: Message, name: str) -> Ack | None:
        users = message.reactions.setdefault(name, [])
        if self.id in users:
            return None
        users.append(self.id)
        return await self._event(
            self._channel(message.channel), self._reaction_event("reaction_added", message, name)
        )

    async def unreact(self, message: Message, name: str) -> Ack | None:
        users = message.reactions.get(name, [])
        if self.id not in users:
            return None
        users.remove(self.id)
        if not users:
            del message.reactions[name]
        return await self._event(
            self._channel(message.channel), self._reaction_event("reaction_removed", message, name)
        )

    def _reaction_event(self, kind: str, message: Message, name: str) -> JSON:
        return {
            "type": kind,
            "user": self.id,
            "reaction": name,
            "item_user": message.user,
            "item": {"type": "message", "channel": message.channel, "ts": message.ts},
            "event_ts": self.workspace.next_ts(),
        }

    async def join(self, channel: str, inviter: User | None = None) -> Ack | None:
        """Join (or be added by ``inviter``); private channels need an inviter, as in Slack."""
        where = self._channel(channel)
        if where.is_private and inviter is None:
            raise ClientRefused(f"{where.name} is private; someone has to add {self.user.name}")
        if self.id in where.members:
            return None
        where.members.append(self.id)
        joined = self._membership("member_joined_channel", self.id, where, inviter.id if inviter else None)
        return await self._event(where, joined)

    async def unarchive(self, channel: str) -> Ack | None:
        """Unarchive from the channel's settings, as only a person can; Slack adds them to it and tells
        members with a ``channel_unarchive`` (``group_unarchive`` for private channels) event."""
        where = self._channel(channel)
        where.archived = False
        if self.id not in where.members:
            where.members.append(self.id)
        kind = "group_unarchive" if where.is_private else "channel_unarchive"
        return await self._event(where, {"type": kind, "channel": where.id, "user": self.id})

    async def invite(self, channel: str, user: User | str) -> Ack | None:
        """`/invite` someone (the app too, by its bot user id): they join with this person as inviter."""
        where = self._channel(channel)
        invitee = user if isinstance(user, str) else user.id
        if invitee in where.members:
            return None
        where.members.append(invitee)
        return await self._event(where, self._membership("member_joined_channel", invitee, where, self.id))

    async def leave(self, channel: str) -> Ack | None:
        where = self._channel(channel)
        if self.id not in where.members:
            return None
        where.members.remove(self.id)
        return await self._event(where, self._membership("member_left_channel", self.id, where))

    def _membership(self, kind: str, user_id: str, where: Channel, inviter: str | None = None) -> JSON:
        """A ``member_joined_channel`` or ``member_left_channel`` event, as Slack sends it to the app."""
        event: JSON = {
            "type": kind,
            "user": user_id,
            "channel": where.id,
            "channel_type": "G" if where.is_private else "C",
            "team": self.workspace.team_id,
        }
        if inviter is not None:
            event["inviter"] = inviter
        return event

    async def open_home(self) -> Ack:
        """Open the app's Home tab: an ``app_home_opened`` event with the published view, if any."""
        ws = self.workspace
        event: JSON = {
            "type": "app_home_opened",
            "user": self.id,
            "channel": ws.im_with(self.id).id,
            "tab": "home",
        }
        home = self.fake.home_view(self.id)
        if home is not None:
            event["view"] = home.to_api()
        return await self.deliver(EVENTS_API, payloads.event_callback(ws, event))
