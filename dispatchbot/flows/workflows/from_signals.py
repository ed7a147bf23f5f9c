"""Use case: a signal's workflows (`[[signals]].workflows`), started for each new alert it routes, or
for each new case it opens, with their parameters filled from the alert, and the alert's title as the
reason their messages give.

A parameter takes the value of the alert's entity of the same name (`[[signals]].entities`), else of its
label, else its default. One run per alert (or case) and workflow, whatever redelivers the notice: the
run's key says which, so starting again finds the first.
"""

from __future__ import annotations

from collections.abc import Mapping

from dispatchbot.alerting.model import Alert, NoticeKind, Route
from dispatchbot.config import WorkflowSettings
from dispatchbot.deps import Deps
from dispatchbot.flows.workflows import run_workflow
from dispatchbot.services.alerts import Notice


async def start_for_alert(deps: Deps, notice: Notice, alert: Alert) -> None:
    """After the alert's (or its case's) message is posted, so each run's message has a thread to go in."""
    if notice.kind is not NoticeKind.ALERT or notice.detail.get("realert") or not alert.signal:
        return
    signal = next((entry for entry in deps.settings.signals if entry.name == alert.signal), None)
    if signal is None or not signal.workflows:
        return
    case_id = alert.case_id if alert.route is Route.CASE else None
    entities = {str(name): str(value) for name, value in (alert.details.get("entities") or {}).items()}
    for name in signal.workflows:
        workflow = deps.settings.workflow(name)
        if workflow is None:
            continue  # removed from the config since the alert came in (start-up checks it exists)
        subject = f"case-{case_id}" if case_id is not None else f"alert-{alert.id}"
        request = run_workflow.RunRequest(
            workflow=name,
            key=f"signal-{subject}-{name}",
            params=parameters(workflow, entities, alert.labels),
            reason=alert.title,  # "by signal <name>" is said already: the why is what fired
            requested_by=None,
            case_id=case_id,
            alert_id=alert.id,
        )
        await run_workflow.start(deps, request)


def parameters(
    workflow: WorkflowSettings, entities: Mapping[str, str], labels: Mapping[str, str]
) -> dict[str, str]:
    """Each configured parameter from the alert's entity of its name, else its label, else its default."""
    return {
        parameter.key: entities.get(parameter.key) or labels.get(parameter.key) or parameter.default
        for parameter in workflow.parameters
    }
