"""The create-incident run's part for a case escalated to it: the case's people join the incident, the
case becomes Escalated, and its timeline goes on in the incident's.

`add_people` runs in the record step, so the channel step invites them like anyone the incident starts
with; `link` is one action of the announce step (recorded when it succeeds). Both are idempotent for a
retry after a failure or a crash: adding someone active changes nothing, the case is linked once, and
each copied timeline line has a source key.
"""

from __future__ import annotations

from dispatchbot.alerting.cases import Case
from dispatchbot.blocks.alerts.escalate_case import copied_event
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Role
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentContext
from dispatchbot.mrkdwn import md

EVENT_KIND = "case_event"
LINES_COPIED = 100
"""The case's latest timeline lines copied (people make them, so a case rarely has this many)."""


async def add_people(deps: Deps, incident: Incident, case: Case, escalated_by: str) -> None:
    """The case's assignee and participants, as participants (the assignee may hold a role already)."""
    people = [person for person in (case.assignee, *case.participants) if person]
    reason = md("Worked on {name}", name=case.name)
    for user_id in dict.fromkeys(people):
        await deps.participants.add(
            incident.id, user_id, Role.PARTICIPANT, added_by=escalated_by, reason=reason
        )


async def link(ctx: CreateIncidentContext, incident: Incident, case_id: int) -> None:
    """The case shows the incident (its message is edited once its version moved, its thread says it
    was escalated), then the incident's timeline gets the case's, the escalation included."""
    deps = ctx.deps
    await deps.cases.escalated(case_id, incident.id, incident.reference, ctx.args.requested_by)
    case = await deps.cases.get(case_id)
    entries = await deps.cases.timeline(case_id)
    first = max(0, len(entries) - LINES_COPIED)
    for index, entry in enumerate(entries[first:], start=first):
        await deps.incidents.add_event(
            incident.id,
            EVENT_KIND,
            copied_event(entry, case),
            None,
            f"case:{case_id}:{index}",
            occurred_at=entry.at,
            details={"case_id": case_id},
        )
