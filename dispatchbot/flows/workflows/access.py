"""Where the workflow commands work and who may use them, decided server-side each time.

They work in an incident's channel (for that incident) and for a case: the one whose own channel it is,
or the one the command names (`CASE-7`, as in the channel where cases are posted). Running a workflow is
for the people of the incident or case (active participants; the case's assignee, participants and
reporter, or anyone while nobody owns the case, as for Escalate); the list is for whoever may see it.
A restricted incident or case looks missing to others.
"""

from __future__ import annotations

from dispatchbot.blocks.workflows.run_form import RunFor
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.errors import Forbidden, UserFacingError
from dispatchbot.flows import access
from dispatchbot.flows.cases.escalate import commanded_case


async def commanded(deps: Deps, command: Command, channel_id: str, text: str) -> RunFor:
    """What a workflow command run in `channel_id` with `text` is for, or a message saying where it works."""
    incident = await deps.incidents.by_channel(channel_id)
    if incident is not None:
        return RunFor(incident_id=incident.id)
    try:
        return RunFor(case_id=await commanded_case(deps, text, channel_id))
    except UserFacingError:
        name = deps.settings.commands.name(command)
        raise UserFacingError(
            "Run this in an incident or case channel. "
            f"Where cases are posted, name the case: `{name} CASE-7`."
        ) from None


def require_configured(deps: Deps) -> None:
    if not deps.settings.workflows:
        raise UserFacingError(
            "No workflows are configured. The bot's operators add them as [[workflows]] entries in its "
            "configuration file (see config.example.toml)."
        )


async def may_run(deps: Deps, run_for: RunFor, user_id: str) -> None:
    """Refuse unless `user_id` is one of the incident's or case's people."""
    if run_for.incident_id is not None:
        incident = await access.visible_incident(deps, run_for.incident_id, user_id)
        participant = await deps.participants.get(incident.id, user_id)
        if participant is None or not participant.active:
            raise Forbidden(f"Only participants of {incident.reference} can run workflows. Join it first.")
        return
    case = await deps.cases.get(run_for.case_id or 0, user_id)
    unowned = case.assignee is None and not case.participants  # as for Escalate: someone must act on it
    if not (unowned or case.may_change(user_id) or user_id == case.reporter):
        raise Forbidden(f"Only the assignee, participants and reporter of {case.name} can run workflows.")


async def may_see(deps: Deps, run_for: RunFor, user_id: str) -> None:
    """Refuse unless `user_id` may see the incident or case (restricted ones: its people only)."""
    if run_for.incident_id is not None:
        await access.visible_incident(deps, run_for.incident_id, user_id)
    else:
        await deps.cases.get(run_for.case_id or 0, user_id)
