"""A case's one top-level message (edited in place as it moves through its lifecycle), the modal that
resolves it, and the replies in its thread: the first alert's raw payload and one line per change.

A case's title and description came from an alert (so from a monitoring system or whoever can POST to
it) or from a person: they are escaped and clipped like an alert's. Only the timeline replies mention
anyone (whoever acted); the top-level message's `text`, what notifications show, never does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dispatchbot.alerting.cases import Case, CaseEntry, CaseStatus, ResolutionReason
from dispatchbot.blocks.alerts.alert_message import NAME_LIMIT, PEOPLE_SHOWN, TEXT_TITLE_LIMIT, TITLE_LIMIT
from dispatchbot.blocks.common import (
    SECTION_TEXT_LIMIT,
    Message,
    buttons,
    clip,
    context,
    fields,
    modal,
    plain,
    section,
    select_input,
    state_value,
    text_input,
)
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import ActionId, BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, md, mention, mentions

STATUS_EMOJI = {
    CaseStatus.NEW: ":new:",
    CaseStatus.TRIAGE: ":mag:",
    CaseStatus.ESCALATED: ":rotating_light:",
    CaseStatus.STABLE: ":large_yellow_circle:",
    CaseStatus.CLOSED: ":heavy_check_mark:",
}
DESCRIPTION_LIMIT = 2500
RESOLUTION_SHOWN = 2500
"""Characters of a resolution in the message and in the reply: the section keeps room for the rest."""
RESOLUTION_LIMIT = 3000
"""What the resolve modal accepts (Slack's most for a text input)."""
KEY_LIMIT = 200
DETAIL_JOINERS = {"resolved": " as", "escalated": " to", "unreachable": ""}
"""How a timeline line leads into its detail (`closed CASE-3 as Benign: …`); others take a colon."""
CODE_FENCES = len("```\n\n```")
CHANNEL_STATUSES = (CaseStatus.NEW, CaseStatus.TRIAGE, CaseStatus.STABLE)
"""Where *Create channel* is offered: an escalated case's incident has a channel, a closed one needs none."""


def case_marker(case_id: int) -> str:
    """The block id of a case message's first block: a post retried after a crash finds the first one."""
    return f"case-{case_id}"


def payload_marker(case_id: int) -> str:
    """The block id of the payload reply in a case's thread (found, not doubled, on a retry)."""
    return f"case-payload-{case_id}"


def case_message(case: Case, *, incident_channel: str | None = None, own_channel: bool = False) -> Message:
    """The case as it is now: what, its state, who owns it, how many alerts joined it, and the buttons
    its state allows (once escalated, only joining the incident, which takes over; *Create channel*
    until the case has, or is getting, a channel of its own)."""
    blocks = [
        section(
            md(
                "{emoji} *{name}* · {title}",
                emoji=STATUS_EMOJI[case.status],
                name=case.name,
                title=clip(case.title, TITLE_LIMIT),
            )
        )
    ]
    if case.description:
        blocks.append(section(escape(clip(case.description, DESCRIPTION_LIMIT))))
    blocks.append(
        fields(
            [
                ("Status", escape(case.status.label)),
                (
                    "Assignee",
                    mention(clip(case.assignee, NAME_LIMIT)) if case.assignee else Mrkdwn("Unassigned"),
                ),
                ("Type", escape(clip(case.case_type, NAME_LIMIT))),
                ("Priority", escape(clip(case.case_priority, NAME_LIMIT))),
                ("Participants", _participants(case.participants)),
            ]
        )
    )
    notes = []
    if case.alert_count > 0:
        notes.append(
            md("We observed {count:,} alert{s}.", count=case.alert_count, s=_plural(case.alert_count))
        )
    if case.signal:  # opened for an alert: its payload is the thread's first reply
        notes.append(Mrkdwn("Raw payload of the first alert in the thread."))
    if case.status is CaseStatus.ESCALATED and incident_channel:
        notes.append(md("Escalated to {where}.", where=channel(incident_channel)))
    if notes:
        blocks.append(context(Mrkdwn(" ").join(notes)))
    if case.status is CaseStatus.CLOSED:
        blocks.append(section(md(":heavy_check_mark: {closed}", closed=_closed_as(case))))
    actions = _buttons(case, own_channel=own_channel)
    if actions:
        blocks.append(_confirmed(buttons(*actions), case))
    return _notification_text(case), blocks


def case_moved(case: Case, where: str) -> Message:
    """What the case's first message becomes once the case moved to the channel `where`: a pointer
    there, without buttons (the case is worked from its message in its channel)."""
    line = md(
        ":twisted_rightwards_arrows: *{name}* · {title}\nMoved to {where}.",
        name=case.name,
        title=clip(case.title, TITLE_LIMIT),
        where=channel(where),
    )
    return md("{name} moved to its own channel", name=case.name), [section(line)]


def _notification_text(case: Case) -> Mrkdwn:
    """`CASE-3: Disk 95% on db1 (New)`: short, and it mentions nobody."""
    return md(
        "{name}: {title} ({status})",
        name=case.name,
        title=clip(case.title, TEXT_TITLE_LIMIT),
        status=case.status.label,
    )


def _participants(user_ids: tuple[str, ...]) -> Mrkdwn:
    """Mentions of the first participants, then how many more: a field holds 2,000 characters."""
    shown = mentions((clip(user, NAME_LIMIT) for user in user_ids[:PEOPLE_SHOWN]), empty="nobody")
    hidden = len(user_ids) - PEOPLE_SHOWN
    return md("{shown} +{hidden:,} more", shown=shown, hidden=hidden) if hidden > 0 else shown


def _closed_as(case: Case) -> Mrkdwn:
    """`Closed as False Positive: the job was a drill`, as much of it as was given."""
    if case.resolution_reason is None:
        closed = Mrkdwn("Closed")
    else:
        closed = md("Closed as {reason}", reason=case.resolution_reason.value)
    if not case.resolution:
        return closed
    return md("{closed}: {resolution}", closed=closed, resolution=clip(case.resolution, RESOLUTION_SHOWN))


def _buttons(case: Case, *, own_channel: bool) -> list[tuple[str, str, str]]:
    value = str(case.id)
    triage = ("Triage", ActionId.TRIAGE_CASE, value)
    resolve = ("Resolve", ActionId.OPEN_RESOLVE_CASE, value)
    escalate = ("Escalate", ActionId.ESCALATE_CASE, value)
    join: list[tuple[str, str, str]] = []
    if case.incident_id is not None:
        join.append(("Join incident", ActionId.JOIN_INCIDENT, str(case.incident_id)))
    snooze = [("Snooze", ActionId.OPEN_SNOOZE_CASE, value)] if case.signal else []  # a signal's case
    edit = ("Edit", ActionId.OPEN_EDIT_CASE, value)
    move = [] if own_channel else [("Create channel", ActionId.CREATE_CASE_CHANNEL, value)]
    by_status: dict[CaseStatus, list[tuple[str, str, str]]] = {
        CaseStatus.NEW: [triage, resolve, edit, *move, escalate, *snooze],
        CaseStatus.TRIAGE: [resolve, edit, *move, escalate, *snooze],
        CaseStatus.STABLE: [resolve, edit, *move, escalate, *snooze],
        CaseStatus.ESCALATED: [*join, edit, *snooze],
        CaseStatus.CLOSED: [("Re-open", ActionId.REOPEN_CASE, value)],
    }
    return by_status[case.status]


def _confirmed(actions: dict[str, Any], case: Case) -> dict[str, Any]:
    """*Create channel* asks first: the case's conversation moves, which no click undoes."""
    for element in actions["elements"]:
        if element["action_id"] == ActionId.CREATE_CASE_CHANNEL:
            element["confirm"] = {
                "title": plain("Create channel"),
                "text": plain(f"Move {case.name} to its own channel?"),
                "confirm": plain("Create channel"),
                "deny": plain("Cancel"),
            }
    return actions


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


# ------------------------------------------------------------------ the resolve modal


def resolve_modal(case: Case) -> dict[str, Any]:
    """Why and how it ended; the case's id rides in private_metadata. A case re-opened and resolved
    again starts from the resolution it had."""
    blocks = [
        section(md("*{name}* · {title}", name=case.name, title=clip(case.title, TITLE_LIMIT))),
        select_input(BlockId.REASON, "Reason", [(reason.value, reason.value) for reason in ResolutionReason]),
        text_input(
            BlockId.RESOLUTION,
            "Resolution",
            initial=case.resolution,
            multiline=True,
            max_length=RESOLUTION_LIMIT,
            placeholder="What was it, and what was done about it?",
        ),
    ]
    return modal(
        CallbackId.RESOLVE_CASE, "Resolve case", blocks, submit="Resolve", private_metadata=str(case.id)
    )


# ------------------------------------------------------------------ thread replies


def read_resolve_form(view: Mapping[str, Any]) -> tuple[int, ResolutionReason, str]:
    """(case id, reason, resolution) from a submitted resolve form, or `InvalidForm` naming what is
    missing; a tampered case id reads as a case that does not exist."""
    try:
        case_id = int(view.get("private_metadata", ""))
    except ValueError:
        raise NotFound("That case does not exist or is not visible to you.") from None
    values = view["state"]["values"]
    reason, resolution = state_value(values, BlockId.REASON), str(state_value(values, BlockId.RESOLUTION))
    errors = {}
    if reason not in {choice.value for choice in ResolutionReason}:
        errors[BlockId.REASON.value] = "Choose why the case is resolved."
    if not resolution.strip():
        errors[BlockId.RESOLUTION.value] = "Say how it was resolved."
    if errors:
        raise InvalidForm(errors)
    return case_id, ResolutionReason(reason), resolution.strip()


def payload_reply(source: str, dedup_key: str, payload: Mapping[str, Any]) -> Message:
    """The first alert's payload as its source sent it, pretty-printed. A code block still parses
    `<!channel>` and `<@U…>`, so the JSON is escaped, then clipped (never inside an entity) to fit."""
    pretty = json.dumps(dict(payload), indent=2, ensure_ascii=False, default=str)
    code = md("```\n{json}\n```", json=escape(pretty).clip(SECTION_TEXT_LIMIT - CODE_FENCES))
    about = md(
        "First alert from *{source}* · key `{key}`",
        source=clip(source, NAME_LIMIT),
        key=clip(dedup_key, KEY_LIMIT),
    )
    return md("Raw payload of the first alert from {source}", source=clip(source, NAME_LIMIT)), [
        section(code),
        context(about),
    ]


def case_event_reply(entry: CaseEntry, case: Case) -> Message:
    """One line for one change of the case's timeline: who did what (an actor that is no Slack id, such
    as `dispatchbot`, shown as the words it is)."""
    who, name = mention(clip(entry.actor, NAME_LIMIT)), case.name
    match entry.action:
        case "opened":
            line = md(":new: {who} opened {name}", who=who, name=name)
        case "triaged":
            line = md(":mag: {who} moved {name} to Triage", who=who, name=name)
        case "resolved":
            line = md(":heavy_check_mark: {who} closed {name}", who=who, name=name)
        case "reopened":
            line = md(":leftwards_arrow_with_hook: {who} re-opened {name}", who=who, name=name)
        case "escalated":
            line = md(":rotating_light: {who} escalated {name}", who=who, name=name)
        case "engaged":  # the detail is whom the bot asked
            asked = mention(clip(entry.detail, NAME_LIMIT))
            line = md(":speech_balloon: {} asked {} to confirm or deny {}", who, asked, name)
            return line, [section(line)]
        case "confirmed":
            line = md(":white_check_mark: {who} confirmed {name}", who=who, name=name)
        case "denied":
            line = md(":x: {who} denied {name}", who=who, name=name)
        case "unreachable":
            line = md(":warning: {who} could not reach", who=who)
        case "edited":
            line = md(":pencil2: {who} edited {name}", who=who, name=name)
        case "channel_requested":  # not said in the thread: the move it asks for is
            line = md(":hourglass_flowing_sand: {who} asked for a channel for {name}", who=who, name=name)
            return line, [section(line)]
        case "channel_created":  # the detail is `<old channel id> <old message ts>`
            old = (
                channel(clip(entry.detail.split(" ", 1)[0], NAME_LIMIT))
                if entry.detail
                else Mrkdwn("its channel")
            )
            line = md(":twisted_rightwards_arrows: {} moved {} from {} to its own channel", who, name, old)
            return line, [section(line)]
        case "assigned":  # the detail is whom to, a Slack id ("" for nobody)
            whom = mention(clip(entry.detail, NAME_LIMIT)) if entry.detail else Mrkdwn("nobody")
            line = md(":bust_in_silhouette: {who} assigned {name} to {whom}", who=who, name=name, whom=whom)
            return line, [section(line)]
        case _:
            line = md("{who} · {action} · {name}", who=who, action=clip(entry.action, NAME_LIMIT), name=name)
    if entry.detail:
        detail = clip(entry.detail, RESOLUTION_SHOWN)
        joiner = DETAIL_JOINERS.get(entry.action, ":")
        line = md("{line}{joiner} {detail}", line=line, joiner=joiner, detail=detail)
    return line, [section(line)]
