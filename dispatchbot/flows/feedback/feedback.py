"""Use case: ask every participant how a closed incident went, and store the answers.

On Closed, each human who took part (those who left count: they worked on it) gets one DM with a
Provide feedback button, posted through `posting.post_once` under a state key per person, so a resumed
or retried run never DMs anyone twice. Only a participant may answer (checked on the click and again
on the submission); a second answer replaces the first, and the DM then says thanks in place.
"""

from __future__ import annotations

from dispatchbot.blocks.feedback import feedback as feedback_blocks
from dispatchbot.blocks.feedback.feedback import FeedbackForm, Surface
from dispatchbot.deps import Deps
from dispatchbot.domain import Feedback, Incident, Status
from dispatchbot.errors import Forbidden, ProviderError
from dispatchbot.flows import forms, posting
from dispatchbot.flows.feedback import request_dm
from dispatchbot.flows.incidents.update_incident_run import UpdateIncidentContext
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def follow_update(ctx: UpdateIncidentContext) -> None:
    """Update-incident step: on Closed, DM each human participant a Provide feedback button."""
    deps = ctx.deps
    if not deps.settings.feedback.enabled or not ctx.state.entered(Status.CLOSED):
        return
    incident = await deps.incidents.get(ctx.args.incident_id)
    answered = await deps.feedback.answered(incident.id)
    message = feedback_blocks.feedback_request(incident)
    for user_id in await _humans(deps, incident):
        if user_id in answered:
            continue  # asked at an earlier close and answered; closing again does not ask again
        await posting.post_once(ctx, f"feedback_{user_id}", await deps.slack.open_dm(user_id), message)


async def incident_for(deps: Deps, incident_id: int, user_id: str) -> Incident:
    """The incident, if this person took part in it; feedback from anyone else is refused."""
    incident = await deps.incidents.get(incident_id)
    if await deps.participants.get(incident.id, user_id) is None:
        raise Forbidden(f"Only the people who took part in {incident.reference} can give feedback on it.")
    return incident


async def open_form(
    deps: Deps, trigger_id: str, incident: Incident, user_id: str, surface: Surface | None
) -> None:
    """The rating modal, prefilled with the person's earlier answer."""
    previous = await deps.feedback.get(incident.id, user_id)
    view = feedback_blocks.feedback_modal(incident, _form(previous) if previous else None, surface)
    await forms.show(deps, trigger_id, view, user_id)


async def submit(deps: Deps, incident_id: int, user_id: str, form: FeedbackForm) -> Incident:
    """Store the answer (replacing an earlier one); the incident, for the thank-you."""
    incident = await incident_for(deps, incident_id, user_id)
    await deps.feedback.save(
        incident.id, user_id, rating=form.rating, text=form.text, anonymous=form.anonymous
    )
    return incident


async def thank(deps: Deps, incident: Incident, form: FeedbackForm, surface: Surface | None) -> None:
    """Turn the request DM into a thank-you; a DM deleted meanwhile needs no thanks."""
    gone = await request_dm.replace(deps, surface, feedback_blocks.feedback_thanks(incident, form))
    if gone is not None:
        log.info("feedback.request_gone", incident=incident.reference, error=gone)


async def _humans(deps: Deps, incident: Incident) -> list[str]:
    """Everyone who took part, active or not, minus bots (ours included) and deactivated accounts."""
    people: list[str] = []
    for participant in await deps.participants.members(incident.id, active_only=False):
        if participant.user_id == deps.identity.user_id:
            continue
        try:
            user = await deps.slack.user(participant.user_id)
        except ProviderError as exc:
            if exc.detail != "user_not_found":
                raise
            log.info("feedback.unknown_participant", incident=incident.reference, user=participant.user_id)
            continue
        if not (user.is_bot or user.deleted):
            people.append(participant.user_id)
    return people


def _form(feedback: Feedback) -> FeedbackForm:
    return FeedbackForm(feedback.rating, feedback.text, feedback.anonymous)
