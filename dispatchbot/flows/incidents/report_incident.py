"""Use case: someone reports an incident (slash command, message shortcut or App Home button)."""

from __future__ import annotations

from dispatchbot.blocks.incidents.report_incident import report_modal
from dispatchbot.deps import Deps
from dispatchbot.domain import FlowRun, IncidentDraft
from dispatchbot.errors import ProviderError
from dispatchbot.flows import forms
from dispatchbot.flows.incidents.create_incident import CREATE_INCIDENT
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentArgs
from dispatchbot.mrkdwn import unescape


async def open_form(deps: Deps, trigger_id: str, user_id: str, *, description: str = "") -> None:
    await forms.show(deps, trigger_id, report_modal(deps.catalog, description=description), user_id)


async def open_form_for_message(
    deps: Deps, trigger_id: str, user_id: str, channel: str, message: dict[str, str]
) -> None:
    """The message shortcut: the description starts with the message and a link back to it. The form is
    plain text, so the message's mrkdwn escapes (`&lt;`) are turned back into what was typed."""
    text = unescape(message.get("text", ""))
    try:
        link = await deps.slack.permalink(channel, message["ts"])
        description = f"{text}\n\nReported from {link}"
    except ProviderError:
        description = text
    await open_form(deps, trigger_id, user_id, description=description[:2900])


async def submit(deps: Deps, view_id: str, draft: IncidentDraft, reporter_id: str) -> FlowRun:
    """Start creation, keyed by the modal's view id: a repeated submission joins the first run."""
    return await deps.runs.start(
        CREATE_INCIDENT,
        key=f"view:{view_id}",
        args=CreateIncidentArgs(draft=draft, requested_by=reporter_id, view_id=view_id),
    )
