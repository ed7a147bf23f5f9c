"""Use case: a commander or scribe gives someone a role (slash command or the header's button).

Opening and submitting the modal are checked server-side each time: a hidden button is a courtesy,
and a person may lose their role between opening the form and submitting it. The change itself is a
durable run keyed by the submitted view: record the role (one transaction, which also makes the
previous holder step down), invite the person, then tell the channel, refresh the header and topic,
and brief a new commander. A role the person already holds is answered in the modal and changes
nothing, so a double submission never announces twice.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.incidents import assign_role as blocks
from dispatchbot.blocks.incidents import incident as incident_blocks
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Role, Status
from dispatchbot.errors import InvalidForm, ProviderError, UserFacingError
from dispatchbot.flows import access, forms
from dispatchbot.flows.incidents import incident_channel
from dispatchbot.flows.run_models import IncidentArgs, RunState
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.ids import BlockId
from dispatchbot.logs import get_logger

log = get_logger(__name__)

ACTION = "assign roles"


class AssignRoleArgs(IncidentArgs):
    """Who gets which role; `requested_by` is who assigned it."""

    user_id: str
    role: Role
    requested_by: str


class AssignRoleState(RunState):
    changed: bool | None = None
    """None until the assign step ran; False when a concurrent submission made the same change."""
    previous: str | None = None
    invited: bool = False
    announced: bool = False
    tips_sent: bool = False


AssignContext = RunContext[Deps, AssignRoleArgs, AssignRoleState]


async def authorize(deps: Deps, incident: Incident, user_id: str) -> None:
    """Only an active commander or scribe of an open incident may hand out roles."""
    if incident.status is Status.CLOSED:
        raise UserFacingError(f"{incident.reference} is closed; reopen it before assigning roles.")
    await access.require_manager(deps, incident, user_id, ACTION)


async def open_form(deps: Deps, trigger_id: str, user_id: str, incident: Incident) -> None:
    await forms.show(deps, trigger_id, blocks.assign_role_modal(incident), user_id)


async def submit(deps: Deps, view_id: str, form: blocks.RoleForm, assigner_id: str) -> dict[str, Any]:
    """Check the submission, start the change, and return the modal to answer with."""
    incident = await deps.incidents.get(form.incident_id)
    await authorize(deps, incident, assigner_id)
    await _check_person(deps, form.user_id)
    current = await deps.participants.get(incident.id, form.user_id)
    if current is not None and current.active and _changes_nothing(form.role, current.roles):
        return blocks.nothing_to_do_modal(incident, form.user_id, form.role, current.roles)
    args = AssignRoleArgs(
        incident_id=incident.id, user_id=form.user_id, role=form.role, requested_by=assigner_id
    )
    await deps.runs.start(ASSIGN_ROLE, key=f"view:{view_id}", args=args)
    return blocks.assigning_modal(incident, form.user_id, form.role)


async def assign(ctx: AssignContext) -> None:
    if ctx.state.changed is not None:
        return
    args = ctx.args
    change = await ctx.deps.participants.assign_role(
        args.incident_id, args.user_id, args.role, args.requested_by
    )
    await ctx.record(changed=change.changed, previous=change.previous_holder)


async def invite(ctx: AssignContext) -> None:
    """Bring the person into the channel (and welcome them) unless they are there already."""
    if ctx.state.invited or not ctx.state.changed:
        return
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.args.incident_id)
    user_id = ctx.args.user_id
    if incident.channel_id is None or user_id in await deps.slack.members(incident.channel_id):
        return
    await deps.slack.invite(incident.channel_id, [user_id])
    await ctx.record(invited=True)
    text, welcome = incident_blocks.welcome(incident)
    try:
        await deps.slack.post_ephemeral(incident.channel_id, user_id, text, welcome)
    except ProviderError as exc:
        log.info("assign_role.welcome_failed", error=exc.detail)  # a courtesy; the announcement follows


async def announce(ctx: AssignContext) -> None:
    if not ctx.state.changed:
        return  # a concurrent submission made the same change and announces it
    deps, args = ctx.deps, ctx.args
    role = args.role
    incident = await deps.incidents.get(args.incident_id)
    if incident.channel_id is not None and not ctx.state.announced:
        text, message = blocks.role_assigned(args.requested_by, args.user_id, role, ctx.state.previous)
        await deps.slack.post_message(incident.channel_id, text, message)
        await ctx.record(announced=True)
    await incident_channel.refresh(deps, incident)
    if role is Role.COMMANDER and not ctx.state.tips_sent:
        text, tips = incident_blocks.help_tips(incident, deps.settings.commands)
        await deps.slack.post_message(args.user_id, text, tips)
        await ctx.record(tips_sent=True)


ASSIGN_ROLE = Flow.of(
    "assign_role",
    "Assigning a role",
    AssignRoleArgs,
    AssignRoleState,
    steps=(Step("assign", assign), Step("invite", invite), Step("announce", announce)),
)


async def _check_person(deps: Deps, user_id: str) -> None:
    """Roles go to people who can act on them: not bots, not deactivated accounts."""
    try:
        person = await deps.slack.user(user_id)
    except ProviderError:
        raise InvalidForm({BlockId.PERSON: "Slack does not know this person. Choose someone else."}) from None
    if person.is_bot or person.id == deps.identity.user_id:
        raise InvalidForm({BlockId.PERSON: f"{person.name} is a bot; roles are for people."})
    if person.deleted:
        raise InvalidForm({BlockId.PERSON: f"{person.name}'s account is deactivated. Choose someone else."})


def _changes_nothing(role: Role, held: frozenset[Role]) -> bool:
    """Holding the role already, or being asked to observe while taking part in any way."""
    return role in held or (role is Role.OBSERVER and bool(held))
