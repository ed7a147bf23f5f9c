"""Use case: engagement (issue 11, item 6). When a case opens for an alert of a signal with `engage`, the
person its entity names (a Slack id or an email) gets a direct message with Confirm and Deny; only they
may answer, once. Confirm closes the case as User Acknowledged; Deny moves it to Triage and, with
`engage_page_on_deny`, pages the case's on-call. Whoever cannot be reached gets a note in the case's
thread instead.

Asking is part of delivering the opening alert's notice: the question is posted once per case even
across a crash (the person is recorded first, the DM carries a marker block id, and a retried notice
looks for it).
"""

from __future__ import annotations

from typing import Any

from dispatchbot.alerting.cases import Case
from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts import engagement as blocks
from dispatchbot.blocks.alerts.engagement import EngagementAnswer
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.flows import forms
from dispatchbot.flows.alerts.people import person
from dispatchbot.flows.alerts.slack_channel import post_once
from dispatchbot.logs import get_logger
from dispatchbot.services.alerts import Notice

log = get_logger(__name__)


def prompt_marker(case_id: int) -> str:
    return f"case-engage-{case_id}"


async def ask(deps: Deps, notice: Notice, alert: Alert, case: Case) -> None:
    """Ask the person the opening `alert` names, if its signal says to, once per case (after the case
    message is posted: the question links to the channel, and the thread takes the notes)."""
    signal = next((entry for entry in deps.settings.signals if entry.name == case.signal), None)
    case_channel = await deps.slack.channel_id_for(case.channel) if case.channel else None
    if signal is None or not signal.engage or case_channel is None:
        return
    engagements = deps.cases.engagements
    engagement = await engagements.of(case.id)
    if engagement.unreachable:
        return  # said in the thread already
    given = str((alert.details.get("entities") or {}).get(signal.engage) or "").strip()
    if not given:
        await engagements.unreachable(case.id, "anyone", f"the alert names nobody as {signal.engage}")
        return
    found = await person(deps, given)
    if found.slack_id is None:
        await engagements.unreachable(case.id, given, "not a Slack user")
        return
    try:
        dm = await deps.slack.open_dm(found.slack_id)  # an unknown id fails here, before it is recorded
        await engagements.ask(case.id, found.slack_id)
        await post_once(
            deps,
            dm,
            blocks.engagement_prompt(case, case_channel),
            prompt_marker(case.id),
            retried=notice.attempted or engagement.asked is not None,
        )
    except ProviderError as exc:
        await engagements.unreachable(case.id, given, f"the message could not be sent ({exc.detail})")


async def open_form(
    deps: Deps, trigger_id: str, user_id: str, case: Case, prompt: dict[str, Any], *, confirmed: bool
) -> None:
    """The answer form; `prompt` is the clicked message's container (where the prompt is, to edit)."""
    view = blocks.answer_modal(
        case,
        confirmed=confirmed,
        prompt_channel=str(prompt.get("channel_id") or ""),
        prompt_ts=str(prompt.get("message_ts") or ""),
    )
    await forms.show(deps, trigger_id, view, user_id)


async def answer(deps: Deps, answer: EngagementAnswer, user_id: str) -> Case:
    """Before the ack: record the answer (refused for anyone but the person asked, or a second time)."""
    engagements = deps.cases.engagements
    if answer.confirmed:
        return await engagements.confirm(answer.case_id, user_id, answer.context)
    case = await deps.cases.get(answer.case_id)
    signal = next((entry for entry in deps.settings.signals if entry.name == case.signal), None)
    page = signal is not None and signal.engage_page_on_deny
    return await engagements.deny(answer.case_id, user_id, answer.context, page=page)


async def show_answer(deps: Deps, case: Case, answer: EngagementAnswer) -> None:
    """After the ack: the prompt edited to say what they answered, its buttons gone."""
    if not answer.prompt_channel or not answer.prompt_ts:
        return
    text, message_blocks = blocks.engagement_answered(case, answer)
    marked = [{**message_blocks[0], "block_id": prompt_marker(case.id)}, *message_blocks[1:]]  # still found
    try:
        await deps.slack.update_message(answer.prompt_channel, answer.prompt_ts, text, marked)
    except ProviderError as exc:
        log.warning("cases.engagement_prompt_edit_failed", case_id=case.id, error=exc.detail)
