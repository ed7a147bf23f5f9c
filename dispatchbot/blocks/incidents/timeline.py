"""The timeline: the "Add Timeline Event" modal and its parser, the channel confirmation, and the
paginated timeline modal. Pure: domain in, Block Kit out; view state in, typed form out.

An event's description is mrkdwn (it mentions people). What someone typed into the form is escaped
once, by `event_description`, before it is stored or shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatchbot.blocks.common import (
    PLAIN_INPUT_LIMIT,
    Message,
    buttons,
    context,
    date_input,
    header,
    incident_form,
    modal,
    picked_date,
    picked_time,
    section,
    select_input,
    state_value,
    text_input,
    time_input,
)
from dispatchbot.domain import Incident, TimelineEvent
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import ActionId, BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, escape, link, localized, md, mention, trusted

DESCRIPTION_LIMIT = PLAIN_INPUT_LIMIT
LINKED_TEXT_SHOWN = 2700
"""A captured message's text in its timeline line, leaving room for the time, actor and the link to it."""
FUTURE_TOLERANCE = timedelta(minutes=1)
"""A time picked to the minute may be a little ahead of our clock without being made up."""

_DATE = re.compile(r"\bDATE\s+(\d{4}-\d{1,2}-\d{1,2})\b")
_TIME = re.compile(r"\bTIME\s+(\d{1,2}:\d{2})\b")
_DESC = re.compile(r"^\s*DESC\b")
ParsedT = TypeVar("ParsedT")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_BROADCAST = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|@?([^>]*))?>")


@dataclass(frozen=True)
class Prefill:
    """What the command text says: the description, and a date and time when it names them."""

    description: str
    date: date | None
    time: time | None


@dataclass(frozen=True)
class EventForm:
    """A submitted event: what happened and when, already converted to UTC."""

    description: str
    occurred_at: datetime
    timezone: str


def parse_command_text(text: str) -> Prefill:
    """`DB failover DATE 2026-11-20 TIME 14:05` → description, date, time. Dispatch's `DESC` prefix is
    accepted too. A DATE or TIME that is not a real date or time stays in the description, unparsed."""
    remaining = _DESC.sub("", text, count=1)
    day = moment = None
    match = _DATE.search(remaining)
    if match:
        day = _parsed(date.fromisoformat, _padded_date(match.group(1)))
        if day is not None:
            remaining = remaining[: match.start()] + remaining[match.end() :]
    match = _TIME.search(remaining)
    if match:
        moment = _parsed(time.fromisoformat, match.group(1).zfill(5))
        if moment is not None:
            remaining = remaining[: match.start()] + remaining[match.end() :]
    return Prefill(" ".join(remaining.split()), day, moment)


def add_event_modal(incident: Incident, prefill: Prefill, user_tz: str, now: datetime) -> dict[str, Any]:
    """The form, prefilled from the command text; a date or time it did not name is now, in the
    person's Slack time zone (which is also the preselected time zone)."""
    local_now = now.astimezone(zone_or_utc(user_tz))
    zones = (
        [("UTC", "UTC")]
        if user_tz == "UTC"
        else [(f"My Slack time zone ({user_tz})", user_tz), ("UTC", "UTC")]
    )
    blocks = [
        context(
            md(
                "Add an event to the timeline of *{reference}*. The channel sees what you add.",
                reference=incident.reference,
            )
        ),
        text_input(
            BlockId.DESCRIPTION,
            "Description",
            initial=prefill.description,
            multiline=True,
            max_length=DESCRIPTION_LIMIT,
            placeholder="What happened?",
        ),
        date_input(BlockId.DATE, "Date", prefill.date or local_now.date()),
        time_input(BlockId.TIME, "Time", prefill.time or local_now.time()),
        select_input(BlockId.TIMEZONE, "Timezone", zones, initial=user_tz),
    ]
    return incident_form(
        CallbackId.ADD_TIMELINE_EVENT, "Add Timeline Event", blocks, incident.id, submit="Add"
    )


def read_event_form(values: dict[str, Any], now: datetime) -> EventForm:
    """The event, or `InvalidForm` with a message per field (a time in the future is refused: the
    timeline records what happened, and a typo in the date should not pass as a plan)."""
    errors: dict[str, str] = {}
    description = str(state_value(values, BlockId.DESCRIPTION)).strip()
    if not description:
        errors[BlockId.DESCRIPTION] = "Say what happened."
    elif len(description) > DESCRIPTION_LIMIT:
        errors[BlockId.DESCRIPTION] = f"Keep this within {DESCRIPTION_LIMIT} characters."
    day = picked_date(values, BlockId.DATE)
    if day is None:
        errors[BlockId.DATE] = "Pick the day it happened."
    moment = picked_time(values, BlockId.TIME)
    if moment is None:
        errors[BlockId.TIME] = "Pick the time it happened."
    timezone = str(state_value(values, BlockId.TIMEZONE) or "")
    zone = _zone(timezone)
    if zone is None:
        errors[BlockId.TIMEZONE] = "Choose a time zone."
    if errors or day is None or moment is None or zone is None:
        raise InvalidForm(errors)
    occurred_at = datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)
    if occurred_at > now + FUTURE_TOLERANCE:
        local_now = now.astimezone(zone)
        field = BlockId.DATE if day > local_now.date() else BlockId.TIME
        raise InvalidForm(
            {field: f"That is in the future: it is {local_now:%Y-%m-%d %H:%M} in {timezone} now."}
        )
    return EventForm(description, occurred_at, timezone)


def event_description(form: EventForm) -> Mrkdwn:
    """What the timeline stores for a hand-added event: the typed text, escaped."""
    return escape(form.description)


def confirmation(actor_id: str, form: EventForm) -> Message:
    """The channel hears what was added (Dispatch stayed silent, and its users asked for this)."""
    text = md(
        "{actor} added to the timeline: {when}, {description}",
        actor=mention(actor_id),
        when=when(form.occurred_at),
        description=event_description(form),
    )
    return text, [section(md(":stopwatch: {text}", text=text))]


def when(moment: datetime) -> Mrkdwn:
    """A time every reader sees in their own time zone; the fallback (notifications, old clients) is UTC."""
    return localized(moment, "{date_short_pretty} {time}", format_utc(moment) + " UTC")


def format_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned as `<@U…>` in a message, each once, in order."""
    return list(dict.fromkeys(_MENTION.findall(text)))


def captured_text(text: str, names: dict[str, str]) -> Mrkdwn:
    """A captured message's text (mrkdwn as Slack sent it) for the timeline: `<@U…>` as `@Name` (the
    timeline outlives the workspace: exports, reviews) and broadcasts and group mentions as words, so
    showing or exporting the event can never notify anyone again."""
    text = _BROADCAST.sub(lambda match: f"@{match.group(1)}", _with_names(text, names))
    return trusted(_GROUP.sub(lambda match: f"@{match.group(1) or 'group'}", text))


def _with_names(text: str, names: dict[str, str]) -> str:
    """`<@U…>` replaced by `@Name`: the timeline outlives the workspace (exports, reviews)."""
    return _MENTION.sub(lambda match: f"@{escape(names.get(match.group(1), match.group(1)))}", text)


def timeline_modal(
    incident: Incident, events: list[TimelineEvent], *, page: int | None, page_size: int, hint: Mrkdwn
) -> dict[str, Any]:
    """One page of the timeline, oldest first; `page` None opens the last (the most recent events).
    One section per event keeps every text within 3,000 characters; page_size ≤ 40 keeps the
    modal far below 100 blocks."""
    pages = max(1, -(-len(events) // page_size))
    shown_page = pages - 1 if page is None else min(max(page, 0), pages - 1)
    shown = events[shown_page * page_size : (shown_page + 1) * page_size]
    blocks = [
        header(f"{incident.reference}: {incident.title}"),
        context(
            md(
                "{count} event{s} · page {page} of {pages} · times in UTC, oldest first",
                count=len(events),
                s="" if len(events) == 1 else "s",
                page=shown_page + 1,
                pages=pages,
            )
        ),
        *(
            [section(event_line(event)) for event in shown]
            or [section(Mrkdwn("_Nothing on the timeline yet._"))]
        ),
    ]
    navigation = []
    if shown_page > 0:
        navigation.append(("Previous", ActionId.TIMELINE_PREVIOUS, f"{incident.id}:{shown_page - 1}"))
    if shown_page < pages - 1:
        navigation.append(("Next", ActionId.TIMELINE_NEXT, f"{incident.id}:{shown_page + 1}"))
    if navigation:
        blocks.append(buttons(*navigation))
    blocks.append(context(hint))
    return modal(
        CallbackId.TIMELINE,
        f"{incident.reference} timeline",
        blocks,
        close="Close",
        private_metadata=str(incident.id),
    )


def read_page_value(value: str) -> tuple[int, int]:
    """The (incident id, page) a Previous/Next button carries."""
    incident_id, _, page = value.partition(":")
    return int(incident_id), int(page or 0)


def event_line(event: TimelineEvent) -> Mrkdwn:
    """`time · actor · text`; the actor is left out when the text already names them."""
    parts = [md("*{when}*", when=format_utc(event.occurred_at))]
    if event.actor_id and mention(event.actor_id) not in event.description:
        parts.append(mention(event.actor_id))
    text = event.description
    permalink = event.details.get("permalink")
    if permalink:
        text = md("{text} ({link})", text=text.clip(LINKED_TEXT_SHOWN), link=link(str(permalink), "message"))
    parts.append(text)
    return Mrkdwn(" · ").join(parts)


def zone_or_utc(name: str) -> ZoneInfo:
    return _zone(name) or ZoneInfo("UTC")


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _padded_date(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{month.zfill(2)}-{day.zfill(2)}"


def _parsed(parse: Callable[[str], ParsedT], text: str) -> ParsedT | None:
    try:
        return parse(text)
    except ValueError:
        return None
