"""On-call in Slack: the engage modal and its answers, and what the ack loop says in the channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dispatchbot.blocks.common import (
    OPTION_TEXT_LIMIT,
    clip,
    context,
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

TITLE = "Engage On-call"
PAGE_OPTION = "page"

PROVIDER_LABELS = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie"}

NO_SERVICES_TEXT = (
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
    return modal(
        CallbackId.ENGAGE_ONCALL,
        TITLE,
        [
            section(f"Bring the on-call person of a service into *{incident.reference}*: {incident.title}"),
            select_input(BlockId.SERVICE, "Service", choices),
            page,
            context("They join the channel as an Observer; each service is engaged once per incident."),
        ],
        submit="Engage",
        private_metadata=str(incident.id),
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
        [section(f":hourglass_flowing_sand: {doing} the on-call person of *{form.service}*…")],
        close="Close",
    )


def result_modal(text: str) -> dict[str, Any]:
    return modal(CallbackId.ENGAGE_ONCALL, TITLE, [section(text)], close="Close")


def engaged_text(user_id: str, service: str, *, paged: bool) -> str:
    how = "invited and paged" if paged else "invited"
    return f":white_check_mark: <@{user_id}> is on call for *{service}* and was {how}."


def already_engaged_text(engaged_user: str, service: str, *, paged_user: str | None) -> str:
    text = f"<@{engaged_user}> is already engaged through *{service}* in this incident."
    if paged_user:
        text += f" <@{paged_user}> was paged."
    return text


def provider_down_text(provider: str, detail: str) -> str:
    return f":warning: {provider_label(provider)} did not answer: {detail}. Nothing was changed."


def unknown_email_text(email: str, service: str) -> str:
    return (
        f":warning: {email} is on call for *{service}*, but nobody in this Slack workspace has that email "
        "address, so I could not invite them. Nothing was changed."
    )


def service_gone_text(service: str) -> str:
    return f":warning: The service *{service}* is no longer configured. Nothing was changed."


def page_failed_text(user_id: str, service: str, provider: str, detail: str) -> str:
    return (
        f"<@{user_id}> was engaged through *{service}*, but the page did not go out: "
        f"{provider_label(provider)} did not answer: {detail}. Page them again later or reach them directly."
    )


def commander_page_failed(
    incident: Incident, service: str, provider: str, detail: str
) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f":warning: Could not page <@{incident.commander_id}> (commander, on call for {service}): "
        f"{provider_label(provider)} did not answer: {detail}. Reach them directly."
    )
    return text, [section(text)]


def escalation_message(who: str, service: str, minutes: int) -> tuple[str, list[dict[str, Any]]]:
    text = (
        f":rotating_light: {who} has not acknowledged the page via *{service}* for {minutes} minutes — "
        "escalating to the next on-call level."
    )
    return text, [section(text)]
