"""The create-incident run's part for a case escalated to it: the case's people join the incident, a
case with a channel of its own hands it over, the case becomes Escalated, and its timeline goes on in
the incident's.

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
from dispatchbot.errors import ProviderError
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentContext
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import md

log = get_logger(__name__)

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


async def own_channel(deps: Deps, case_id: int, *, private: bool) -> str | None:
    """The case's own channel (made by *Create channel*), for the incident to rename and take over; None
    when the case has none, or when it is public and the incident must be private (Slack cannot make a
    public channel private): the incident then gets a new channel. Asked again by a retried channel step,
    it answers the same, as the case keeps pointing at the channel."""
    move = await deps.cases.channel_move(case_id)
    if move is None or not move.done:
        return None
    case = await deps.cases.get(case_id)
    try:
        info = await deps.slack.channel_info(case.channel)
    except ProviderError as exc:
        if exc.detail != "channel_not_found":
            raise  # the step is tried again: a retry must decide as the first attempt did
        log.warning("case.channel_gone", case_id=case_id)  # deleted: the incident makes its own
        return None
    if info.get("is_archived") or (private and not info.get("is_private")):
        return None
    return case.channel


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
