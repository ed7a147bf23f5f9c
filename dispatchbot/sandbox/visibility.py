"""What one person sees in the workspace, by Slack's rules: public channels (to browse and join), private
channels only when a member, their own DM with the app, their own ephemerals, and thread replies in
the thread (unless also sent to the channel)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dispatchbot.testing.slack.block_kit import ClientRefused
from dispatchbot.testing.slack.state import Channel, Ephemeral, Message, Workspace

Item = Message | Ephemeral


@dataclass(frozen=True)
class Page:
    """The newest messages of a conversation (oldest first) and whether older ones exist."""

    items: list[Item]
    more: bool


def channels(ws: Workspace, user_id: str) -> list[Channel]:
    """The channels the person may see in the sidebar or browse, sorted by name (no DMs)."""
    return sorted(
        (c for c in ws.channels.values() if not c.is_im and (not c.is_private or user_id in c.members)),
        key=lambda c: c.name,
    )


def conversation(ws: Workspace, user_id: str, channel_id: str) -> Channel:
    """The channel, if the person may read it; refused as Slack's client would otherwise."""
    channel = ws.channels.get(channel_id)
    if channel is None or ((channel.is_private or channel.is_im) and user_id not in channel.members):
        raise ClientRefused(f"no conversation {channel_id} for {user_id}")
    return channel


def _own_ephemerals(ws: Workspace, user_id: str, channel_id: str) -> list[Ephemeral]:
    return [e for e in ws.ephemerals if e.channel == channel_id and e.user == user_id]


def history(ws: Workspace, user_id: str, channel_id: str, limit: int) -> Page:
    """The channel's newest ``limit`` top-level messages and the person's ephemerals, oldest first."""
    conversation(ws, user_id, channel_id)
    items: list[Item] = [
        m for m in ws.messages.get(channel_id, []) if m.thread_ts in (None, m.ts) or m.reply_broadcast
    ]
    items += [e for e in _own_ephemerals(ws, user_id, channel_id) if e.thread_ts is None]
    items.sort(key=lambda item: float(item.ts))
    return Page(items[-limit:], len(items) > limit)


def thread(ws: Workspace, user_id: str, channel_id: str, ts: str) -> list[Item]:
    """A thread's parent and replies, with the person's ephemerals in it, oldest first."""
    conversation(ws, user_id, channel_id)
    parent = ws.find_message(channel_id, ts)
    if parent is None:
        raise ClientRefused(f"no message {ts} in {channel_id}")
    items: list[Item] = [parent, *ws.replies(parent)]
    items += [e for e in _own_ephemerals(ws, user_id, channel_id) if e.thread_ts == ts]
    return sorted(items, key=lambda item: float(item.ts))


def find_item(ws: Workspace, user_id: str, channel_id: str, ts: str) -> Item:
    """A message, or one of the person's own ephemerals, that they can act on."""
    conversation(ws, user_id, channel_id)
    found = ws.find_message(channel_id, ts) or next(
        (e for e in _own_ephemerals(ws, user_id, channel_id) if e.ts == ts), None
    )
    if found is None:
        raise ClientRefused(f"no message {ts} in {channel_id}")
    return found


@dataclass
class ReadMarks:
    """How far each person has read each conversation, for the sidebar's unread marks: a conversation
    is read up to its newest message once the person's page has shown it."""

    read: dict[tuple[str, str], float] = field(default_factory=dict)

    def shown(self, user_id: str, page: Page) -> None:
        if page.items:
            item = page.items[-1]
            self.read[(user_id, item.channel)] = float(item.ts)

    def unread(self, ws: Workspace, user_id: str, channel: Channel) -> bool:
        """Whether someone else wrote in ``channel`` (a member's) since the person last looked."""
        if user_id not in channel.members:
            return False
        newest = history(ws, user_id, channel.id, 1).items
        if not newest or (isinstance(newest[0], Message) and newest[0].user == user_id):
            return False
        return float(newest[0].ts) > self.read.get((user_id, channel.id), 0.0)
