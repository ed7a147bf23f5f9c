"""The "Report Incident" modal, its parser, and the modals shown while and after the incident is created."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dispatchbot.blocks.common import (
    context,
    fields,
    modal,
    section,
    select_input,
    state_value,
    text_input,
)
from dispatchbot.catalog import Catalog
from dispatchbot.domain import Incident, IncidentDraft, IncidentType, Priority, Severity, Visibility
from dispatchbot.errors import InvalidForm
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, channel, escape, md, mention

TITLE_LIMIT = 150  # it heads the pinned message, whose header block holds 150 characters
DESCRIPTION_LIMIT = 2900  # leaves room in a 3,000-character section for the label
TYPE_DEFAULT = "type-default"


ALERT_METADATA = "alert:"
CASE_METADATA = "case:"


def report_modal(
    catalog: Catalog,
    *,
    title: str = "",
    description: str = "",
    severity: str | None = None,
    priority: str | None = None,
    incident_type: str | None = None,
    visibility: Visibility | None = None,
    alert_id: int | None = None,
    case_id: int | None = None,
) -> dict[str, Any]:
    """The form, prefilled as given (a type, severity or priority the catalog lacks is its default; no
    visibility is the type's); with `alert_id` the incident is declared from that alert, with `case_id`
    that case is escalated to it (either kept in the view's private metadata)."""
    blocks = [
        context(
            Mrkdwn(
                "If you suspect an incident and need help, fill in what you know. "
                "You can change all of it later."
            )
        ),
        text_input(
            BlockId.TITLE,
            "Title",
            initial=title,
            max_length=TITLE_LIMIT,
            placeholder="A short title, e.g. Checkout errors",
        ),
        text_input(
            BlockId.DESCRIPTION,
            "Description",
            initial=description,
            multiline=True,
            max_length=DESCRIPTION_LIMIT,
            placeholder="What is happening, since when, who is affected?",
            optional=True,
        ),
        *catalog_inputs(
            catalog,
            incident_type=(catalog.incident_type(incident_type or "") or catalog.default_incident_type).name,
            severity=(catalog.severity(severity or "") or catalog.default_severity).name,
            priority=(catalog.priority(priority or "") or catalog.default_priority).name,
        ),
        select_input(
            BlockId.VISIBILITY,
            "Visibility",
            [
                ("Default for the type", TYPE_DEFAULT),
                ("Open", Visibility.OPEN.value),
                ("Restricted (participants only)", Visibility.RESTRICTED.value),
            ],
            initial=visibility.value if visibility else TYPE_DEFAULT,
        ),
    ]
    metadata = ""
    if alert_id is not None:
        metadata = f"{ALERT_METADATA}{alert_id}"
    elif case_id is not None:
        metadata = f"{CASE_METADATA}{case_id}"
    return modal(
        CallbackId.REPORT_INCIDENT, "Report Incident", blocks, submit="Report", private_metadata=metadata
    )


def read_alert_id(view: dict[str, Any]) -> int | None:
    """The alert a submitted report form declares an incident from, if it was opened from one."""
    return _origin_id(view, ALERT_METADATA)


def read_case_id(view: dict[str, Any]) -> int | None:
    """The case a submitted report form escalates, if it was opened from one."""
    return _origin_id(view, CASE_METADATA)


def _origin_id(view: dict[str, Any], prefix: str) -> int | None:
    metadata = str(view.get("private_metadata") or "")
    if not metadata.startswith(prefix):
        return None
    try:
        return int(metadata.removeprefix(prefix))
    except ValueError:
        return None


def read_report_form(values: dict[str, Any], catalog: Catalog) -> IncidentDraft:
    """The draft, or `InvalidForm` with a message per field (shown inline by Slack)."""
    errors: dict[str, str] = {}
    title = read_title(values, errors)
    description = str(state_value(values, BlockId.DESCRIPTION)).strip()
    if len(description) > DESCRIPTION_LIMIT:
        errors[BlockId.DESCRIPTION] = (
            f"Keep the description within {DESCRIPTION_LIMIT} characters (it has {len(description)})."
        )
    incident_type = catalog.incident_type(str(state_value(values, BlockId.INCIDENT_TYPE) or ""))
    if incident_type is None:
        errors[BlockId.INCIDENT_TYPE] = "Choose one of the incident types."
    severity = catalog.severity(str(state_value(values, BlockId.SEVERITY) or catalog.default_severity.name))
    if severity is None:
        errors[BlockId.SEVERITY] = "Choose one of the severities."
    priority = catalog.priority(str(state_value(values, BlockId.PRIORITY) or catalog.default_priority.name))
    if priority is None:
        errors[BlockId.PRIORITY] = "Choose one of the priorities."
    if errors or incident_type is None or severity is None or priority is None:
        raise InvalidForm(errors)
    chosen = state_value(values, BlockId.VISIBILITY) or TYPE_DEFAULT
    visibility = incident_type.default_visibility if chosen == TYPE_DEFAULT else Visibility(chosen)
    return IncidentDraft(title, description, incident_type.name, severity.name, priority.name, visibility)


def catalog_inputs(
    catalog: Catalog, *, incident_type: str, severity: str, priority: str
) -> list[dict[str, Any]]:
    """The Type, Severity and Priority selects offering the catalog's names, each with its initial
    choice: the report and the update form ask the same way."""
    choices: tuple[tuple[str, str, Sequence[IncidentType | Severity | Priority], str], ...] = (
        (BlockId.INCIDENT_TYPE, "Type", catalog.incident_types, incident_type),
        (BlockId.SEVERITY, "Severity", catalog.severities, severity),
        (BlockId.PRIORITY, "Priority", catalog.priorities, priority),
    )
    return [
        select_input(block_id, label, [(entry.name, entry.name) for entry in entries], initial=initial)
        for block_id, label, entries, initial in choices
    ]


def read_title(values: dict[str, Any], errors: dict[str, str]) -> str:
    """The submitted title, stripped; what is wrong with it goes into `errors` under its block (the
    report and the update form take titles by the same rule)."""
    title = str(state_value(values, BlockId.TITLE)).strip()
    if not title:
        errors[BlockId.TITLE] = "Give the incident a short title."
    elif len(title) > TITLE_LIMIT:
        errors[BlockId.TITLE] = f"Keep the title within {TITLE_LIMIT} characters (it has {len(title)})."
    return title


def creating_modal(draft: IncidentDraft) -> dict[str, Any]:
    return modal(
        CallbackId.REPORT_PROGRESS,
        "Report Incident",
        [section(md(":hourglass_flowing_sand: Creating your incident *{title}*…", title=draft.title))],
        close="Close",
    )


def created_modal(incident: Incident) -> dict[str, Any]:
    return modal(
        CallbackId.REPORT_PROGRESS,
        "Incident Reported",
        [
            section(
                md(
                    ":white_check_mark: *{reference}* is open: join {channel}.",
                    reference=incident.reference,
                    channel=channel(incident.channel_id or ""),
                )
            ),
            fields(
                [
                    ("Title", escape(incident.title)),
                    ("Commander", mention(incident.commander_id)),
                    ("Type", escape(incident.incident_type)),
                    ("Severity", escape(incident.severity)),
                    ("Priority", escape(incident.priority)),
                    ("Visibility", escape(incident.visibility.label)),
                ]
            ),
        ],
        close="Close",
    )
