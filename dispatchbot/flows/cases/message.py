"""A case's one message in its channel and the thread under it: posted when the case opens (with the
first alert's raw payload as the first reply), edited as alerts join and people act (at most once a
second: a burst of a thousand alerts is a handful of edits), and each timeline line said in the thread.

Posts carry marker block ids, so a post retried after a crash finds the first one instead of doubling.
"""

from __future__ import annotations

import time
from dataclasses import replace

from dispatchbot.alerting.cases import Case
from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts import case_message as blocks
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.flows.alerts import oncall_channel, slack_channel
from dispatchbot.flows.alerts.people import duty_officers, slack_ids
from dispatchbot.flows.alerts.slack_channel import post_once
from dispatchbot.flows.cases import case_channel, engagement
from dispatchbot.logs import get_logger
from dispatchbot.services.alerts import Notice

log = get_logger(__name__)

EDIT_INTERVAL_SECONDS = 1.0


async def open_case(deps: Deps, notice: Notice, alert: Alert) -> None:
    """The opening alert's notice: the case message (assigned to the case type's on-call), the payload
    reply, the question to the person the alert is about when its signal engages, and a page when the
    case's priority says so."""
    if alert.case_id is None:
        return
    case = await deps.cases.get(alert.case_id)
    if case.message_ts is None:
        channel = await deps.slack.channel_id_for(case.channel) if case.channel else None
        if channel is None:
            await slack_channel.fallback(
                deps, alert, case.channel or "no channel", "no such channel for its case"
            )
            return
        assignee = case.assignee or next(iter(slack_ids(await duty_officers(deps, alert))), None)
        case = replace(case, assignee=assignee)
        ts = await post_once(
            deps, channel, blocks.case_message(case), blocks.case_marker(case.id), retried=notice.attempted
        )
        await deps.cases.record_message(case.id, ts, assignee)
        first = await deps.cases.first_payload(case.id)
        if first is not None:
            marker = blocks.payload_marker(case.id)
            await post_once(deps, channel, blocks.payload_reply(*first), marker, retried=True, thread_ts=ts)
    await engagement.ask(deps, notice, alert, case)
    if deps.settings.case_priority(case.case_priority).page_assignee and alert.oncall_service:
        await oncall_channel.page(deps, alert)


async def render_changed(deps: Deps, edited: dict[int, float]) -> None:
    """Edit the messages of cases that moved on (throttled per case by `edited`, monotonic times), or
    move a case to the channel of its own asked for (tried until it succeeds, the case unrendered until
    then), then say their new timeline lines in their threads."""
    await _announce_opened(deps)
    now = time.monotonic()
    for case in await deps.cases.unrendered(100):
        if now - edited.get(case.id, 0.0) < EDIT_INTERVAL_SECONDS:
            continue
        move = await deps.cases.channel_move(case.id)
        if move is not None and not move.done:
            edited[case.id] = now
            try:
                await case_channel.move(deps, case, move.requested_by)
            except ProviderError as exc:
                log.warning("cases.move_failed", case_id=case.id, error=exc.detail)
            continue  # the case's version moved on with it: shown where it is on the next pass
        channel = await deps.slack.channel_id_for(case.channel)
        if channel and case.message_ts:
            text, message_blocks = blocks.case_message(
                case, incident_channel=await _incident_channel(deps, case), own_channel=move is not None
            )
            try:
                marked = [{**message_blocks[0], "block_id": blocks.case_marker(case.id)}, *message_blocks[1:]]
                await deps.slack.update_message(channel, case.message_ts, text, marked)
            except ProviderError as exc:
                log.warning("cases.edit_failed", case_id=case.id, error=exc.detail)
                continue
        edited[case.id] = now
        await deps.cases.rendered(case.id, case.version)
    for stale in [key for key, at in edited.items() if now - at >= EDIT_INTERVAL_SECONDS]:
        del edited[stale]
    await _say_timeline(deps)


async def _announce_opened(deps: Deps) -> None:
    """Post the message of each case opened by hand (an alert's case is posted by its notice). Its row
    is written first, so a post that failed or crashed is tried again here, found by its marker."""
    for case in await deps.cases.unannounced(20):
        channel = await deps.slack.channel_id_for(case.channel)
        if channel is None:
            log.warning("cases.no_channel", case_id=case.id, channel=case.channel)
            continue
        try:
            ts = await post_once(
                deps, channel, blocks.case_message(case), blocks.case_marker(case.id), retried=True
            )
        except ProviderError as exc:
            log.warning("cases.post_failed", case_id=case.id, error=exc.detail)
            continue
        await deps.cases.record_message(case.id, ts, None)
        await deps.cases.rendered(case.id, case.version)


async def _incident_channel(deps: Deps, case: Case) -> str | None:
    """The channel of the incident the case was escalated to, once it has one."""
    if case.incident_id is None:
        return None
    return (await deps.incidents.get(case.incident_id)).channel_id


async def _say_timeline(deps: Deps) -> None:
    for event_id, entry, case_id in await deps.cases.unposted_events(50):
        case = await deps.cases.get(case_id)
        if case.message_ts is None and not case.signal:
            continue  # opened by hand: said once its message is posted
        channel = await deps.slack.channel_id_for(case.channel) if case.message_ts else None
        if channel is not None and case.message_ts is not None:
            try:
                reply, marker = blocks.case_event_reply(entry, case), f"case-event-{event_id}"
                await post_once(deps, channel, reply, marker, retried=True, thread_ts=case.message_ts)
            except ProviderError as exc:
                log.warning("cases.reply_failed", case_id=case_id, error=exc.detail)
                return  # in order: the rest wait for this one
        await deps.cases.event_posted(event_id)
