"""Use case: a commander or scribe writes an executive report (current status, overview, next steps).

For the people who follow the incident from outside it: the form, prefilled from the last executive
report, says who receives it (notification channels, subscribers, the notifications group); the run
stores it with its timeline event, posts it in the incident channel (not pinned: the pins are for the
people working the incident), sends the copies and moves the executive reminder. The steps are the
tactical report's (`report_tactical`), without the pin.
"""

from __future__ import annotations

from dispatchbot.blocks.reports import reports as report_blocks
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, ReportKind
from dispatchbot.flows import forms, notify
from dispatchbot.flows.incidents import incident_documents
from dispatchbot.flows.reports.report_run import ReportArgs, ReportState
from dispatchbot.flows.reports.report_tactical import post, record, remind_later, send_copies
from dispatchbot.flows.runner import Flow, Step


async def open_form(deps: Deps, trigger_id: str, incident: Incident, user_id: str) -> None:
    previous = await deps.reports.latest(incident.id, ReportKind.EXECUTIVE)
    targets = await notify.notification_targets(deps, incident)
    group_command = deps.settings.commands.name(Command.NOTIFICATIONS_GROUP)
    await forms.show(
        deps, trigger_id, report_blocks.executive_modal(incident, previous, targets, group_command), user_id
    )


EXECUTIVE_REPORT = Flow.of(
    "report_executive",
    "Sending your executive report",
    ReportArgs,
    ReportState,
    steps=(
        Step("record", record),
        Step("post", post),
        Step("copies", send_copies),
        Step("remind", remind_later),
        Step("document", incident_documents.report_document),
    ),
)
