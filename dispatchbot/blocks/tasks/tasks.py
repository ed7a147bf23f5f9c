"""Incident tasks in Slack: the "Create Task" modal and its parser, the task card in the incident channel
(redrawn in place on every status change), the task lists, the overdue reminder and the notices.

Pure: domain in, Block Kit out; view state in, typed form out.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatchbot.blocks.common import (
    MODAL_BLOCK_LIMIT,
    Message,
    buttons,
    clip,
    context,
    date_input,
    fields,
    header,
    modal,
    picked_date,
    picked_time,
    plain,
    section,
    state_value,
    text_input,
    time_input,
    users_input,
)
from dispatchbot.domain import Incident, Task, TaskStatus
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import ActionId, BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, localized, md, mention, mentions

DESCRIPTION_LIMIT = 1500
"""Long enough for a real instruction; short enough that a card or list line never nears 3,000."""
MAX_ASSIGNEES = 20
LIST_LINE_LIMIT = 2900
MINE = "mine"
"""The list scope of `/dispatch-list-my-tasks`; an incident's list is scoped by its id."""


@dataclass(frozen=True)
class TaskForm:
    """A submitted "Create Task" form; the due time is already converted to UTC."""

    assignees: tuple[str, ...]
    description: str
    due_at: datetime


# ------------------------------------------------------------------ the Create Task modal


def create_task_modal(incident: Incident, tz: str, now: datetime, due_in_hours: float) -> dict[str, Any]:
    """The form. The due date and time default to now + `due_in_hours`, shown and read in the person's
    Slack time zone (`tz`, carried in private_metadata so the submission is read the same way)."""
    zone = zone_or_utc(tz)
    due = (now + timedelta(hours=due_in_hours)).astimezone(zone)
    blocks = [
        context(
            md(
                "Create a task in *{reference}*. It is posted in the channel; assignees who are not "
                "in the incident yet are added to it.",
                reference=incident.reference,
            )
        ),
        users_input(BlockId.ASSIGNEES, "Assignees", multi=True),
        text_input(
            BlockId.DESCRIPTION,
            "Description",
            multiline=True,
            max_length=DESCRIPTION_LIMIT,
            placeholder="What needs to be done?",
        ),
        date_input(BlockId.DATE, "Due date", due.date()),
        time_input(BlockId.TIME, "Due time", due.time()),
        context(md("Due date and time are in your Slack time zone ({zone}).", zone=zone.key)),
    ]
    metadata = json.dumps({"incident_id": incident.id, "tz": zone.key})
    return modal(CallbackId.CREATE_TASK, "Create Task", blocks, submit="Create", private_metadata=metadata)


def read_form_context(private_metadata: str) -> tuple[int, str]:
    """The (incident id, time zone) the form was opened with."""
    found = json.loads(private_metadata)
    return int(found["incident_id"]), str(found["tz"])


def read_task_form(values: dict[str, Any], tz: str) -> TaskForm:
    """The task, or `InvalidForm` with a message per field. A due time in the past is accepted: the
    task is then overdue at once, which is what someone recording late work means."""
    errors: dict[str, str] = {}
    assignees = tuple(dict.fromkeys(str(user) for user in state_value(values, BlockId.ASSIGNEES)))
    if not assignees:
        errors[BlockId.ASSIGNEES] = "Choose who should do it."
    elif len(assignees) > MAX_ASSIGNEES:
        errors[BlockId.ASSIGNEES] = f"Assign at most {MAX_ASSIGNEES} people."
    description = str(state_value(values, BlockId.DESCRIPTION)).strip()
    if not description:
        errors[BlockId.DESCRIPTION] = "Say what needs to be done."
    elif len(description) > DESCRIPTION_LIMIT:
        errors[BlockId.DESCRIPTION] = f"Keep this within {DESCRIPTION_LIMIT} characters."
    day = picked_date(values, BlockId.DATE)
    if day is None:
        errors[BlockId.DATE] = "Pick the day it is due."
    moment = picked_time(values, BlockId.TIME)
    if moment is None:
        errors[BlockId.TIME] = "Pick the time it is due."
    if errors or day is None or moment is None:
        raise InvalidForm(errors)
    due_at = datetime.combine(day, moment, tzinfo=zone_or_utc(tz)).astimezone(UTC)
    return TaskForm(assignees, description, due_at)


# ------------------------------------------------------------------ the task card in the channel


def task_card(task: Task) -> Message:
    """The channel's message for a task: who, what, when, its status, and the button that changes it.
    Its first block id marks it, so a post retried after a crash can find it was already sent."""
    text = md("Task for {people}: {description}", people=people(task.assignees), description=task.description)
    return text, [
        {
            **section(
                md(
                    "{icon} *Task* created by {creator}\n{description}",
                    icon=_status_icon(task),
                    creator=mention(task.creator_id),
                    description=task.description,
                )
            ),
            "block_id": card_marker(task.id),
        },
        fields([("Assignees", people(task.assignees)), ("Due", when(task.due_at)), ("Status", status(task))]),
        buttons(_status_button(task)),
    ]


def card_marker(task_id: int) -> str:
    return f"task-{task_id}"


# ------------------------------------------------------------------ the task lists


def tasks_modal(
    title: str,
    intro: Mrkdwn,
    tasks: list[Task],
    *,
    changeable: Collection[int],
    references: Mapping[int, str] | None = None,
    scope: str,
) -> dict[str, Any]:
    """Open and Resolved sections, one block per task (its button as the accessory, shown to those who
    may use it), bounded to fit in a modal with a note of what was left out. Open tasks come first,
    soonest due first; resolved ones latest first. `references` (incident id → "INC-n") labels each
    task with its incident when the list spans several; `scope` tells a redraw what to list again."""
    open_tasks = sorted((t for t in tasks if t.status is TaskStatus.OPEN), key=lambda t: (t.due_at, t.id))
    resolved = sorted(
        (t for t in tasks if t.status is TaskStatus.RESOLVED),
        key=lambda t: (t.resolved_at or t.created_at, t.id),
        reverse=True,
    )
    budget = MODAL_BLOCK_LIMIT - 6  # intro, two headers, two "more" notes, and one to spare
    shown_open = open_tasks[:budget]
    shown_resolved = resolved[: budget - len(shown_open)]
    blocks = [context(intro)]
    for heading, group, shown in (
        ("Open tasks", open_tasks, shown_open),
        ("Resolved tasks", resolved, shown_resolved),
    ):
        blocks.append(header(f"{heading} ({len(group)})"))
        blocks.extend(_task_line(t, t.id in changeable, references) for t in shown)
        if not group:
            blocks.append(context(Mrkdwn("No tasks.")))
        elif len(shown) < len(group):
            blocks.append(context(md("…and {more} more not shown.", more=len(group) - len(shown))))
    return modal(CallbackId.TASKS, title, blocks, close="Close", private_metadata=scope)


def _task_line(task: Task, changeable: bool, references: Mapping[int, str] | None) -> dict[str, Any]:
    where = (
        md("*{reference}* · ", reference=references[task.incident_id])
        if references and task.incident_id in references
        else Mrkdwn("")
    )
    text = md(
        "{where}{description}\nAssigned to {people} by {creator} · due {due}",
        where=where,
        description=escape(task.description).clip(DESCRIPTION_LIMIT),  # escaped first: room for the rest
        people=people(task.assignees),
        creator=mention(task.creator_id),
        due=when(task.due_at),
    )
    if task.status is TaskStatus.RESOLVED:
        text = md("{text}\n{status}", text=text, status=status(task))
    line = section(text.clip(LIST_LINE_LIMIT))
    if changeable:
        label, action_id, value = _status_button(task)
        line["accessory"] = {
            "type": "button",
            "text": plain(label, 75),
            "action_id": action_id,
            "value": value,
        }
    return line


# ------------------------------------------------------------------ reminders and notices


def overdue_reminder(task: Task, incident: Incident) -> Message:
    """The DM each assignee gets while a task is overdue, with the Resolve button; redrawn once the
    task is resolved so an old reminder does not keep asking."""
    reference, description = incident.reference, task.description
    if task.status is TaskStatus.RESOLVED:
        text = md(
            "Your task in {reference} is resolved: {description}",
            reference=reference,
            description=description,
        )
        return text, [
            section(
                md(
                    ":white_check_mark: {status} — your task in *{reference}*:\n{description}",
                    status=status(task),
                    reference=reference,
                    description=description,
                )
            )
        ]
    text = md(
        "Your task in {reference} is overdue: {description}", reference=reference, description=description
    )
    return text, [
        section(
            md(
                ":alarm_clock: Your task in *{reference}* ({channel}) was due {due}:\n{description}",
                reference=reference,
                channel=channel(incident.channel_id or ""),
                due=when(task.due_at),
                description=description,
            )
        ),
        context(
            Mrkdwn("Resolve it when it is done, or ask the incident commander to hand it to someone else.")
        ),
        buttons(("Resolve", ActionId.RESOLVE_TASK, str(task.id))),
    ]


def added_for_task(incident: Incident, creator_id: str, description: str) -> Mrkdwn:
    return md(
        "You were added to {reference} because {creator} assigned you a task: {description}",
        reference=incident.reference,
        creator=mention(creator_id),
        description=clip(description, 500),
    )


def stay_for_tasks(incident: Incident, tasks: list[Task]) -> Mrkdwn:
    """Why someone who left was brought back into the channel."""
    listed = Mrkdwn("\n").join(
        md("• {description}", description=clip(task.description, 200)) for task in tasks[:10]
    )
    more = md("\n…and {more} more", more=len(tasks) - 10) if len(tasks) > 10 else Mrkdwn("")
    return md(
        "Please resolve or hand over your open tasks before leaving {reference}. "
        "I added you back because these are still assigned to you:\n{listed}{more}",
        reference=incident.reference,
        listed=listed,
        more=more,
    )


# ------------------------------------------------------------------ shared pieces


def people(user_ids: Collection[str]) -> Mrkdwn:
    return mentions(user_ids)


def status(task: Task) -> Mrkdwn:
    if task.status is TaskStatus.OPEN:
        return Mrkdwn("Open")
    return md(
        "Resolved{by}{at}",
        by=md(" by {who}", who=mention(task.resolved_by)) if task.resolved_by else Mrkdwn(""),
        at=md(" {when}", when=when(task.resolved_at)) if task.resolved_at else Mrkdwn(""),
    )


def when(moment: datetime) -> Mrkdwn:
    """A time every reader sees in their own time zone; the fallback (notifications, old clients) is UTC."""
    return localized(
        moment, "{date_short_pretty} {time}", moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )


def zone_or_utc(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _status_icon(task: Task) -> str:
    return ":white_check_mark:" if task.status is TaskStatus.RESOLVED else ":large_blue_circle:"


def _status_button(task: Task) -> tuple[str, str, str]:
    if task.status is TaskStatus.OPEN:
        return "Resolve", ActionId.RESOLVE_TASK, str(task.id)
    return "Re-open", ActionId.REOPEN_TASK, str(task.id)
