"""The case form (issue 11 items 3 and 5): `/dispatch-create-case` and the "Open a case" shortcut open it
to create a case, the Edit button and `/dispatch-update-case` to change one; and the words the timeline
keeps for an edit.

Its inputs are plain text, which Slack does not parse: a prefilled description (a message's text) is
only bounded there. What the form says in mrkdwn (the case, who is on call) is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dispatchbot.alerting.cases import Case, CaseStatus, ResolutionReason
from dispatchbot.blocks.alerts.alert_message import NAME_LIMIT, TITLE_LIMIT
from dispatchbot.blocks.alerts.case_message import DESCRIPTION_LIMIT, RESOLUTION_LIMIT
from dispatchbot.blocks.common import (
    clip,
    context,
    modal,
    section,
    select_input,
    state_value,
    text_input,
    users_input,
)
from dispatchbot.config.alerting import CasePrioritySettings, CaseTypeSettings
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, channel, md, mention

CHANGE_SHOWN = 60
"""Characters of an old or new value in the timeline's edit line (a title can be 300)."""


@dataclass(frozen=True)
class CaseForm:
    """A submitted case form; `status` only when editing (a new case is New)."""

    title: str
    description: str
    case_type: str
    case_priority: str
    assignee: str | None
    status: CaseStatus | None = None
    reason: ResolutionReason | None = None
    resolution: str = ""


@dataclass(frozen=True)
class OnCall:
    """Who the form proposes as assignee: the case type's service's on-call."""

    user_id: str
    service: str


def create_case_modal(
    types: Sequence[CaseTypeSettings],
    priorities: Sequence[CasePrioritySettings],
    *,
    channel_id: str | None,
    description: str = "",
    oncall: OnCall | None = None,
) -> dict[str, Any]:
    """A new case, posted in `channel_id` (kept in private_metadata; None: its type's channel)."""
    where = channel(channel_id) if channel_id else Mrkdwn("the channel of its type")
    blocks = [
        context(md("The case's message goes to {where}, where its thread keeps its history.", where=where)),
        *_inputs(types, priorities, description=description, assignee=oncall.user_id if oncall else None),
    ]
    if oncall is not None:
        note = md(
            "{who} is on call for {service}.",
            who=mention(clip(oncall.user_id, NAME_LIMIT)),
            service=clip(oncall.service, NAME_LIMIT),
        )
        blocks.insert(_after(blocks, BlockId.ASSIGNEE), context(note))
    metadata = json.dumps({"channel": channel_id})
    return modal(CallbackId.CREATE_CASE, "Open a case", blocks, submit="Open", private_metadata=metadata)


def edit_case_modal(
    case: Case, types: Sequence[CaseTypeSettings], priorities: Sequence[CasePrioritySettings]
) -> dict[str, Any]:
    """The case as it is now; Escalated is offered only to a case that is (an escalation makes an
    incident, which the Escalate button does)."""
    statuses = [s for s in CaseStatus if s is not CaseStatus.ESCALATED or case.status is CaseStatus.ESCALATED]
    blocks = [
        section(md("*{name}*", name=case.name)),
        *_inputs(
            types,
            priorities,
            title=case.title,
            description=case.description,
            case_type=case.case_type,
            case_priority=case.case_priority,
            assignee=case.assignee,
        ),
        select_input(
            BlockId.STATUS, "Status", [(s.label, s.value) for s in statuses], initial=case.status.value
        ),
        select_input(
            BlockId.REASON,
            "Resolution reason (needed to close it)",
            [(reason.value, reason.value) for reason in ResolutionReason],
            initial=case.resolution_reason.value if case.resolution_reason else None,
            optional=True,
        ),
        text_input(
            BlockId.RESOLUTION,
            "Resolution",
            initial=case.resolution,
            multiline=True,
            max_length=RESOLUTION_LIMIT,
            optional=True,
        ),
    ]
    return modal(CallbackId.EDIT_CASE, "Edit case", blocks, submit="Save", private_metadata=str(case.id))


def _inputs(
    types: Sequence[CaseTypeSettings],
    priorities: Sequence[CasePrioritySettings],
    *,
    title: str = "",
    description: str = "",
    case_type: str | None = None,
    case_priority: str | None = None,
    assignee: str | None = None,
) -> list[dict[str, Any]]:
    default_priority = next(
        (p.name for p in priorities if p.default), priorities[0].name if priorities else None
    )
    return [
        text_input(BlockId.TITLE, "Title", initial=clip(title, TITLE_LIMIT), max_length=TITLE_LIMIT),
        text_input(
            BlockId.DESCRIPTION,
            "Description",
            initial=clip(description, DESCRIPTION_LIMIT),
            multiline=True,
            max_length=DESCRIPTION_LIMIT,
            optional=True,
        ),
        select_input(
            BlockId.CASE_TYPE,
            "Type",
            [(t.name, t.name) for t in types],
            initial=case_type or (types[0].name if types else None),
        ),
        users_input(BlockId.ASSIGNEE, "Assignee", initial=[assignee] if assignee else None, optional=True),
        select_input(
            BlockId.PRIORITY,
            "Priority",
            [(p.name, p.name) for p in priorities],
            initial=case_priority or default_priority,
        ),
    ]


def _after(blocks: list[dict[str, Any]], block_id: str) -> int:
    return next(n for n, block in enumerate(blocks) if block.get("block_id") == block_id) + 1


def read_case_form(
    view: Mapping[str, Any],
    types: Sequence[CaseTypeSettings],
    priorities: Sequence[CasePrioritySettings],
    *,
    editing: bool,
) -> CaseForm:
    """The submitted form, or `InvalidForm` naming what is missing or not (or no longer) configured.
    Closing a case takes a reason (the form may close one: Resolve is not the only way)."""
    values = view["state"]["values"]
    title, description = (
        str(state_value(values, BlockId.TITLE)).strip(),
        str(state_value(values, BlockId.DESCRIPTION)).strip(),
    )
    case_type, priority = state_value(values, BlockId.CASE_TYPE), state_value(values, BlockId.PRIORITY)
    assignee = state_value(values, BlockId.ASSIGNEE) or None
    errors = {}
    if not title:
        errors[BlockId.TITLE.value] = "Give the case a title."
    if case_type not in {t.name for t in types}:
        errors[BlockId.CASE_TYPE.value] = "Choose a type."
    if priority not in {p.name for p in priorities}:
        errors[BlockId.PRIORITY.value] = "Choose a priority."
    status = reason = None
    resolution = ""
    if editing:
        status = _status(state_value(values, BlockId.STATUS))
        picked = state_value(values, BlockId.REASON)
        reason = ResolutionReason(picked) if picked in set(ResolutionReason) else None
        resolution = str(state_value(values, BlockId.RESOLUTION)).strip()
        if status is None:
            errors[BlockId.STATUS.value] = "Choose a status."
        elif status is CaseStatus.CLOSED and reason is None:
            errors[BlockId.REASON.value] = "Choose why the case is closed."
    if errors:
        raise InvalidForm(errors)
    return CaseForm(
        title,
        description,
        str(case_type),
        str(priority),
        str(assignee) if assignee else None,
        status,
        reason,
        resolution,
    )


def _status(value: object) -> CaseStatus | None:
    return CaseStatus(str(value)) if value in set(CaseStatus) else None


def read_channel(view: Mapping[str, Any]) -> str | None:
    """The channel a create form was opened in (None: its type's); a tampered form reads as none."""
    try:
        found = json.loads(view.get("private_metadata", "")).get("channel")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) and found else None


def read_edited_case(view: Mapping[str, Any]) -> int:
    """The case an edit form is about; a tampered id reads as a case that does not exist."""
    try:
        return int(view.get("private_metadata", ""))
    except ValueError:
        raise NotFound("That case does not exist or is not visible to you.") from None


def edit_detail(case: Case, form: CaseForm) -> str:
    """Plain words for the timeline (escaped where shown): each field the form changes, old → new, e.g.
    `status Triage → Stable, priority Medium → High`; "" when it changes none. The assignee is a line of
    its own (it mentions people), the description too long to repeat."""
    changes = []
    if form.title != case.title:
        changes.append(f"title {_shown(case.title)} → {_shown(form.title)}")
    if form.description != case.description:
        changes.append("description")
    if form.status is not None and form.status is not case.status:
        changes.append(f"status {case.status.label} → {form.status.label}")
    if form.case_type != case.case_type:
        changes.append(f"type {_shown(case.case_type)} → {_shown(form.case_type)}")
    if form.case_priority != case.case_priority:
        changes.append(f"priority {_shown(case.case_priority)} → {_shown(form.case_priority)}")
    if form.reason != case.resolution_reason:
        old, new = (r.value if r else "none" for r in (case.resolution_reason, form.reason))
        changes.append(f"reason {old} → {new}")
    if form.resolution != case.resolution:
        changes.append("resolution")
    return ", ".join(changes)


def _shown(value: str) -> str:
    return clip(value, CHANGE_SHOWN) or '""'
