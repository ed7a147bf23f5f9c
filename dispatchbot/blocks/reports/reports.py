"""Tactical and executive reports: their modals and parser, the report message, and the reminder DM.

Pure: domain in, Block Kit out; view state in, typed values out. Both report kinds are described by the
same field table, so the modal, the parser and the message can never disagree about a field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dispatchbot.blocks.common import (
    Message,
    context,
    header,
    incident_form,
    option,
    section,
    state_value,
    text_input,
)
from dispatchbot.domain import Incident, Report, ReportKind, Task, TaskStatus
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import ActionId, BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, channel, localized, md, mention

FIELD_LIMIT = 2900
"""Below the 3,000 characters of a section, so a field and its label always fit one block."""

NOTHING_STATED = Mrkdwn("_Nothing stated._")
SNOOZE_CHOICES = (30, 60, 120)
"""Minutes a reminder may be put off by, as Dispatch offers them."""


@dataclass(frozen=True)
class ReportField:
    key: str  # the key in `Report.details`
    block_id: BlockId
    label: str
    placeholder: str
    optional: bool = False


FIELDS: dict[ReportKind, tuple[ReportField, ...]] = {
    ReportKind.TACTICAL: (
        ReportField("conditions", BlockId.CONDITIONS, "Conditions", "What is the situation right now?"),
        ReportField("actions", BlockId.ACTIONS, "Actions", "What is being done, and by whom?"),
        ReportField("needs", BlockId.NEEDS, "Needs", "What help is needed?", optional=True),
    ),
    ReportKind.EXECUTIVE: (
        ReportField(
            "current_status", BlockId.CURRENT_STATUS, "Current status", "Where do things stand, in a line?"
        ),
        ReportField("overview", BlockId.OVERVIEW, "Overview", "What happened and what is the impact?"),
        ReportField("next_steps", BlockId.NEXT_STEPS, "Next steps", "What happens next?", optional=True),
    ),
}

CALLBACKS = {
    ReportKind.TACTICAL: CallbackId.REPORT_TACTICAL,
    ReportKind.EXECUTIVE: CallbackId.REPORT_EXECUTIVE,
}
TITLES = {ReportKind.TACTICAL: "Tactical Report", ReportKind.EXECUTIVE: "Executive Report"}


def tactical_modal(incident: Incident, previous: Report | None, tasks: list[Task]) -> dict[str, Any]:
    """Prefilled from the last tactical report; with no actions written yet, the open tasks stand in."""
    initial = dict(previous.details) if previous is not None else {}
    if not initial.get("actions"):
        initial["actions"] = "\n".join(f"• {t.description}" for t in tasks if t.status is TaskStatus.OPEN)
    note = md(
        "For the people working on *{reference}*: posted and pinned in its channel, "
        "and sent to subscribers and notification channels.",
        reference=incident.reference,
    )
    return _modal(ReportKind.TACTICAL, incident, initial, note, submit="Post")


def executive_modal(
    incident: Incident, previous: Report | None, targets: list[str], group_command: str
) -> dict[str, Any]:
    """Prefilled from the last executive report, saying who will receive it."""
    initial = dict(previous.details) if previous is not None else {}
    return _modal(
        ReportKind.EXECUTIVE, incident, initial, recipients_note(targets, group_command), submit="Send"
    )


def recipients_note(targets: list[str], group_command: str) -> Mrkdwn:
    """Who an executive report goes to, so nobody has to guess before pressing Send."""
    channels = [channel(target) for target in targets if not _is_person(target)]
    people = [mention(target) for target in targets if _is_person(target)]
    recipients = channels + people
    if not recipients:
        return md(
            "Posted in the incident channel only: nobody else is set to receive it. Add people or channels "
            "to the notifications group with `{command}`.",
            command=group_command,
        )
    return md(
        "Sent to {recipients}, and posted in the incident channel. "
        "Change the notifications group with `{command}`.",
        recipients=_joined(recipients),
        command=group_command,
    )


def read_report_form(kind: ReportKind, values: dict[str, Any]) -> dict[str, str]:
    """The report's details by field key, or `InvalidForm` pointing at the fields to fix."""
    details: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in FIELDS[kind]:
        text = str(state_value(values, field.block_id)).strip()
        if not text and not field.optional:
            errors[field.block_id] = f"Write the {field.label.lower()}."
        elif len(text) > FIELD_LIMIT:
            errors[field.block_id] = f"Keep this within {FIELD_LIMIT} characters (it has {len(text)})."
        details[field.key] = text
    if errors:
        raise InvalidForm(errors)
    return details


def report_message(incident: Incident, report: Report, *, copy: bool = False) -> Message:
    """The report as everyone reads it; a `copy` (sent outside the channel) says where the incident lives."""
    title = f"{report.kind.label} for {incident.reference}"
    blocks = [header(f"{title}: {incident.title}")]
    for field in FIELDS[report.kind]:
        blocks.append(
            section(
                md(
                    "*{label}*\n{value}",
                    label=field.label,
                    value=report.details.get(field.key) or NOTHING_STATED,
                )
            )
        )
    author = mention(report.author_id)
    footer = md("Written by {author} on {when}", author=author, when=_when(report.created_at))
    if copy and incident.channel_id is not None:
        footer = md(
            "{footer} · the incident's channel is {channel}",
            footer=footer,
            channel=channel(incident.channel_id),
        )
    blocks.append(context(footer))
    return md("{title} by {author}", title=title, author=author), blocks


def reminder_message(incident: Incident, kind: ReportKind, every: timedelta, command: str) -> Message:
    """The DM to the commander: write the report now (same form as the command), or be reminded later."""
    text = md("It's time for {report} on {reference}", report=a_report(kind), reference=incident.reference)
    where = channel(incident.channel_id) if incident.channel_id else Mrkdwn("the incident channel")
    blocks = [
        section(
            md(
                ":memo: {text} — {title}.\nAt *{priority}* priority one is due every {every}. "
                "Write it here, or with `{command}` in {where}.",
                text=text,
                title=incident.title,
                priority=incident.priority,
                every=duration(every),
                command=command,
                where=where,
            )
        ),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Write report"},
                    "action_id": ActionId.WRITE_REPORT,
                    "value": report_value(kind, incident.id),
                    "style": "primary",
                },
                {
                    "type": "static_select",
                    "action_id": ActionId.SNOOZE_REPORT_REMINDER,
                    "placeholder": {"type": "plain_text", "text": "Remind me again in…"},
                    "options": [
                        option(duration(timedelta(minutes=minutes)), snooze_value(kind, incident.id, minutes))
                        for minutes in SNOOZE_CHOICES
                    ],
                },
            ],
        },
    ]
    return text, blocks


def a_report(kind: ReportKind) -> str:
    """The report kind with its article, "an executive report", for sentences about one."""
    return f"{'an' if kind is ReportKind.EXECUTIVE else 'a'} {kind.label.lower()}"


def snoozed_text(minutes: int) -> Mrkdwn:
    return md("I'll remind you again in {duration}.", duration=duration(timedelta(minutes=minutes)))


def nothing_to_snooze_text(incident: Incident, kind: ReportKind) -> Mrkdwn:
    return md(
        "There is no {kind} reminder for {reference} any more (it is {status}), "
        "so there is nothing to put off.",
        kind=kind.label.lower(),
        reference=incident.reference,
        status=incident.status.label.lower(),
    )


def report_value(kind: ReportKind, incident_id: int) -> str:
    """The Write report button's value: the DM it sits in says nothing about the incident."""
    return f"{kind.value}:{incident_id}"


def snooze_value(kind: ReportKind, incident_id: int, minutes: int) -> str:
    return f"{kind.value}:{incident_id}:{minutes}"


def read_report_value(value: str) -> tuple[ReportKind, int]:
    """(kind, incident id) from a Write report button; a tampered value reads as a missing incident."""
    kind, incident_id, _rest = _parts(value, 2)
    return kind, incident_id


def read_snooze_value(value: str) -> tuple[ReportKind, int, int]:
    """(kind, incident id, minutes) from a snooze choice; only the offered durations are accepted."""
    kind, incident_id, (minutes,) = _parts(value, 3)
    if not minutes.isdigit() or int(minutes) not in SNOOZE_CHOICES:
        raise NotFound("That reminder choice is not one I offered.")
    return kind, incident_id, int(minutes)


def duration(span: timedelta) -> str:
    """`2 hours`, `1 hour`, `30 minutes`, `1 hour 30 minutes`: how people say it."""
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def _modal(
    kind: ReportKind, incident: Incident, initial: dict[str, str], note: Mrkdwn, *, submit: str
) -> dict[str, Any]:
    blocks = [context(note)]
    blocks += [
        text_input(
            field.block_id,
            field.label,
            initial=initial.get(field.key, ""),
            multiline=True,
            max_length=FIELD_LIMIT,
            placeholder=field.placeholder,
            optional=field.optional,
        )
        for field in FIELDS[kind]
    ]
    return incident_form(CALLBACKS[kind], TITLES[kind], blocks, incident.id, submit=submit)


def _parts(value: str, count: int) -> tuple[ReportKind, int, list[str]]:
    """`kind:incident_id[:more]` split into exactly `count` parts, the first two parsed."""
    parts = value.split(":")
    try:
        if len(parts) != count:
            raise ValueError(value)
        return ReportKind(parts[0]), int(parts[1]), parts[2:]
    except ValueError:
        raise NotFound("That incident does not exist or is not visible to you.") from None


def _is_person(target: str) -> bool:
    return target.startswith(("U", "W"))


def _joined(items: list[Mrkdwn]) -> Mrkdwn:
    if len(items) == 1:
        return items[0]
    return md("{head} and {last}", head=Mrkdwn(", ").join(items[:-1]), last=items[-1])


def _when(moment: datetime) -> Mrkdwn:
    """Shown in each reader's own time zone; the fallback text is UTC."""
    return localized(moment, "{date_short_pretty} at {time}", moment.strftime("%Y-%m-%d %H:%M UTC"))
