"""Use cases: people joining, leaving and talking in incident channels keep the participant list true.

Joining makes someone an Observer; talking counts as activity and makes an Observer a Participant;
leaving renounces one's roles, except that the commander of an active incident is brought back (an
incident must never be without its commander). Channels that are not incident channels, the bot
itself, other bots and system messages (joins, edits, ...) are ignored.

Events of one channel are handled one after another, in arrival order (`Serial`): a join and the
first messages of the same person arrive within milliseconds, and handling them concurrently would
race on the same participant row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatchbot.blocks.incidents import channel_events as blocks
from dispatchbot.blocks.incidents import incident as incident_blocks
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Role, Status
from dispatchbot.errors import ProviderError
from dispatchbot.flows.incidents import incident_channel
from dispatchbot.flows.tasks import task_status
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn, md, mention

log = get_logger(__name__)

PERSON_SUBTYPES = frozenset({"thread_broadcast", "file_share"})
"""Message subtypes that are still a person talking; every other subtype is a system message."""


class Serial:
    """Runs work for the same key one after another, in the order it was handed in."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, int] = {}

    async def run(self, key: str, work: Coroutine[Any, Any, None]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._pending[key] = self._pending.get(key, 0) + 1
        try:
            async with lock:
                await work
        finally:
            work.close()  # a no-op once it ran; if cancelled while queued, it is dropped without a warning
            self._pending[key] -= 1
            if not self._pending[key]:
                del self._pending[key], self._locks[key]


def is_person_message(event: dict[str, Any], bot_user_id: str) -> bool:
    """A message a person wrote (not the bot, another bot, or a join/leave/edit notice)."""
    subtype = event.get("subtype")
    return (
        (subtype is None or subtype in PERSON_SUBTYPES)
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
    )


async def member_joined(deps: Deps, event: dict[str, Any]) -> None:
    """A newcomer becomes an Observer, added by whoever invited them (or the commander)."""
    user_id = str(event["user"])
    if user_id == deps.identity.user_id:
        await channel_restored(deps, event)
        return
    incident = await _incident(deps, event, user_id)
    if incident is None or await _is_bot(deps, user_id):
        return
    current = await deps.participants.get(incident.id, user_id)
    if current is not None and current.active:
        return  # invited by the bot after being given a role, or a repeated event
    inviter = event.get("inviter")
    if inviter and inviter != deps.identity.user_id and not await _is_bot(deps, str(inviter)):
        added_by, reason = str(inviter), md("Invited by {who}", who=mention(str(inviter)))
    else:
        added_by, reason = incident.commander_id, Mrkdwn("Joined the channel")
    _participant, added = await deps.participants.add(
        incident.id, user_id, Role.OBSERVER, added_by=added_by, reason=reason
    )
    if added and incident.channel_id is not None:
        text, welcome = incident_blocks.welcome(incident)
        await _tell(deps, incident.channel_id, user_id, text, welcome)


async def channel_restored(deps: Deps, event: dict[str, Any]) -> None:
    """Someone unarchived a reopened incident's channel by hand (Slack lets only people do that):
    finish the reopen by inviting the participants and refreshing the header. Slack says so with a
    `channel_unarchive` event, or, when the bot had been removed, with the bot's own join."""
    incident = await _incident(deps, event, "")
    if incident is None or incident.channel_id is None:
        return
    people = [
        p.user_id for p in await deps.participants.members(incident.id) if p.user_id != deps.identity.user_id
    ]
    await deps.slack.invite(incident.channel_id, people)
    await incident_channel.refresh(deps, incident)
    text, notice = blocks.back_in_channel(incident)
    await deps.slack.post_message(incident.channel_id, text, notice)


async def member_left(deps: Deps, event: dict[str, Any]) -> None:
    """Leaving renounces one's roles; the commander of an open incident, and an assignee with open tasks,
    are invited straight back."""
    user_id = str(event["user"])
    incident = await _incident(deps, event, user_id)
    if incident is None or incident.channel_id is None:
        return
    if user_id == incident.commander_id:  # `_incident` already left out closed incidents
        await deps.slack.invite(incident.channel_id, [user_id])
        command = deps.settings.commands.name(Command.ASSIGN_ROLE)
        text, notice = blocks.commander_added_back(user_id, command)
        await deps.slack.post_message(incident.channel_id, text, notice)
        return
    if await task_status.keep_assignee(deps, incident, user_id):
        return
    await deps.participants.leave(incident.id, user_id)


async def message_posted(deps: Deps, event: dict[str, Any]) -> None:
    """Count activity, promote active Observers, and warn about threads and after-hours replies.

    Counting makes the sender a participant (an Observer if we never saw them join), and then records
    the message, by its channel and ts, for the activity cost model: thread replies, broadcasts and
    file shares count; a redelivered event is recorded once.
    """
    user_id = str(event["user"])
    incident = await _incident(deps, event, user_id)
    if incident is None or incident.channel_id is None:
        return
    channel = incident.channel_id
    settings = deps.settings.incidents
    _participant, promoted = await deps.participants.record_message(
        incident.id, user_id, settings.observer_promotion_messages
    )
    await deps.costs.record_activity(incident.id, user_id, channel, str(event["ts"]))
    if promoted:
        text, note = blocks.promoted(user_id)
        await deps.slack.post_message(channel, text, note)
    thread_ts = event.get("thread_ts")
    if settings.ban_threads and thread_ts and thread_ts != event.get("ts"):
        await _tell(deps, channel, user_id, blocks.THREAD_WARNING, thread_ts=str(thread_ts))
    if settings.after_hours_warning and user_id != incident.commander_id:
        await _after_hours(deps, incident, channel, user_id)


def outside_working_hours(now: datetime, zone: tzinfo, start_hour: int, end_hour: int) -> bool:
    local = now.astimezone(zone)
    return local.weekday() >= 5 or not start_hour <= local.hour < end_hour


async def _after_hours(deps: Deps, incident: Incident, channel: str, user_id: str) -> None:
    """Once per person and incident: replies may be slow, because the commander's day is over."""
    settings = deps.settings.incidents
    commander = await deps.slack.user(incident.commander_id)
    zone = _zone(commander.tz)
    if not outside_working_hours(
        deps.clock.now(), zone, settings.working_hours_start, settings.working_hours_end
    ):
        return
    if await deps.participants.mark_after_hours_notified(incident.id, user_id):
        text = blocks.after_hours_notice(
            incident, str(zone), settings.working_hours_start, settings.working_hours_end
        )
        await _tell(deps, channel, user_id, text)


async def _incident(deps: Deps, event: dict[str, Any], user_id: str) -> Incident | None:
    """The open incident of the event's channel, unless the event is about the bot itself."""
    if user_id == deps.identity.user_id:
        return None
    incident = await deps.incidents.by_channel(str(event.get("channel") or ""))
    if incident is None or incident.status is Status.CLOSED:
        return None
    return incident


async def _is_bot(deps: Deps, user_id: str) -> bool:
    try:
        return (await deps.slack.user(user_id)).is_bot
    except ProviderError:
        return False  # an unknown profile is still a person as far as the incident is concerned


async def _tell(
    deps: Deps,
    channel: str,
    user_id: str,
    text: Mrkdwn,
    blocks: list[dict[str, Any]] | None = None,
    *,
    thread_ts: str | None = None,
) -> None:
    """An ephemeral courtesy: if it cannot be shown (they left already), that is logged, not raised."""
    try:
        await deps.slack.post_ephemeral(channel, user_id, text, blocks, thread_ts=thread_ts)
    except ProviderError as exc:
        log.info("channel_event.ephemeral_failed", user=user_id, error=exc.detail)


def _zone(name: str) -> tzinfo:
    """The commander's time zone as Slack reports it; UTC when Slack's name is unknown here."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
