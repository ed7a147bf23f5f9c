"""Use case: turn a submitted report into a ready incident channel, crash-safely.

A durable run keyed by the modal's view id. Steps: record the incident (one transaction, idempotent by
the run key), create the channel (adopting our own leftover after a crash), set the channel up, then
announce. Independent Slack calls within a step run concurrently, so the channel is usable after
about four sequential calls; each sub-action's result is recorded so a retry only redoes what is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

from dispatchbot.blocks.incidents import incident as incident_blocks
from dispatchbot.blocks.incidents.report_incident import created_modal
from dispatchbot.channel_names import channel_name
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, IncidentDraft, Role
from dispatchbot.errors import ProviderError
from dispatchbot.flows.alerts import incident_link
from dispatchbot.flows.cases import incident_link as case_link
from dispatchbot.flows.incidents import incident_channel, incident_documents
from dispatchbot.flows.incidents.create_incident_run import (
    CreateIncidentArgs,
    CreateIncidentContext,
    CreateIncidentState,
    OncallHolder,
)
from dispatchbot.flows.oncall import engage_oncall, oncall_pages
from dispatchbot.flows.reports import report_reminders
from dispatchbot.flows.runner import Flow, Step
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import md

log = get_logger(__name__)

POLICY_ROLES = (Role.COMMANDER, Role.SCRIBE, Role.LIAISON)
ONCALL_LOOKUP_SECONDS = 5.0
"""How long a role policy's on-call lookup may hold up the channel; the provider's own retry deadline is
longer, and a provider still rate-limiting by then leaves the role with the reporter."""

Action = Callable[[], Awaitable[None]]


async def record(ctx: CreateIncidentContext) -> None:
    """The incident (once per run key) with its policy role holders; which roles went to a service's
    on-call is recorded too, so the page step knows whom to page through what."""
    if ctx.state.incident_id is not None:
        return
    draft = ctx.args.draft
    holders, oncall = await _policy_holders(ctx.deps, draft)
    case = await ctx.deps.cases.get(ctx.args.case_id) if ctx.args.case_id is not None else None
    if case is not None and case.assignee:
        holders.setdefault(Role.COMMANDER, case.assignee)  # who owned the case leads, unless a policy says
    incident = await ctx.deps.incidents.create(ctx.key, draft, ctx.args.requested_by, holders)
    if case is not None:
        await case_link.add_people(ctx.deps, incident, case, ctx.args.requested_by)
    for role_name, found in oncall.items():
        user_id = holders[Role(role_name)]
        if user_id != incident.reporter_id:
            reason = md("{role}: on call for {service}", role=Role(role_name).label, service=found.service)
            await ctx.deps.participants.set_reason(incident.id, user_id, reason)
    await ctx.record(incident_id=incident.id, oncall_roles=oncall)
    log.info(
        "incident.created", incident=incident.reference, run_id=ctx.run_id, restricted=incident.restricted
    )


async def create_channel(ctx: CreateIncidentContext) -> None:
    if ctx.state.channel_id is not None:
        return
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.state.incident)
    if incident.channel_id is None:
        settings = deps.settings.incidents
        name = channel_name(settings.channel_name_template, incident.id, incident.title)
        private = incident.restricted or settings.private_channels
        case_channel = None
        if ctx.args.case_id is not None:  # a case escalated from a channel of its own goes on there
            case_channel = await case_link.own_channel(deps, ctx.args.case_id, private=private)
        if case_channel is not None:
            channel_id, final_name = case_channel, await deps.slack.rename_channel(case_channel, name)
        else:
            channel_id, final_name = await deps.slack.create_channel(
                name, private=private, adopt_from=incident.reference
            )
        incident = await deps.incidents.set_channel(incident.id, channel_id, final_name)
    await ctx.record(channel_id=incident.channel_id)


async def set_up_channel(ctx: CreateIncidentContext) -> None:
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.state.incident)
    channel = ctx.state.channel_id
    assert channel is not None  # recorded by the channel step
    people = [
        p.user_id for p in await deps.participants.members(incident.id) if p.user_id != deps.identity.user_id
    ]
    incident_type = deps.catalog.incident_type(incident.incident_type)
    description = incident_type.channel_description if incident_type else ""

    async def set_topic() -> None:
        commander = await deps.slack.user(incident.commander_id)
        await deps.slack.set_topic(channel, incident_blocks.topic(incident, commander.name))

    async def post_header() -> None:
        ts = incident.header_ts
        if ts is None and ctx.state.header_attempted:
            # A crash may have struck while the post was in flight: look before posting a second one.
            ts = await deps.slack.find_message(channel, incident_blocks.header_block_id(incident.id))
        if ts is None:
            await ctx.record(header_attempted=True)
            text, blocks = await incident_channel.header(deps, incident)
            ts = await deps.slack.post_message(channel, text, blocks)
        if incident.header_ts is None:
            await deps.incidents.set_header(incident.id, ts)
        await deps.slack.pin(channel, ts)

    actions: dict[str, Action] = {
        "topic": set_topic,
        "purpose": lambda: deps.slack.set_purpose(channel, incident_blocks.purpose(incident, description)),
        "invited": lambda: deps.slack.invite(channel, people),
        "header": post_header,
    }
    await _together(ctx, actions)


async def announce(ctx: CreateIncidentContext) -> None:
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.state.incident)
    people = [
        p.user_id for p in await deps.participants.members(incident.id) if p.user_id != deps.identity.user_id
    ]
    actions: dict[str, Action] = {
        f"welcomed:{user}": partial(_welcome, deps, incident, user) for user in people
    }
    actions["tips"] = partial(_help_tips, deps, incident)
    actions["report_reminders"] = partial(report_reminders.arm_all, deps, incident)
    for channel in deps.catalog.notification_channels(incident):
        actions[f"notified:{channel}"] = partial(_notify, deps, incident, channel)
    if ctx.args.view_id:
        actions["confirmed"] = partial(_confirm, deps, incident, ctx.args.view_id)
    if ctx.args.alert_id is not None:
        actions["alert_linked"] = partial(incident_link.link, ctx, incident, ctx.args.alert_id)
    if ctx.args.case_id is not None:
        actions["case_linked"] = partial(case_link.link, ctx, incident, ctx.args.case_id)
    await _together(ctx, actions)


CREATE_INCIDENT = Flow.of(
    "create_incident",
    "Creating your incident",
    CreateIncidentArgs,
    CreateIncidentState,
    steps=(
        Step("record", record),
        Step("channel", create_channel),
        Step("set_up", set_up_channel),
        Step("announce", announce),
        Step("page", oncall_pages.page_commander),
        Step("documents", incident_documents.create_documents),
    ),
)


async def _policy_holders(
    deps: Deps, draft: IncidentDraft
) -> tuple[dict[Role, str], dict[str, OncallHolder]]:
    """Role holders from the configured policies, and for those found through an on-call service, the
    service and person (by role). A policy naming nobody we can find, or whose on-call provider fails,
    is skipped (logged): creating the incident matters more than who holds a role in it."""
    holders: dict[Role, str] = {}
    oncall: dict[str, OncallHolder] = {}
    found: dict[str, engage_oncall.OncallPerson | None] = {}
    for role in POLICY_ROLES:
        policy = deps.catalog.role_policy(role, draft.incident_type, draft.priority)
        if policy is None:
            continue
        if policy.oncall_service:
            name = policy.oncall_service
            if name not in found:
                found[name] = await _current_oncall(deps, role, name)
            person = found[name]
            if person is None or person.user_id is None:
                continue
            holders[role] = person.user_id
            oncall[role.value] = OncallHolder(service=name, email=person.email, name=person.name)
            continue
        who = policy.user
        user_id = await deps.slack.user_id_for(who)
        if user_id is None:
            log.warning("role_policy.unknown_user", role=role.value, user=who)
            continue
        holders[role] = user_id
    return holders, oncall


async def _current_oncall(deps: Deps, role: Role, service_name: str) -> engage_oncall.OncallPerson | None:
    service = oncall_pages.service_named(deps, service_name)
    if service is None:
        return None
    try:
        person = await asyncio.wait_for(engage_oncall.find_oncall(deps, service), ONCALL_LOOKUP_SECONDS)
    except TimeoutError:
        problem = f"no answer within {ONCALL_LOOKUP_SECONDS:g} s"
        log.warning("role_policy.oncall_unavailable", role=role.value, service=service_name, error=problem)
        return None
    except ProviderError as exc:
        log.warning("role_policy.oncall_unavailable", role=role.value, service=service_name, error=exc.detail)
        return None
    if person.user_id is None:
        log.warning(
            "role_policy.oncall_not_in_slack", role=role.value, service=service_name, email=person.email
        )
    return person


async def _welcome(deps: Deps, incident: Incident, user: str) -> None:
    text, blocks = incident_blocks.welcome(incident)
    assert incident.channel_id is not None
    try:
        await deps.slack.post_ephemeral(incident.channel_id, user, text, blocks)
    except ProviderError as exc:
        log.warning("incident.welcome_failed", user=user, error=exc.detail)


async def _help_tips(deps: Deps, incident: Incident) -> None:
    if incident.commander_id == deps.identity.user_id:
        return  # declared by the bot itself (nobody known to report an alert's incident)
    text, blocks = incident_blocks.help_tips(incident, deps.settings.commands)
    await deps.slack.post_message(incident.commander_id, text, blocks)


async def _notify(deps: Deps, incident: Incident, channel: str) -> None:
    text, blocks = incident_blocks.notification(incident, event="New incident")
    try:
        await deps.slack.post_message(channel, text, blocks)
    except ProviderError as exc:
        # A misconfigured notification channel must not hold up the incident itself.
        log.warning("incident.notification_failed", channel=channel, error=exc.detail)


async def _confirm(deps: Deps, incident: Incident, view_id: str) -> None:
    try:
        await deps.slack.update_view(view_id, created_modal(incident))
    except ProviderError as exc:
        log.info("incident.confirmation_not_shown", error=exc.detail)  # the reporter closed the modal


async def _together(ctx: CreateIncidentContext, actions: dict[str, Action]) -> None:
    """Run the actions not yet recorded at once; record each success (once, after all end), then raise."""
    names = [name for name in actions if name not in ctx.state.actions_done]
    results = await asyncio.gather(*(actions[name]() for name in names), return_exceptions=True)
    done: set[str] = set()
    failure: BaseException | None = None
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BaseException):
            failure = failure or result
        else:
            done.add(name)
    if done:
        await ctx.record(actions_done=ctx.state.actions_done | done)
    if failure is not None:
        raise failure
