"""Use case: a participant brings a service's on-call person into the incident (`/dispatch-engage-oncall`).

The command and the submission are checked before the ack; a durable run keyed by the submitted view
does the rest. It finds who is on call and their Slack account first, and a provider that does not
answer (or an on-call person Slack does not know) ends the run there with the incident untouched. Then
the service is engaged (once per incident: a second engage names who is in already), the person joins
as an Observer and is invited, a page goes out when asked (keyed by the request, so a double submit
never pages twice), and the modal shows the outcome. A page the provider refuses for now (rate limit,
outage) is handed to its own durable run, which keeps trying and tells the channel, so the answer
says "delayed" instead of making the person wait or page again.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatchbot.blocks.oncall import oncall as oncall_blocks
from dispatchbot.blocks.oncall.oncall import EngageForm
from dispatchbot.commands import Command
from dispatchbot.config import ServiceSettings
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Role, Status
from dispatchbot.errors import Forbidden, ProviderError, ProviderUnavailable, UserFacingError
from dispatchbot.flows import access, forms
from dispatchbot.flows.oncall import oncall_pages
from dispatchbot.flows.run_models import IncidentArgs, RunState, RunValue
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn, md, trusted

log = get_logger(__name__)


class EngageArgs(IncidentArgs):
    """The submitted form (`view_id` shows the outcome); `requested_by` is who engaged."""

    service: str
    page: bool
    view_id: str
    requested_by: str


class PageDelay(RunValue):
    """A page handed to its own run because the provider refused it for now."""

    provider: str
    rate_limited: bool


class EngageState(RunState):
    problem: str | None = None
    """Why the run stopped before touching the incident (Mrkdwn from oncall_blocks, shown as is)."""
    user_id: str | None = None
    email: str | None = None
    name: str | None = None
    engaged_user: str | None = None
    engaged_now: bool | None = None
    paged: bool | None = None
    page_delayed: PageDelay | None = None
    page_problem: str | None = None
    """Why the page failed (Mrkdwn from oncall_blocks, shown as is)."""

    @property
    def oncall_user(self) -> str:
        """The on-call's Slack account, for the steps after `find` (which stop the run without one)."""
        assert self.user_id is not None
        return self.user_id


EngageContext = RunContext[Deps, EngageArgs, EngageState]


@dataclass(frozen=True)
class OncallPerson:
    """Who is on call for a service, and their Slack account (None when no account has their email)."""

    service: str
    email: str
    name: str
    user_id: str | None


async def find_oncall(deps: Deps, service: ServiceSettings) -> OncallPerson:
    """The service's current on-call, mapped to Slack by email; `ProviderError` when the provider fails."""
    person = await oncall_pages.adapter_for(deps, service.provider).current(service.external_id)
    return OncallPerson(service.name, person.email, person.name, await deps.slack.user_id_for(person.email))


async def incident_for_command(deps: Deps, channel_id: str, user_id: str) -> Incident:
    command = deps.settings.commands.name(Command.ENGAGE_ONCALL)
    incident = await access.incident_in_channel(deps, channel_id, command)
    await require_participant(deps, incident, user_id)
    return incident


async def require_participant(deps: Deps, incident: Incident, user_id: str) -> None:
    """Only people taking part may wake someone up for this incident (restricted ones: only they see it)."""
    participant = await deps.participants.get(incident.id, user_id)
    if participant is None or not participant.active:
        raise Forbidden(
            f"Only people taking part in {incident.reference} can engage on-call. Join the incident first."
        )
    if incident.status is Status.CLOSED:
        raise UserFacingError(f"{incident.reference} is closed; reopen it before engaging on-call.")


async def open_form(deps: Deps, trigger_id: str, incident: Incident, user_id: str) -> None:
    await forms.show(deps, trigger_id, oncall_blocks.engage_modal(incident, deps.settings.services), user_id)


async def submit(deps: Deps, view_id: str, form: EngageForm, user_id: str) -> None:
    """Check again (people leave), then start the run; a repeated submission joins the first one."""
    incident = await deps.incidents.get(form.incident_id)
    await require_participant(deps, incident, user_id)
    args = EngageArgs(
        incident_id=incident.id, service=form.service, page=form.page, view_id=view_id, requested_by=user_id
    )
    await deps.runs.start(ENGAGE_ONCALL, key=f"view:{view_id}", args=args)


async def find(ctx: EngageContext) -> None:
    """Who is on call, and their Slack account; a failure here is the whole answer."""
    if ctx.state.user_id is not None or ctx.state.problem is not None:
        return
    service = oncall_pages.service_named(ctx.deps, ctx.args.service)
    if service is None:
        await ctx.record(problem=oncall_blocks.service_gone_text(ctx.args.service))
        return
    try:
        person = await find_oncall(ctx.deps, service)
    except ProviderError as exc:
        log.warning("engage_oncall.provider_failed", service=service.name, error=exc.detail)
        await ctx.record(problem=oncall_blocks.provider_down_text(service.provider, exc.detail))
        return
    if person.user_id is None:
        await ctx.record(problem=oncall_blocks.unknown_email_text(person.email, service.name))
        return
    await ctx.record(user_id=person.user_id, email=person.email, name=person.name)


async def engage(ctx: EngageContext) -> None:
    """The service's engagement (with its timeline event), made by this run unless one exists."""
    state, args = ctx.state, ctx.args
    if state.problem is not None or state.engaged_user is not None:
        return
    engagement, ours = await ctx.deps.oncall.engage(
        args.incident_id, args.service, state.oncall_user, state.email or "", args.requested_by, ctx.key
    )
    await ctx.record(engaged_user=engagement.user_id, engaged_now=ours)


async def bring_in(ctx: EngageContext) -> None:
    """The newly engaged person becomes an Observer (before the invite, so their join is no stranger's)
    and is invited; both are no-ops when repeated."""
    if ctx.state.problem is not None or not ctx.state.engaged_now:
        return
    deps, args, user_id = ctx.deps, ctx.args, ctx.state.oncall_user
    await deps.participants.add(
        args.incident_id,
        user_id,
        Role.OBSERVER,
        added_by=args.requested_by,
        reason=md("Engaged through {service} on-call", service=args.service),
    )
    incident = await deps.incidents.get(args.incident_id)
    if incident.channel_id is not None:
        await deps.slack.invite(incident.channel_id, [user_id])


async def page(ctx: EngageContext) -> None:
    """Page when asked, keyed by this request: a redelivery or a resumed run finds the page sent."""
    state, args = ctx.state, ctx.args
    if state.problem is not None or not args.page or state.paged is not None:
        return
    deps = ctx.deps
    incident = await deps.incidents.get(args.incident_id)
    service = oncall_pages.service_named(deps, args.service)
    assert service is not None  # the find step checked it
    dedup_key = f"dispatchbot-{incident.reference}-{service.name}-{args.view_id}"
    request = oncall_pages.PageRequest(dedup_key, state.oncall_user, state.name or "", args.requested_by)
    try:
        await oncall_pages.send_page(deps, incident, service, request)
    except ProviderUnavailable as exc:
        log.info("engage_oncall.page_handed_over", service=service.name, error=exc.detail)
        await oncall_pages.start_page(deps, incident, service, request)
        delayed = PageDelay(provider=service.provider, rate_limited=exc.rate_limited)
        await ctx.record(paged=False, page_delayed=delayed)
        return
    except ProviderError as exc:
        log.warning("engage_oncall.page_failed", service=service.name, error=exc.detail)
        text = oncall_blocks.page_failed_text(state.oncall_user, service.name, service.provider, exc.detail)
        await ctx.record(paged=False, page_problem=text)
        return
    await ctx.record(paged=True)


async def answer(ctx: EngageContext) -> None:
    """The outcome in the modal; if the person closed it meanwhile, in a DM instead."""
    deps, requester = ctx.deps, ctx.args.requested_by
    text = _outcome(ctx)
    try:
        await deps.slack.update_view(ctx.args.view_id, oncall_blocks.result_modal(text))
    except ProviderError as exc:
        log.info("engage_oncall.result_not_shown", error=exc.detail)
        await deps.slack.post_message(requester, text)


def _outcome(ctx: EngageContext) -> Mrkdwn:
    state, service = ctx.state, ctx.args.service
    if state.problem is not None:
        return trusted(state.problem)  # recorded by `find` from oncall_blocks (Mrkdwn)
    if state.page_problem is not None:
        return trusted(state.page_problem)  # recorded by `page` from oncall_blocks (Mrkdwn)
    paged = bool(state.paged)
    if state.engaged_now:
        text = oncall_blocks.engaged_text(state.oncall_user, service, paged=paged)
    else:
        paged_user = state.oncall_user if paged else None
        text = oncall_blocks.already_engaged_text(state.engaged_user or "", service, paged_user=paged_user)
    delayed = state.page_delayed
    if not delayed:
        return text
    note = oncall_blocks.page_delayed_note(delayed.provider, rate_limited=delayed.rate_limited)
    return md("{text} {note}", text=text, note=note)


ENGAGE_ONCALL = Flow.of(
    "engage_oncall",
    "Engaging on-call",
    EngageArgs,
    EngageState,
    steps=(
        Step("find", find),
        Step("engage", engage),
        Step("bring_in", bring_in),
        Step("page", page),
        Step("answer", answer),
    ),
)
