"""On-call in Slack: the engage modal and its answers, and what the ack loop says in the channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dispatchbot.blocks.common import (
    OPTION_TEXT_LIMIT,
    Message,
    clip,
    context,
    incident_form,
    modal,
    option,
    plain,
    section,
    select_input,
    state_value,
)
from dispatchbot.config import ServiceSettings
from dispatchbot.domain import Incident
from dispatchbot.errors import InvalidForm, NotFound
from dispatchbot.ids import BlockId, CallbackId
from dispatchbot.mrkdwn import Mrkdwn, md, mention

TITLE = "Engage On-call"
PAGE_OPTION = "page"

PROVIDER_LABELS = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie"}

NO_SERVICES_TEXT = Mrkdwn(
    "No on-call services are configured, so there is nobody to engage yet. An operator can add them to "
    "the bot's config as `[[services]]` entries (name, provider, external_id, description), with the "
    "provider's API key in `[pagerduty]` or `[opsgenie]`, then restart the bot."
)


@dataclass(frozen=True)
class EngageForm:
    incident_id: int
    service: str
    page: bool


def provider_label(provider: str) -> str:
    return PROVIDER_LABELS.get(provider, provider)


def engage_modal(incident: Incident, services: Sequence[ServiceSettings]) -> dict[str, Any]:
    """Pick a service (its description says what it covers) and whether to page its on-call."""
    choices = [
        (clip(f"{s.name} — {s.description}" if s.description else s.name, OPTION_TEXT_LIMIT), s.name)
        for s in services
    ]
    page = {
        "type": "input",
        "block_id": BlockId.PAGE,
        "label": plain("Page"),
        "optional": True,
        "element": {
            "type": "checkboxes",
            "action_id": BlockId.PAGE,
            "options": [
                {
                    **option("Page them", PAGE_OPTION),
                    "description": plain("Also send a page through the on-call provider", 75),
                }
            ],
        },
    }
    return incident_form(
        CallbackId.ENGAGE_ONCALL,
        TITLE,
        [
            section(
                md(
                    "Bring the on-call person of a service into *{reference}*: {title}",
                    reference=incident.reference,
                    title=incident.title,
                )
            ),
            select_input(BlockId.SERVICE, "Service", choices),
            page,
            context(
                Mrkdwn("They join the channel as an Observer; each service is engaged once per incident.")
            ),
        ],
        incident.id,
        submit="Engage",
    )


def read_engage_form(view: dict[str, Any], services: Sequence[ServiceSettings]) -> EngageForm:
    try:
        incident_id = int(view.get("private_metadata") or "")
    except ValueError:
        raise NotFound("That incident does not exist or is not visible to you.") from None
    values = view["state"]["values"]
    service = state_value(values, BlockId.SERVICE)
    if service not in {s.name for s in services}:
        raise InvalidForm({BlockId.SERVICE: "Choose one of the services in the list."})
    entry = (values.get(BlockId.PAGE) or {}).get(BlockId.PAGE) or {}
    page = any(chosen.get("value") == PAGE_OPTION for chosen in entry.get("selected_options") or [])
    return EngageForm(incident_id, str(service), page)


def engaging_modal(form: EngageForm) -> dict[str, Any]:
    doing = "Finding and paging" if form.page else "Finding"
    return modal(
        CallbackId.ENGAGE_ONCALL,
        TITLE,
        [
            section(
                md(
                    ":hourglass_flowing_sand: {doing} the on-call person of *{service}*…",
                    doing=doing,
                    service=form.service,
                )
            )
        ],
        close="Close",
    )


def result_modal(text: Mrkdwn) -> dict[str, Any]:
    return modal(CallbackId.ENGAGE_ONCALL, TITLE, [section(text)], close="Close")


def engaged_text(user_id: str, service: str, *, paged: bool) -> Mrkdwn:
    return md(
        ":white_check_mark: {who} is on call for *{service}* and was {how}.",
        who=mention(user_id),
        service=service,
        how="invited and paged" if paged else "invited",
    )


def already_engaged_text(engaged_user: str, service: str, *, paged_user: str | None) -> Mrkdwn:
    text = md(
        "{who} is already engaged through *{service}* in this incident.",
        who=mention(engaged_user),
        service=service,
    )
    if paged_user:
        text = md("{text} {paged} was paged.", text=text, paged=mention(paged_user))
    return text


def provider_down_text(provider: str, detail: str) -> Mrkdwn:
    return md(
        ":warning: {provider} did not answer: {detail}. Nothing was changed.",
        provider=provider_label(provider),
        detail=detail,
    )


def unknown_email_text(email: str, service: str) -> Mrkdwn:
    return md(
        ":warning: {email} is on call for *{service}*, but nobody in this Slack workspace has that email "
        "address, so I could not invite them. Nothing was changed.",
        email=email,
        service=service,
    )


def service_gone_text(service: str) -> Mrkdwn:
    return md(
        ":warning: The service *{service}* is no longer configured. Nothing was changed.", service=service
    )


def page_failed_text(user_id: str, service: str, provider: str, detail: str) -> Mrkdwn:
    return md(
        "{who} was engaged through *{service}*, but the page did not go out: "
        "{provider} did not answer: {detail}. Page them again later or reach them directly.",
        who=mention(user_id),
        service=service,
        provider=provider_label(provider),
        detail=detail,
    )


def trouble_text(provider: str, *, rate_limited: bool) -> Mrkdwn:
    """Why a provider refuses for now, as people are told: "PagerDuty is rate-limiting us"."""
    if rate_limited:
        return md("{provider} is rate-limiting us", provider=provider_label(provider))
    return md("{provider} is not answering right now", provider=provider_label(provider))


def page_delayed(who: Mrkdwn, service: ServiceSettings, *, rate_limited: bool) -> Message:
    """Said once in the channel when a page could not go out yet; its durable run keeps trying.
    `who`: a mention, or the provider's name for the person (escaped by the caller)."""
    text = md(
        ":hourglass: Paging {who} via *{service}* is delayed: {trouble}; retrying.",
        who=who,
        service=service.name,
        trouble=trouble_text(service.provider, rate_limited=rate_limited),
    )
    return text, [section(text)]


def page_failed(who: Mrkdwn, service: ServiceSettings, detail: str) -> Message:
    """A page that will not go out: the provider refused it for good, or kept refusing until the run's
    attempts ran out. `detail` is the provider error as people read it."""
    text = md(
        ":warning: Could not page {who} via *{service}*: {provider} did not answer: {detail}. "
        "Reach them directly.",
        who=who,
        service=service.name,
        provider=provider_label(service.provider),
        detail=detail,
    )
    return text, [section(text)]


def page_delayed_note(provider: str, *, rate_limited: bool) -> Mrkdwn:
    """For the person who engaged and asked for a page the provider refused for now."""
    return md(
        ":hourglass: The page is delayed: {trouble}. I keep trying and say so in the channel; its pinned "
        "message shows the page once it is sent.",
        trouble=trouble_text(provider, rate_limited=rate_limited),
    )


def escalation_message(who: Mrkdwn, service: str, minutes: int) -> Message:
    """`who`: a mention, or the provider's name for the person (escaped by the caller's `escape`)."""
    text = md(
        ":rotating_light: {who} has not acknowledged the page via *{service}* for {minutes} minutes — "
        "escalating to the next on-call level.",
        who=who,
        service=service,
        minutes=minutes,
    )
    return text, [section(text)]
