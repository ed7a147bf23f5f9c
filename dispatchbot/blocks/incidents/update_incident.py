"""The "Update Incident" modal, its parser, and the channel messages that mark a change of status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from dispatchbot.blocks.common import (
    Message,
    context,
    incident_form,
    modal,
    section,
    select_input,
    state_value,
    text_input,
)
from dispatchbot.blocks.incidents.report_incident import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    catalog_inputs,
    read_title,
)
from dispatchbot.catalog import Catalog
from dispatchbot.domain import EDITABLE_FIELDS, Incident, Status, Visibility
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, md, mention

RESOLUTION_LIMIT = DESCRIPTION_LIMIT
CLOSING_RESOLUTION_SHOWN = 2600
"""Leaves room in the closing message's section for how to reopen, even after a resolution at its limit."""
VISIBILITY_CHOICES = [
    ("Open", Visibility.OPEN.value),
    ("Restricted (participants only)", Visibility.RESTRICTED.value),
]
ChoiceT = TypeVar("ChoiceT", Status, Visibility)


@dataclass(frozen=True)
class IncidentEdit:
    """A submitted update form: every editable field, already checked against the catalog."""

    title: str
    description: str
    resolution: str
    status: Status
    incident_type: str
    severity: str
    priority: str
    visibility: Visibility

    def changes(self) -> dict[str, str]:
        """The form as plain values by field name: what the update run stores and applies."""
        return {name: str(getattr(self, name)) for name in EDITABLE_FIELDS}


def update_modal(incident: Incident, catalog: Catalog) -> dict[str, Any]:
    """The form, prefilled with the incident as it is now; private_metadata carries the incident id."""
    blocks = [
        context(
            md(
                "Change *{reference}*. Everyone in the channel sees what changed.",
                reference=incident.reference,
            )
        ),
        text_input(BlockId.TITLE, "Title", initial=incident.title, max_length=TITLE_LIMIT),
        text_input(
            BlockId.DESCRIPTION,
            "Description",
            initial=incident.description,
            multiline=True,
            max_length=DESCRIPTION_LIMIT,
            optional=True,
        ),
        text_input(
            BlockId.RESOLUTION,
            "Resolution",
            initial=incident.resolution,
            multiline=True,
            max_length=RESOLUTION_LIMIT,
            placeholder="What has been done toward resolution?",
            optional=True,
        ),
        select_input(
            BlockId.STATUS, "Status", [(s.label, s.value) for s in Status], initial=incident.status.value
        ),
        *catalog_inputs(
            catalog,
            incident_type=incident.incident_type,
            severity=incident.severity,
            priority=incident.priority,
        ),
        select_input(BlockId.VISIBILITY, "Visibility", VISIBILITY_CHOICES, initial=incident.visibility.value),
    ]
    return incident_form(CallbackId.UPDATE_INCIDENT, "Update Incident", blocks, incident.id, submit="Update")


def read_update_form(values: dict[str, Any], catalog: Catalog) -> IncidentEdit:
    """The edit, or `InvalidForm` with a message per field (shown inline by Slack)."""
    errors: dict[str, str] = {}
    title = read_title(values, errors)
    description = str(state_value(values, BlockId.DESCRIPTION)).strip()
    resolution = str(state_value(values, BlockId.RESOLUTION)).strip()
    for block_id, text, limit in (
        (BlockId.DESCRIPTION, description, DESCRIPTION_LIMIT),
        (BlockId.RESOLUTION, resolution, RESOLUTION_LIMIT),
    ):
        if len(text) > limit:
            errors[block_id] = f"Keep this within {limit} characters (it has {len(text)})."
    status = _choice(Status, state_value(values, BlockId.STATUS))
    if status is None:
        errors[BlockId.STATUS] = "Choose Active, Stable or Closed."
    incident_type = catalog.incident_type(str(state_value(values, BlockId.INCIDENT_TYPE) or ""))
    if incident_type is None:
        errors[BlockId.INCIDENT_TYPE] = "Choose one of the incident types."
    severity = catalog.severity(str(state_value(values, BlockId.SEVERITY) or ""))
    if severity is None:
        errors[BlockId.SEVERITY] = "Choose one of the severities."
    elif status is not None and not catalog.severity_allowed(severity.name, status):
        errors[BlockId.SEVERITY] = (
            f"Severity {severity.name} is not allowed for {status.value} incidents. "
            "Lower the severity, or keep the incident Active."
        )
    priority = catalog.priority(str(state_value(values, BlockId.PRIORITY) or ""))
    if priority is None:
        errors[BlockId.PRIORITY] = "Choose one of the priorities."
    visibility = _choice(Visibility, state_value(values, BlockId.VISIBILITY))
    if visibility is None:
        errors[BlockId.VISIBILITY] = "Choose Open or Restricted."
    if (
        errors
        or status is None
        or incident_type is None
        or severity is None
        or priority is None
        or visibility is None
    ):
        raise InvalidForm(errors)
    return IncidentEdit(
        title, description, resolution, status, incident_type.name, severity.name, priority.name, visibility
    )


def nothing_changed_modal(incident: Incident) -> dict[str, Any]:
    """The answer to a submission that matches the incident already (e.g. a second tab's identical edit)."""
    return modal(
        CallbackId.UPDATE_INCIDENT,
        "Update Incident",
        [
            section(
                md("Nothing to change: *{reference}* already looks like that.", reference=incident.reference)
            )
        ],
        close="Close",
    )


def stable_message(incident: Incident, actor_id: str, command: str) -> Message:
    text = md("{reference} is stable", reference=incident.reference)
    return text, [
        section(
            md(
                ":large_yellow_circle: {actor} marked *{reference}* as *Stable*: the impact is "
                "under control. Keep following up here; close the incident with "
                "`{command}` when the work is done.",
                actor=mention(actor_id),
                reference=incident.reference,
                command=command,
            )
        )
    ]


def closing_message(incident: Incident, actor_id: str, *, archiving: bool, command: str) -> Message:
    """The last word in the channel; when it is about to be archived, it says how to reopen."""
    text = md("{reference} is closed", reference=incident.reference)
    lines = [
        md(
            ":white_circle: {actor} closed *{reference}*. Thank you, everyone.",
            actor=mention(actor_id),
            reference=incident.reference,
        )
    ]
    if incident.resolution:
        resolution = escape(incident.resolution).clip(CLOSING_RESOLUTION_SHOWN)
        lines.append(md("*Resolution*\n{resolution}", resolution=resolution))
    if archiving:
        lines.append(
            md(
                "This channel is archived now. To reopen the incident, run `{command} {reference}` "
                "from any channel.",
                command=command,
                reference=incident.reference,
            )
        )
    return text, [section(Mrkdwn("\n\n").join(lines))]


def reopened_message(incident: Incident, actor_id: str) -> Message:
    text = md("{reference} is reopened", reference=incident.reference)
    return text, [
        section(
            md(
                ":red_circle: {actor} reopened *{reference}* as *{status}*. "
                "Everyone who was in it is back, with the roles they had.",
                actor=mention(actor_id),
                reference=incident.reference,
                status=incident.status.label,
            )
        )
    ]


def unarchive_by_hand(incident: Incident) -> Message:
    """A DM for whoever reopened the incident when Slack would not let the bot unarchive its channel."""
    text = md("{reference} is reopened, but its channel is still archived", reference=incident.reference)
    return text, [
        section(
            md(
                "*{reference}* is reopened as *{status}*, but Slack does not let apps "
                "unarchive channels, so {channel} is still archived. To bring it back, open it "
                "in Slack and choose *Unarchive* in its settings (and `/invite` me if I am no longer in it): "
                "I will invite the participants again and update the pinned message.",
                reference=incident.reference,
                status=incident.status.label,
                channel=channel(incident.channel_id or ""),
            )
        )
    ]


def _choice(kind: type[ChoiceT], value: Any) -> ChoiceT | None:
    try:
        return kind(value)
    except ValueError:
        return None
