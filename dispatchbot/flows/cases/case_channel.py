"""Moving a case to a channel of its own (issue 11, item 3: *Create channel*).

The click only records the request (a timeline line written under the case's lock); delivery's render
loop makes the move and tries again on each pass until the case points at its new channel. The request
bumped the case's version, so after a failure or a `kill -9` anywhere in between the case is still
unrendered and the next pass (or the next start) finishes the move. Each step finds what an interrupted
attempt did instead of doubling it: the channel (its name taken by our own leftover is adopted, as for
incident channels), the message and its payload reply (their markers), the invites and the old message's
edit (both come out the same when repeated).
"""

from __future__ import annotations

from dispatchbot.alerting.cases import Case
from dispatchbot.blocks.alerts import case_message as blocks
from dispatchbot.channel_names import channel_name
from dispatchbot.deps import Deps
from dispatchbot.flows.alerts.slack_channel import post_once

CHANNEL_NAME_TEMPLATE = "case-{number}-{slug}"


async def move(deps: Deps, case: Case, requested_by: str) -> None:
    """Make the case's channel with its people in it, post the case's message there, point the old
    message at it, then switch the case over (the one step that ends the retries)."""
    old_channel = await deps.slack.channel_id_for(case.channel)
    name = channel_name(CHANNEL_NAME_TEMPLATE, case.id, case.title)
    channel_id, _ = await deps.slack.create_channel(name, private=case.restricted, adopt_from=case.name)
    await deps.slack.set_purpose(channel_id, f"{case.name} · {case.title}")  # plain text: never parsed
    people = [user for user in (case.assignee, *case.participants) if user and user != deps.identity.user_id]
    await deps.slack.invite(channel_id, list(dict.fromkeys(people)))
    marker = blocks.case_marker(case.id)
    ts = await post_once(deps, channel_id, blocks.case_message(case, own_channel=True), marker, retried=True)
    first = await deps.cases.first_payload(case.id) if case.signal else None
    if first is not None:
        reply = blocks.payload_reply(*first)
        await post_once(deps, channel_id, reply, blocks.payload_marker(case.id), retried=True, thread_ts=ts)
    if old_channel is not None and case.message_ts is not None:
        text, moved = blocks.case_moved(case, channel_id)
        await deps.slack.update_message(old_channel, case.message_ts, text, moved)
    await deps.cases.moved(
        case.id,
        channel_id,
        ts,
        requested_by,
        old_channel=old_channel or case.channel,
        old_ts=case.message_ts or "",
    )
