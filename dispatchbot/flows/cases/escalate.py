"""Escalating a case to an incident (issue 11, item 7): the Escalate button and `/dispatch-escalate-case
CASE-7` open the report form prefilled from the case; its submission starts the create-incident run.

Every escalation of one case is the same run, keyed by the case, as declaring from an alert is: a
double click, a redelivered submission or a crash mid-creation makes one incident, and a second form
for the same case is refused. The case becomes Escalated when the run links it (its announce step).
"""

from __future__ import annotations

import re

from dispatchbot.alerting.cases import CASE_PREFIX
from dispatchbot.blocks.alerts.escalate_case import incident_description, incident_title
from dispatchbot.blocks.incidents.report_incident import report_modal
from dispatchbot.deps import Deps
from dispatchbot.domain import FlowRun, IncidentDraft, Visibility
from dispatchbot.errors import UserFacingError
from dispatchbot.flows import forms
from dispatchbot.flows.incidents.create_incident import CREATE_INCIDENT
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentArgs
from dispatchbot.ids import BlockId

_REFERENCE = re.compile(rf"(?:{CASE_PREFIX})?(\d+)", re.IGNORECASE)


def run_key(case_id: int) -> str:
    return f"case:{case_id}"


async def commanded_case(deps: Deps, text: str, channel_id: str, doing: str = "escalate") -> int:
    """The case a command means: the one it names (`CASE-7`, or just `7`), else the case whose own
    channel it was run in."""
    found = _REFERENCE.fullmatch(text.strip())
    if found is not None:
        return int(found.group(1))
    here = await deps.cases.open_in_own_channel(channel_id) if not text.strip() else None
    if here is not None:
        return here
    raise UserFacingError(
        f"Name the case to {doing}, e.g. {CASE_PREFIX}7, or run this in the case's own channel."
    )


async def open_form(deps: Deps, trigger_id: str, user_id: str, case_id: int) -> None:
    """The report form as the case describes the incident: its title, its description, the incident
    type its case type escalates to, its priority when incidents have one so named, restricted when
    the case is (the form falls back to its defaults for names it lacks)."""
    case = await deps.cases.get(case_id, user_id)
    form = report_modal(
        deps.catalog,
        title=incident_title(case),
        description=incident_description(case),
        incident_type=deps.settings.case_type(case.case_type).incident_type,
        priority=case.case_priority,
        visibility=Visibility.RESTRICTED if case.restricted else None,
        case_id=case.id,
    )
    await forms.show(deps, trigger_id, form, user_id)


async def submit(deps: Deps, view_id: str, draft: IncidentDraft, reporter_id: str, case_id: int) -> FlowRun:
    """Start the case's run once the reporter may still escalate it; a repeated submission of this form
    joins it, another form is refused (shown on its title) as the case is being escalated already."""
    case = await deps.cases.may_escalate(case_id, reporter_id)
    args = CreateIncidentArgs(draft=draft, requested_by=reporter_id, view_id=view_id, case_id=case_id)
    run = await deps.runs.start(CREATE_INCIDENT, key=run_key(case_id), args=args)
    if run.args.get("view_id") != view_id:
        raise UserFacingError(f"{case.name} is being escalated already.", block_id=BlockId.TITLE)
    return run
