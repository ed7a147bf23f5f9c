"""Use case: pages and their ack loop (page the commander at creation, poll, escalate, resolve on close).

A page is a row from the moment the provider accepts it. The scheduler follows every open page: an
acknowledgement is stored and shown in the pinned header; a page nobody acknowledged within the
priority's ack timeout is escalated (once: a conditional update decides which replica or tick does
it) and the channel is told; closing the incident resolves whatever is still open. Paging itself is
idempotent twice over: the dedup key is stored unique, and the provider is given it, so a retried
or double-clicked page never wakes anyone twice.

A page that cannot wait on the provider (the commander's, at creation; an engage page the provider
refused for now) is sent by a durable run of its own, `PAGE_ONCALL`, keyed by the dedup key: the
channel is ready without waiting for PagerDuty, and a page the provider keeps rate-limiting past a
call's retry deadline is not dropped: the channel is told once that it is delayed, and the runner
tries again with back-off until it goes through (the pinned header then shows it), a refusal that
will not change is said in the channel, or the attempts run out (then the channel and the requester,
with a Retry button, are told).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from dispatchbot.blocks.oncall import oncall as oncall_blocks
from dispatchbot.config import ServiceSettings
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, NewPage, Page, PageStatus, Role, Status
from dispatchbot.errors import ProviderError, ProviderUnavailable, UserFacingError
from dispatchbot.flows import posting
from dispatchbot.flows.incidents import incident_channel
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentContext
from dispatchbot.flows.incidents.update_incident_run import UpdateIncidentContext
from dispatchbot.flows.posting import PostingState
from dispatchbot.flows.run_failures import last_attempt
from dispatchbot.flows.run_models import IncidentArgs
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn, escape, mention
from dispatchbot.providers import oncall as provider

log = get_logger(__name__)

POLL_CONCURRENCY = 10
"""Provider calls at once per tick: a backlog clears fast without tripping the provider's rate limits."""

DEFAULT_ACK_TIMEOUT_MINUTES = 15.0
"""For an incident whose priority was removed from the config since."""


class PageArgs(IncidentArgs):
    """One page to send (the run's key is its dedup key); `requested_by` is who asked for it."""

    service: str
    target_user_id: str | None
    target_name: str
    requested_by: str


PageContext = RunContext[Deps, PageArgs, PostingState]


def service_named(deps: Deps, name: str) -> ServiceSettings | None:
    return next((service for service in deps.settings.services if service.name == name), None)


def adapter_for(deps: Deps, provider_name: str) -> provider.Oncall:
    """The service's on-call adapter; start-up checks every service has one, so missing is a config race."""
    found = deps.providers.oncall.get(provider_name)
    if found is None:
        raise ProviderError(provider_name, "this on-call provider is not configured")
    return found


@dataclass(frozen=True)
class PageRequest:
    """One page: its dedup key, whom it is for (by Slack account when known) and who asked for it."""

    dedup_key: str
    target_user_id: str | None
    target_name: str
    requested_by: str


async def send_page(deps: Deps, incident: Incident, service: ServiceSettings, request: PageRequest) -> Page:
    """Page the service's on-call for the incident once per dedup key, record it, refresh the header."""
    dedup_key = request.dedup_key
    existing = await deps.oncall.page_by_key(dedup_key)
    if existing is not None:
        return existing
    adapter = adapter_for(deps, service.provider)
    channel = f" Slack channel: #{incident.channel_name}." if incident.channel_name else ""
    external_id = await adapter.page(
        service.external_id,
        dedup_key=dedup_key,
        title=f"{incident.reference}: {incident.title}"[:1024],
        description=(
            f"{incident.reference} ({incident.priority} priority, {incident.severity} severity) needs the "
            f"{service.name} on-call.{channel}\n\n{incident.description}"
        )[:4000],
    )
    page = await deps.oncall.record_page(
        NewPage(
            dedup_key=dedup_key,
            incident_id=incident.id,
            service=service.name,
            provider=service.provider,
            external_id=external_id,
            target_user_id=request.target_user_id,
            target_name=request.target_name,
            requested_by=request.requested_by,
        )
    )
    await incident_channel.refresh(deps, incident)
    return page


async def start_page(deps: Deps, incident: Incident, service: ServiceSettings, request: PageRequest) -> None:
    """Hand the page to its own durable run and return at once; asking again with the same dedup key
    joins that run, so the page still goes out once."""
    args = PageArgs(
        incident_id=incident.id,
        service=service.name,
        target_user_id=request.target_user_id,
        target_name=request.target_name,
        requested_by=request.requested_by,
    )
    await deps.runs.start(PAGE_ONCALL, key=request.dedup_key, args=args)


async def page_commander(ctx: CreateIncidentContext) -> None:
    """Create-incident step: page the commander when the priority says so and they are the on-call of a
    service (a role policy named it), in a run of its own, so nothing after waits on the provider."""
    deps = ctx.deps
    holder = ctx.state.oncall_roles.get(Role.COMMANDER.value)
    if holder is None:
        return
    incident = await deps.incidents.get(ctx.state.incident)
    priority = deps.catalog.priority(incident.priority)
    service = service_named(deps, holder.service)
    if priority is None or not priority.page_commander or service is None or incident.channel_id is None:
        return
    dedup_key = f"dispatchbot-{incident.reference}-commander"
    request = PageRequest(dedup_key, incident.commander_id, holder.name, incident.reporter_id)
    await start_page(deps, incident, service, request)


async def deliver(ctx: PageContext) -> None:
    """The `PAGE_ONCALL` step. While the provider refuses for now (`ProviderUnavailable`, after the call's
    own retries), the channel is told once that the page is delayed and the step fails, so the runner
    tries again later; on the last attempt the channel hears that it gave up. A refusal that will not
    change (a wrong key, an unknown service) is said in the channel at once."""
    deps, args = ctx.deps, ctx.args
    incident = await deps.incidents.get(args.incident_id)
    if await deps.oncall.page_by_key(ctx.key) is not None:
        await incident_channel.refresh(deps, incident)  # sent by an attempt that could not show it
        return
    service = service_named(deps, args.service)
    if service is None or incident.status is Status.CLOSED or incident.channel_id is None:
        log.info("oncall.page_dropped", incident=incident.reference, service=args.service)
        return  # removed from the config, or the incident ended before the page could go out
    target_user_id = args.target_user_id
    who = mention(target_user_id) if target_user_id else escape(args.target_name or "the on-call")
    said = log.bind(incident=incident.reference, service=service.name)
    try:
        await send_page(
            deps, incident, service, PageRequest(ctx.key, target_user_id, args.target_name, args.requested_by)
        )
    except ProviderUnavailable as exc:
        said.warning("oncall.page_delayed", error=exc.detail)
        if await last_attempt(ctx):
            gave_up = oncall_blocks.page_failed(who, service, exc.detail)
            await posting.post_once(ctx, "page_failed", incident.channel_id, gave_up)
            raise UserFacingError(gave_up[0]) from exc
        delayed = oncall_blocks.page_delayed(who, service, rate_limited=exc.rate_limited)
        await posting.post_once(ctx, "page_delayed", incident.channel_id, delayed)
        raise
    except ProviderError as exc:
        if await deps.oncall.page_by_key(ctx.key) is not None:
            raise  # the page went out and Slack failed to show it: the next attempt shows it
        said.warning("oncall.page_failed", error=exc.detail)
        failed = oncall_blocks.page_failed(who, service, exc.detail)
        await posting.post_once(ctx, "page_failed", incident.channel_id, failed)


PAGE_ONCALL = Flow.of(
    "page_oncall",
    "Paging the on-call",
    PageArgs,
    PostingState,
    steps=(Step("send", deliver),),
)


async def follow_update(ctx: UpdateIncidentContext) -> None:
    """Update-incident step: closing the incident resolves its pages. A provider that fails here is
    logged; the ack loop keeps resolving the pages of closed incidents until it goes through."""
    if not ctx.state.entered(Status.CLOSED):
        return
    deps = ctx.deps
    pages = await deps.oncall.unresolved(ctx.args.incident_id)
    results = await asyncio.gather(*(_resolve(deps, page) for page in pages), return_exceptions=True)
    for page, result in zip(pages, results, strict=True):
        if isinstance(result, ProviderError):
            log.warning("oncall.resolve_failed", page=page.id, error=result.detail)
        elif isinstance(result, BaseException):
            raise result
    if any(result is True for result in results):
        await incident_channel.refresh(deps, await deps.incidents.get(ctx.args.incident_id))


async def poll(deps: Deps, now: datetime) -> None:
    """Scheduler tick: follow open pages until acknowledged; escalate after the priority's ack timeout."""
    pages = await deps.oncall.to_follow()
    if not pages:
        return
    incidents = await deps.incidents.many({page.incident_id for page in pages})
    gate = asyncio.Semaphore(POLL_CONCURRENCY)

    async def follow(page: Page) -> bool:
        async with gate:
            return await _follow(deps, page, incidents[page.incident_id], now)

    results = await asyncio.gather(*(follow(page) for page in pages), return_exceptions=True)
    changed: set[int] = set()
    for page, result in zip(pages, results, strict=True):
        if isinstance(result, ProviderError):
            log.warning("oncall.poll_failed", page=page.id, provider=page.provider, error=result.detail)
        elif isinstance(result, BaseException):
            log.error("oncall.poll_error", page=page.id, exc_info=result)
        elif result:
            changed.add(page.incident_id)
    await deps.oncall.polled([page.id for page in pages], now)
    await asyncio.gather(*(incident_channel.refresh(deps, incidents[i]) for i in changed))


async def _follow(deps: Deps, page: Page, incident: Incident, now: datetime) -> bool:
    """One page, one step further; True when the header must show something new."""
    if page.external_id is None:
        return False
    if incident.status is Status.CLOSED:
        return await _resolve(deps, page)
    adapter = adapter_for(deps, page.provider)
    state = await adapter.status(page.external_id)
    if state.status is provider.PageStatus.ACKNOWLEDGED:
        by = state.acknowledged_by or ""
        return await deps.oncall.acknowledge(page, state.acknowledged_at or now, by, await _person(deps, by))
    if state.status is provider.PageStatus.RESOLVED:
        return await deps.oncall.resolve(
            page, now, f"resolved in {oncall_blocks.provider_label(page.provider)}"
        )
    if page.status is PageStatus.TRIGGERED:
        return await _escalate_if_late(deps, page, incident, now)
    return False


async def _escalate_if_late(deps: Deps, page: Page, incident: Incident, now: datetime) -> bool:
    priority = deps.catalog.priority(incident.priority)
    timeout = priority.ack_timeout_minutes if priority else DEFAULT_ACK_TIMEOUT_MINUTES
    waited = (now - page.paged_at).total_seconds() / 60
    if waited <= timeout:
        return False
    service = service_named(deps, page.service)
    if service is None or page.external_id is None:
        log.warning("oncall.escalation_skipped", page=page.id, service=page.service)
        return False
    if not await deps.oncall.claim_escalation(page, now):
        return False  # another replica or tick did it
    try:
        await adapter_for(deps, page.provider).escalate(page.external_id, service_id=service.external_id)
    except ProviderError:
        await deps.oncall.release_escalation(page)
        raise
    minutes = int(waited)
    await deps.oncall.escalated(page, now, timeout)
    if incident.channel_id is not None:
        who = (
            mention(page.target_user_id) if page.target_user_id else escape(page.target_name or "The on-call")
        )
        text, blocks = oncall_blocks.escalation_message(who, page.service, minutes)
        try:
            await deps.slack.post_message(incident.channel_id, text, blocks)
        except ProviderError as exc:
            log.warning("oncall.escalation_not_posted", page=page.id, error=exc.detail)
    return True


async def _resolve(deps: Deps, page: Page) -> bool:
    if page.external_id is not None:
        await adapter_for(deps, page.provider).resolve(page.external_id)
    return await deps.oncall.resolve(page, deps.clock.now(), "the incident was closed")


async def _person(deps: Deps, who: str) -> Mrkdwn:
    """How the timeline names an acknowledger: a mention when the provider gave a known email, else
    the provider's words for them (escaped: they came from outside)."""
    if "@" not in who:
        return escape(who or "The on-call")
    try:
        user_id = await deps.slack.user_id_for(who)
    except ProviderError:
        user_id = None
    return mention(user_id) if user_id else escape(who)
