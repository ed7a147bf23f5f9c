"""Post a message at most once per flow run, even when the process dies in mid-post.

Slack may have accepted a post whose answer we never saw. So before posting, the run records that
it is about to; a resumed run that finds that record first looks for the message by the marker on
its first block, and posts only when it is not there.
"""

from __future__ import annotations

from dispatchbot.blocks.common import Message
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.flows.runner import RunContext
from dispatchbot.logs import get_logger

log = get_logger(__name__)

ARCHIVED = frozenset({"is_archived", "not_in_channel"})


async def post_once(
    ctx: RunContext[Deps],
    name: str,
    channel: str,
    message: Message,
    *,
    marker: str | None = None,
    skip_archived: bool = False,
) -> str | None:
    """The ts of this run's `name` message, posted now or found from before; None when skipped.

    With `skip_archived`, a channel that takes no posts (an archived incident channel) is skipped
    rather than failing the run.
    """
    done = f"{name}_ts"
    if done in ctx.state:
        return ctx.state[done] or None
    marker = marker or f"run-{ctx.run_id}-{name}"
    text, blocks = message
    blocks = [{**blocks[0], "block_id": marker}, *blocks[1:]]
    ts = None
    if ctx.state.get(f"{name}_attempted"):
        ts = await ctx.deps.slack.find_message(channel, marker)
    if ts is None:
        await ctx.record(**{f"{name}_attempted": True})
        try:
            ts = await ctx.deps.slack.post_message(channel, text, blocks)
        except ProviderError as exc:
            if not (skip_archived and exc.detail in ARCHIVED):
                raise
            log.info("post.skipped_archived_channel", channel=channel, message=name)
    await ctx.record(**{done: ts or ""})
    return ts
