"""The built-in `slack` alert channel: the alert's own message in its channel (edited in place, with its
thread of re-alerts, acknowledgements and recovery), or the DMs of mapbox routes (broadcast, self-service,
nag).

Each post is made at most once per notice even across a crash: the notice is marked attempted before
posting, every post carries a marker block id, and a retried notice first looks for its marker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dispatchbot.alerting.model import Alert, NoticeKind, Route
from dispatchbot.blocks.alerts import alert_message as blocks
from dispatchbot.blocks.alerts import prompts
from dispatchbot.blocks.common import Message
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.flows.alerts.people import slack_ids
from dispatchbot.logs import get_logger
from dispatchbot.providers.alert_channels import Person
from dispatchbot.services.alerts import Notice

log = get_logger(__name__)

NAME = "slack"
CANNOT_POST = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
"""Refusals that a retry will not change: said in the fallback channel instead of retried."""

_Builder = Callable[[Alert], Message]


def alert_marker(alert_id: int) -> str:
    return f"alert-{alert_id}"


async def deliver(
    deps: Deps, notice: Notice, alert: Alert, users: Sequence[Person], duty: Sequence[Person]
) -> None:
    if alert.route is Route.CHANNEL:
        await _in_channel(deps, notice, alert, slack_ids([*users, *duty]))
    elif notice.kind is NoticeKind.ALERT and alert.route in (Route.BROADCAST, Route.NAG):
        await _direct(
            deps, notice, alert, users, prompts.nag_dm if alert.route is Route.NAG else prompts.broadcast_dm
        )
    elif notice.kind is NoticeKind.ALERT and alert.route is Route.SELF_SERVICE:
        await _self_service(deps, notice, alert, users)


async def _in_channel(deps: Deps, notice: Notice, alert: Alert, mentions: list[str]) -> None:
    first = alert.message_ts is None and notice.kind is NoticeKind.ALERT
    channel = await deps.slack.channel_id_for(alert.channel) if alert.channel else None
    if channel is None:
        if first:  # said once, not at every re-alert
            await fallback(
                deps, alert, alert.channel or "no channel", "no such channel, or the bot cannot see it"
            )
        return
    if alert.message_ts is None:
        if not first:
            return  # resolved or acknowledged before its first post went out: the post shows that state
        try:
            ts = await _post_once(
                deps, notice, channel, blocks.alert_message(alert, notified=mentions), alert_marker(alert.id)
            )
        except ProviderError as exc:
            if exc.detail not in CANNOT_POST:
                raise  # Slack may take it later: the notice is retried
            await fallback(deps, alert, alert.channel, f"the bot cannot post there ({exc.detail})")
            return
        await deps.alerts.record_message([alert.id], ts)
        return
    reply: Message | None = None
    if notice.kind is NoticeKind.ALERT:
        reply = blocks.realert_reply(alert, mentions, worse=not notice.detail.get("realert"))
    elif notice.kind is NoticeKind.UPDATE:
        reply = blocks.quiet_update_reply(alert)
    elif notice.kind is NoticeKind.RECOVERED:  # the thread ends with who did what, when
        text, recovered = blocks.recovery_reply(alert)
        reply = text, [*recovered, *blocks.audit_trail(await deps.alerts.audit_trail(alert.id))[1]]
    elif notice.kind is NoticeKind.ACKNOWLEDGED:
        reply = blocks.acknowledged_reply(alert, str(notice.detail.get("by", "")))
    elif notice.kind is NoticeKind.ACK_CANCELLED:
        reply = blocks.ack_cancelled_reply(alert, str(notice.detail.get("by", "")))
    if reply is not None:
        await _post_once(
            deps, notice, channel, reply, f"alert-notice-{notice.id}", thread_ts=alert.message_ts
        )


async def _direct(deps: Deps, notice: Notice, alert: Alert, users: Sequence[Person], build: _Builder) -> None:
    """One DM per person (M6, M7); whoever cannot be found is reported in the fallback channel (M9)."""
    reached = []
    for index, user in enumerate(users):
        if user.slack_id is None:
            await fallback(deps, alert, user.given, "not a Slack user id or a known email")
            continue
        try:
            dm = await deps.slack.open_dm(user.slack_id)
            await _post_once(deps, notice, dm, build(alert), f"alert-notice-{notice.id}-{index}")
            reached.append(user.slack_id)
        except ProviderError as exc:
            await fallback(deps, alert, user.given, f"the message could not be sent ({exc.detail})")
    if alert.route is Route.BROADCAST:
        await deps.alerts.record(
            alert.id,
            action="broadcast",
            detail=" ".join(reached),
            details={**alert.details, "recipients": reached},
        )


async def _self_service(deps: Deps, notice: Notice, alert: Alert, users: Sequence[Person]) -> None:
    """`users[0]` gets the message, then the prompt (M3); the prompt is never sent anywhere else (M9)."""
    if not users:
        await fallback(deps, alert, "nobody", "a self-service alert needs a user to ask")
        return
    user = users[0]
    if user.slack_id is None:
        await fallback(deps, alert, user.given, "not a Slack user id or a known email")
        return
    await deps.alerts.record(  # before the prompt goes out: a quick click must find who was asked
        alert.id, action="prompted", detail=user.slack_id, details={**alert.details, "asked": user.slack_id}
    )
    try:
        dm = await deps.slack.open_dm(user.slack_id)
        await _post_once(
            deps, notice, dm, prompts.self_service_message(alert), f"alert-notice-{notice.id}-message"
        )
        await _post_once(
            deps, notice, dm, prompts.self_service_prompt(alert), f"alert-notice-{notice.id}-prompt"
        )
    except ProviderError as exc:
        await fallback(deps, alert, user.given, f"the message could not be sent ({exc.detail})")


async def fallback(deps: Deps, alert: Alert, who: str, reason: str) -> None:
    """M9: a note in the fallback channel (never the prompt), and in the audit trail."""
    await deps.alerts.record(alert.id, action="unreachable", detail=f"{who}: {reason}")
    target = deps.settings.alerts.fallback_channel or deps.settings.alerts.default_channel
    try:
        channel = await deps.slack.channel_id_for(target) if target else None
        if channel is None:
            log.warning("alerts.no_fallback_channel", alert_id=alert.id)
            return
        await deps.slack.post_message(channel, *prompts.fallback_note(alert, who, reason))
    except ProviderError as exc:  # the note is a courtesy: the audit trail and the log have it
        log.warning("alerts.fallback_failed", alert_id=alert.id, error=exc.detail)


async def _post_once(
    deps: Deps, notice: Notice, channel: str, message: Message, marker: str, *, thread_ts: str | None = None
) -> str:
    return await post_once(deps, channel, message, marker, retried=notice.attempted, thread_ts=thread_ts)


async def post_once(
    deps: Deps, channel: str, message: Message, marker: str, *, retried: bool, thread_ts: str | None = None
) -> str:
    """Post `message` marked with `marker` (its first block's id), unless this is a retry (`retried`)
    and a crashed attempt already did: then the post found by its marker."""
    if retried:
        found = (
            await deps.slack.find_reply(channel, thread_ts, marker)
            if thread_ts
            else await deps.slack.find_message(channel, marker)
        )
        if found is not None:
            return found
    text, message_blocks = message
    message_blocks = [{**message_blocks[0], "block_id": marker}, *message_blocks[1:]]
    return await deps.slack.post_message(channel, text, message_blocks, thread_ts=thread_ts)
