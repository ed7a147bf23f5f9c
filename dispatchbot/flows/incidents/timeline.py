"""Use cases of the incident timeline: add an event by hand, capture a message with a reaction, read it.

Automatic events (creation, field changes, roles, people joining and leaving) are written by the
services in the same transaction as the change. Here: a commander or scribe adds an event
(`/dispatch-add-timeline-event`), stored once per submitted view and confirmed in the channel by a
durable run; anyone in the channel adds a message by reacting with the configured emoji (taking the
last such reaction back removes it); and anyone who may see the incident reads the timeline in a
paginated modal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dispatchbot.blocks.incidents import timeline as timeline_blocks
from dispatchbot.blocks.incidents.timeline import EventForm
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident
from dispatchbot.errors import ProviderError
from dispatchbot.flows import access, forms, posting
from dispatchbot.flows.posting import PostingState
from dispatchbot.flows.run_models import IncidentArgs
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn, md

log = get_logger(__name__)

ACTION = "add to the timeline"
CUSTOM = "custom"
MESSAGE = "message"
EMPTY_MESSAGE = Mrkdwn("_(a message without text)_")

# ------------------------------------------------------------------ adding an event by hand


async def incident_for_command(deps: Deps, channel_id: str, user_id: str) -> Incident:
    """This channel's incident, if the caller is its commander or scribe."""
    return await access.managed_incident_in_channel(
        deps, channel_id, user_id, Command.ADD_TIMELINE_EVENT, ACTION
    )


async def open_form(deps: Deps, trigger_id: str, incident: Incident, user_id: str, text: str) -> None:
    """Open the form prefilled from the command text, in the person's Slack time zone."""
    person = await deps.slack.user(user_id)
    view = timeline_blocks.add_event_modal(
        incident, timeline_blocks.parse_command_text(text), person.tz, deps.clock.now()
    )
    await forms.show(deps, trigger_id, view, user_id)


class TimelineEventArgs(IncidentArgs):
    """The submitted event, the text as typed; `requested_by` is who added it."""

    description: str
    occurred_at: datetime
    timezone: str
    requested_by: str


TimelineContext = RunContext[Deps, TimelineEventArgs, PostingState]


async def submit(deps: Deps, view_id: str, incident_id: int, form: EventForm, user_id: str) -> None:
    """Check again (the role may have moved while the form was open), then start the run that stores
    the event and tells the channel; a repeated submission of the same view joins the first run."""
    incident = await deps.incidents.get(incident_id)
    await access.require_manager(deps, incident, user_id, ACTION)
    args = TimelineEventArgs(
        incident_id=incident_id,
        description=form.description,
        occurred_at=form.occurred_at,
        timezone=form.timezone,
        requested_by=user_id,
    )
    await deps.runs.start(ADD_TIMELINE_EVENT, key=f"view:{view_id}", args=args)


async def record(ctx: TimelineContext) -> None:
    """Store the event once: the source key is the run's (the submitted view's) key."""
    form = _form(ctx)
    await ctx.deps.incidents.add_event(
        ctx.args.incident_id,
        CUSTOM,
        timeline_blocks.event_description(form),
        ctx.args.requested_by,
        f"timeline:{ctx.key}",
        occurred_at=form.occurred_at,
        details={"timezone": form.timezone},
    )


async def confirm(ctx: TimelineContext) -> None:
    """Say in the channel what was added. The post carries a marker, so a run resumed after a crash in
    mid-post finds it instead of posting twice; an archived channel takes no posts and is skipped."""
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    if incident.channel_id is None:
        return
    message = timeline_blocks.confirmation(ctx.args.requested_by, _form(ctx))
    await posting.post_once(ctx, "confirmation", incident.channel_id, message, skip_archived=True)


def _form(ctx: TimelineContext) -> EventForm:
    """The submitted event as the run's arguments keep it (the text as typed)."""
    args = ctx.args
    return EventForm(args.description, args.occurred_at, args.timezone)


ADD_TIMELINE_EVENT = Flow.of(
    "add_timeline_event",
    "Adding the timeline event",
    TimelineEventArgs,
    PostingState,
    steps=(Step("record", record), Step("confirm", confirm)),
)


# ------------------------------------------------------------------ capturing messages by reaction


def is_capture_reaction(event: dict[str, Any], emoji: str) -> bool:
    """The configured emoji (none configured: the feature is off) on a message, not a file."""
    item = event.get("item") or {}
    return bool(emoji) and event.get("reaction") == emoji and item.get("type") == "message"


def source_key(channel: str, ts: str) -> str:
    """One event per message, however many people react to it."""
    return f"reaction:{channel}:{ts}"


async def capture(deps: Deps, event: dict[str, Any]) -> None:
    """Add the reacted-to message to its incident's timeline, at the time it was posted."""
    channel, ts = _item(event)
    incident = await deps.incidents.by_channel(channel)
    if incident is None:
        return
    message = await deps.slack.message(channel, ts)
    if message is None:
        log.info("timeline.message_gone", channel=channel, ts=ts)
        return
    added = await deps.incidents.add_event(
        incident.id,
        MESSAGE,
        await _readable(deps, message.text),
        message.user or None,
        source_key(channel, ts),
        occurred_at=datetime.fromtimestamp(float(ts), UTC),
        details={
            "channel": channel,
            "ts": ts,
            "added_by": str(event.get("user") or ""),
            "permalink": await _permalink(deps, channel, ts),
        },
    )
    log.info("timeline.message_captured", incident=incident.reference, ts=ts, new=added)


async def release(deps: Deps, event: dict[str, Any]) -> None:
    """Someone took their reaction back: the message leaves the timeline once nobody has the emoji
    on it any more (another person's reaction still says "this belongs on the timeline")."""
    channel, ts = _item(event)
    if await deps.incidents.by_channel(channel) is None:
        return
    message = await deps.slack.message(channel, ts)
    if message is not None and message.reactions.get(str(event.get("reaction")), 0) > 0:
        return
    removed = await deps.incidents.remove_event(source_key(channel, ts))
    log.info("timeline.message_released", channel=channel, ts=ts, removed=removed)


# ------------------------------------------------------------------ reading the timeline


async def open_timeline(deps: Deps, trigger_id: str, incident: Incident, user_id: str) -> None:
    """Open the timeline on its last page (what happened most recently)."""
    await forms.show(deps, trigger_id, await _timeline_view(deps, incident, None), user_id)


async def show_page(deps: Deps, view_id: str, incident: Incident, page: int) -> None:
    """Previous/Next: the same modal, another page (events added meanwhile are included)."""
    await deps.slack.update_view(view_id, await _timeline_view(deps, incident, page))


async def _timeline_view(deps: Deps, incident: Incident, page: int | None) -> dict[str, Any]:
    settings = deps.settings.timeline
    command = deps.settings.commands.name(Command.ADD_TIMELINE_EVENT)
    hint = (
        md(
            "Add to it with `{command}`, or react to a message in the channel with :{emoji}:.",
            command=command,
            emoji=settings.reaction,
        )
        if settings.reaction
        else md("Add to it with `{command}`.", command=command)
    )
    return timeline_blocks.timeline_modal(
        incident,
        await deps.incidents.timeline(incident.id),
        page=page,
        page_size=settings.page_size,
        hint=hint,
    )


def _item(event: dict[str, Any]) -> tuple[str, str]:
    item = event.get("item") or {}
    return str(item.get("channel") or ""), str(item.get("ts") or "")


async def _readable(deps: Deps, text: str) -> Mrkdwn:
    """The message text (mrkdwn, as Slack sent it) with mentions as names and broadcasts as words; a
    name that cannot be looked up stays an id."""
    names: dict[str, str] = {}
    for user_id in timeline_blocks.mentioned_users(text):
        try:
            names[user_id] = (await deps.slack.user(user_id)).name
        except ProviderError:
            log.info("timeline.mention_unresolved", user=user_id)
    readable = timeline_blocks.captured_text(text.strip(), names)
    return readable.clip(timeline_blocks.DESCRIPTION_LIMIT) or EMPTY_MESSAGE


async def _permalink(deps: Deps, channel: str, ts: str) -> str:
    """A link back to the message for the timeline view; the event stands without one."""
    try:
        return await deps.slack.permalink(channel, ts)
    except ProviderError:
        return ""
