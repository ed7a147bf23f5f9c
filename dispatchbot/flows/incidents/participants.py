"""Use cases: list who takes part in an incident, and say why someone takes part.

The listing answers in the command's ack (no Web API call): it names people with mentions, which
Slack renders for the reader. A restricted incident's listing is shown to its participants only.
Anyone taking part may update their own reason; the commander and the scribe may update anyone's.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.incidents import participants as blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Participant
from dispatchbot.errors import Forbidden, InvalidForm
from dispatchbot.flows import access, forms
from dispatchbot.ids import BlockId
from dispatchbot.mrkdwn import escape


async def listing(
    deps: Deps, channel_id: str, user_id: str, command: str
) -> tuple[str, list[dict[str, Any]]]:
    incident = await access.incident_in_channel(deps, channel_id, command)
    if not await access.can_see(deps, incident, user_id):
        raise Forbidden(f"{incident.reference} is restricted: only its participants can see who takes part.")
    return blocks.participant_list(incident, await deps.participants.members(incident.id))


async def update_form_for(
    deps: Deps, channel_id: str, user_id: str, command: str
) -> tuple[Incident, Participant]:
    """The incident and the caller, who must be taking part in it to say why anyone does."""
    incident = await access.incident_in_channel(deps, channel_id, command)
    caller = await deps.participants.get(incident.id, user_id)
    if caller is None or not caller.active:
        raise Forbidden(
            f"Only people taking part in {incident.reference} can update participants. "
            "Join the incident first."
        )
    return incident, caller


async def open_update_form(deps: Deps, trigger_id: str, incident: Incident, caller: Participant) -> None:
    await forms.show(deps, trigger_id, blocks.update_participant_modal(incident, caller), caller.user_id)


async def update_reason(deps: Deps, form: blocks.ReasonForm, actor_id: str) -> dict[str, Any]:
    """Record the new reason (checked again here: roles may have changed since the form opened)."""
    incident = await deps.incidents.get(form.incident_id)
    target = await deps.participants.get(incident.id, form.user_id)
    if target is None or not target.active:
        raise InvalidForm({BlockId.PERSON: f"This person is not taking part in {incident.reference}."})
    if form.user_id != actor_id:
        actor = await deps.participants.get(incident.id, actor_id)
        if actor is None or not actor.active or not actor.manages:
            raise InvalidForm(
                {
                    BlockId.PERSON: "Only the incident commander or the scribe can change someone else's "
                    "reason. Choose yourself."
                }
            )
    updated = await deps.participants.set_reason(incident.id, form.user_id, escape(form.reason))
    assert updated is not None  # checked above; participants are never deleted
    return blocks.reason_updated_modal(incident, updated)
