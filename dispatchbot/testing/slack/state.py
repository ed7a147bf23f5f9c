"""The fake workspace: plain data that the Web API, the driver and the tests all read and change.

Everything lives in memory and is mutated from the event loop only, so there are no locks. Objects keep
Python-friendly attributes for assertions (``channel.members``, ``message.reactions``) and render the
JSON shapes Slack returns through ``to_api`` methods, so the Web API handlers stay thin.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

JSON = dict[str, Any]


def _tz_offset(tz: str) -> int:
    """Seconds east of UTC right now, as Slack reports ``tz_offset`` (0 when the zone is unknown)."""
    try:
        offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


@dataclass
class User:
    """A workspace member (or bot user)."""

    id: str
    name: str
    team_id: str
    real_name: str = ""
    email: str | None = None
    tz: str = "UTC"
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False

    def profile(self) -> JSON:
        profile: JSON = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "first_name": self.real_name.split(" ")[0] if self.real_name else "",
            "last_name": " ".join(self.real_name.split(" ")[1:]),
            "title": "",
            "phone": "",
            "status_text": "",
            "status_emoji": "",
            "image_48": f"https://avatars.fake.slack/{self.id}_48.png",
            "image_72": f"https://avatars.fake.slack/{self.id}_72.png",
            "team": self.team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return profile

    def to_api(self) -> JSON:
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": _tz_offset(self.tz),
            "profile": self.profile(),
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "updated": 1700000000,
        }


@dataclass
class Pin:
    ts: str
    created_by: str
    created: int


@dataclass
class Bookmark:
    id: str
    channel_id: str
    title: str
    link: str
    emoji: str
    created: int
    updated: int
    updated_by: str
    type: str = "link"

    def to_api(self, app_id: str) -> JSON:
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "title": self.title,
            "link": self.link,
            "emoji": self.emoji,
            "icon_url": None,
            "type": self.type,
            "entity_id": None,
            "date_created": self.created,
            "date_updated": self.updated,
            "rank": "U",
            "last_updated_by_user_id": self.updated_by,
            "last_updated_by_team_id": None,
            "shortcut_id": None,
            "app_id": app_id,
        }


@dataclass
class Channel:
    """A public/private channel or an IM (``is_im``; its one human is ``im_user``)."""

    id: str
    name: str
    creator: str
    created: int
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    topic: str = ""
    topic_by: str = ""
    topic_at: int = 0
    purpose: str = ""
    purpose_by: str = ""
    purpose_at: int = 0
    archived: bool = False
    bookmarks: list[Bookmark] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)

    @property
    def channel_type(self) -> str:
        """The ``channel_type`` of message events: ``channel``, ``group`` (private) or ``im``."""
        if self.is_im:
            return "im"
        return "group" if self.is_private else "channel"

    def to_api(self, viewer: str) -> JSON:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": viewer in self.members,
            "created": self.created,
            "creator": self.creator,
            "unlinked": 0,
            "topic": {"value": self.topic, "creator": self.topic_by, "last_set": self.topic_at},
            "purpose": {"value": self.purpose, "creator": self.purpose_by, "last_set": self.purpose_at},
            "previous_names": [],
            "num_members": len(self.members),
        }


@dataclass
class Message:
    """A message stored in a channel; ``user`` is the bot's user id for messages the bot posted."""

    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: JSON | None = None
    pinned: bool = False
    bot_id: str | None = None
    app_id: str | None = None
    metadata: JSON | None = None
    reply_broadcast: bool = False

    def to_api(self, replies: list[Message] | None = None) -> JSON:
        data: JSON = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts}
        if self.blocks:
            data["blocks"] = self.blocks
        if self.bot_id is not None:
            data["bot_id"] = self.bot_id
            data["app_id"] = self.app_id
        if self.thread_ts is not None:
            data["thread_ts"] = self.thread_ts
            if self.thread_ts != self.ts:
                data["parent_user_id"] = self.user
        if replies:
            data["thread_ts"] = self.ts
            data["reply_count"] = len(replies)
            data["reply_users"] = sorted({r.user for r in replies})
            data["reply_users_count"] = len(data["reply_users"])
            data["latest_reply"] = replies[-1].ts
        if self.reactions:
            data["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.edited is not None:
            data["edited"] = self.edited
        if self.pinned:
            data["pinned_to"] = [self.channel]
        if self.metadata is not None:
            data["metadata"] = self.metadata
        if self.reply_broadcast:
            data["subtype"] = "thread_broadcast"
        return data


@dataclass
class Ephemeral:
    """A message only ``user`` sees; Slack never stores these, the fake keeps them for assertions."""

    channel: str
    user: str
    ts: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None


@dataclass
class StoredView:
    """A modal or App Home view as Slack keeps it: its definition plus what the user typed so far."""

    id: str
    team_id: str
    user_id: str
    app_id: str
    bot_id: str
    definition: JSON
    hash: str
    values: dict[str, dict[str, JSON]] = field(default_factory=dict)
    root_view_id: str | None = None
    previous_view_id: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    is_open: bool = True
    trigger_id: str | None = None

    @property
    def type(self) -> str:
        return str(self.definition.get("type", "modal"))

    @property
    def callback_id(self) -> str:
        return str(self.definition.get("callback_id", ""))

    @property
    def external_id(self) -> str:
        return str(self.definition.get("external_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.definition.get("private_metadata", ""))

    @property
    def blocks(self) -> list[JSON]:
        return list(self.definition.get("blocks", []))

    @property
    def title(self) -> str:
        title = self.definition.get("title") or {}
        return str(title.get("text", ""))

    def to_api(self) -> JSON:
        return {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.values},
            "hash": self.hash,
            "title": self.definition.get("title"),
            "clear_on_close": bool(self.definition.get("clear_on_close", False)),
            "notify_on_close": bool(self.definition.get("notify_on_close", False)),
            "close": self.definition.get("close"),
            "submit": self.definition.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": self.app_id,
            "external_id": self.external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }


@dataclass(frozen=True)
class ShownText:
    """One piece of text someone in the workspace can read: where it is, how Slack treats it (``mrkdwn``:
    parsed for mentions and links; ``plain_text``, ``topic``, ``purpose``: shown as they are) and the
    text as the app sent it."""

    where: str
    format: str
    text: str


def _texts_in(where: str, data: Any) -> Iterator[ShownText]:
    """The text objects in a block, view or element tree (a message's ``text`` is the caller's)."""
    if isinstance(data, list):
        for item in data:
            yield from _texts_in(where, item)
    elif isinstance(data, dict):
        if data.get("type") in ("mrkdwn", "plain_text") and isinstance(data.get("text"), str):
            yield ShownText(where, str(data["type"]), data["text"])
            return
        for value in data.values():
            yield from _texts_in(where, value)


@dataclass(frozen=True)
class Change:
    """Something people may now see differently: ``source`` says what changed it (a Web API method, a
    ``response_url``, a ``person`` acting, a ``view``), ``channel`` and ``user`` narrow it when known."""

    source: str
    channel: str | None = None
    user: str | None = None


@dataclass
class Trigger:
    """A trigger_id the fake handed to the bot; Slack accepts each once, within 3 seconds."""

    id: str
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseTarget:
    """Where a response_url posts: the conversation, the person, and the message it came from."""

    channel_id: str | None
    user_id: str
    message_ts: str | None = None


class Workspace:
    """All users, conversations, messages and views of one fake team, plus id and timestamp sources."""

    def __init__(self, team_id: str, team_name: str, app_id: str, bot_id: str, bot_user_id: str) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.domain = team_name.lower().replace(" ", "-")
        self.app_id = app_id
        self.bot_id = bot_id
        self.bot_user_id = bot_user_id
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, StoredView] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.view_versions: dict[str, int] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self.listeners: list[Callable[[Change], None]] = []
        """Called (on the event loop, synchronously) after anything people can see changed; for a live
        view of the workspace such as the sandbox. Listeners must not raise or block."""
        self._counters: dict[str, int] = {}
        self._last_ts = 0.0
        self.users[bot_user_id] = User(
            id=bot_user_id, name="dispatchbot", real_name="Dispatch Bot", team_id=team_id, is_bot=True
        )

    def new_id(self, prefix: str, width: int = 8) -> str:
        """Sequential ids such as ``U00000001``: readable in failures and stable across runs."""
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}{self._counters[prefix]:0{width}d}"

    def next_ts(self) -> str:
        """A message ts from the wall clock, strictly increasing, since Slack uses ts as a message key."""
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def now(self) -> int:
        return int(time.time())

    # ---------------------------------------------------------------- lookups

    def channel_by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def replies(self, message: Message) -> list[Message]:
        return [
            m
            for m in self.messages.get(message.channel, [])
            if m.thread_ts == message.ts and m.ts != message.ts
        ]

    def message_json(self, message: Message) -> JSON:
        return message.to_api(self.replies(message))

    def im_with(self, user_id: str) -> Channel:
        """The IM between the bot and ``user_id``, created on first use with a stable ``D...`` id."""
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        channel = Channel(
            id=self.new_id("D"),
            name=user_id,
            creator=self.bot_user_id,
            created=self.now(),
            is_private=True,
            is_im=True,
            im_user=user_id,
            members=[self.bot_user_id, user_id],
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def add_message(self, message: Message) -> Message:
        self.messages.setdefault(message.channel, []).append(message)
        return message

    def add_app_message(
        self,
        channel: str,
        text: str,
        blocks: list[JSON],
        *,
        thread_ts: str | None = None,
        metadata: JSON | None = None,
        reply_broadcast: bool = False,
    ) -> Message:
        """A message the app posted (by the Web API or a response URL): from its bot user, with its ids."""
        message = Message(
            channel=channel,
            ts=self.next_ts(),
            user=self.bot_user_id,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            bot_id=self.bot_id,
            app_id=self.app_id,
            metadata=metadata,
            reply_broadcast=reply_broadcast,
        )
        return self.add_message(message)

    def issue_trigger(self, user_id: str) -> str:
        trigger = Trigger(
            id=f"{self.new_id('', 13)}.{self.now()}.{self.new_id('t', 12)}",
            user_id=user_id,
            issued_at=time.monotonic(),
        )
        self.triggers[trigger.id] = trigger
        return trigger.id

    def view_shown(self, user_id: str) -> None:
        """Note that what ``user_id`` sees in their modal changed, so ``wait_for_view`` wakes up."""
        self.view_versions[user_id] = self.view_versions.get(user_id, 0) + 1
        self.changed(Change("view", user=user_id))

    def changed(self, change: Change) -> None:
        """Tell every listener about ``change``."""
        for listener in self.listeners:
            listener(change)

    def top_view(self, user_id: str) -> StoredView | None:
        stack = self.modal_stacks.get(user_id, [])
        return self.views[stack[-1]] if stack else None

    def shown_texts(self) -> Iterator[ShownText]:
        """Every text the app put before people: messages and DMs (their ``text`` and blocks), ephemerals,
        modals and App Home views, channel topics and purposes. For checks such as "nothing the app
        posted can ping the channel"."""
        for channel_id, messages in self.messages.items():
            for message in messages:
                where = f"message {channel_id}/{message.ts}"
                yield ShownText(where, "mrkdwn", message.text)
                yield from _texts_in(where, message.blocks)
        for ephemeral in self.ephemerals:
            where = f"ephemeral {ephemeral.channel}/{ephemeral.user}/{ephemeral.ts}"
            yield ShownText(where, "mrkdwn", ephemeral.text)
            yield from _texts_in(where, ephemeral.blocks)
        for view in self.views.values():
            yield from _texts_in(f"view {view.id} ({view.type})", view.definition)
        for channel in self.channels.values():
            yield ShownText(f"topic {channel.id}", "topic", channel.topic)
            yield ShownText(f"purpose {channel.id}", "purpose", channel.purpose)
