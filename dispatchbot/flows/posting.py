"""Post a message at most once per flow run, even when the process dies in mid-post.

Slack may have accepted a post whose answer we never saw. So before posting, the run records that
it is about to; a resumed run that finds that record first looks for the message by the marker on
its first block, and posts only when it is not there.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import Message
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.flows.run_models import RunArgs, RunState
from dispatchbot.flows.runner import RunContext
from dispatchbot.logs import get_logger

log = get_logger(__name__)

ARCHIVED = frozenset({"is_archived", "not_in_channel"})


class PostingState(RunState):
    """The recorded state of a run that posts with `post_once`, each message by its name in the run."""

    post_attempted: frozenset[str] = frozenset()
    posted_ts: dict[str, str] = {}
    """The ts of each message posted, "" for one skipped (an archived channel)."""

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Version 0 kept `{name}_attempted` and `{name}_ts` keys, for any message name."""
        data = super().upgrade(data, version)
        if version != 0:
            return data
        attempted, posted, rest = set(), {}, {}
        for key, value in data.items():
            if key in cls.model_fields:
                rest[key] = value
            elif key.endswith("_attempted"):
                attempted.add(key.removesuffix("_attempted"))
            elif key.endswith("_ts"):
                posted[key.removesuffix("_ts")] = value
            else:
                rest[key] = value
        return {**rest, "post_attempted": attempted, "posted_ts": posted}


PostingContext = RunContext[Deps, RunArgs, PostingState]
"""The context of any run whose state can post once, whatever its arguments."""


async def post_once(
    ctx: PostingContext,
    name: str,
    channel: str,
    message: Message,
    *,
    marker: str | None = None,
    skip_archived: bool = False,
    thread_ts: str | None = None,
) -> str | None:
    """The ts of this run's `name` message, posted now or found from before; None when skipped.

    With `skip_archived`, a channel that takes no posts (an archived incident channel) is skipped
    rather than failing the run. With `thread_ts`, it is a reply in that thread.
    """
    if name in ctx.state.posted_ts:
        return ctx.state.posted_ts[name] or None
    marker = marker or f"run-{ctx.run_id}-{name}"
    text, blocks = message
    blocks = [{**blocks[0], "block_id": marker}, *blocks[1:]]
    ts = None
    if name in ctx.state.post_attempted:
        slack = ctx.deps.slack
        ts = (
            await slack.find_reply(channel, thread_ts, marker)
            if thread_ts
            else await slack.find_message(channel, marker)
        )
    if ts is None:
        await ctx.record(post_attempted=ctx.state.post_attempted | {name})
        try:
            ts = await ctx.deps.slack.post_message(channel, text, blocks, thread_ts=thread_ts)
        except ProviderError as exc:
            if not (skip_archived and exc.detail in ARCHIVED):
                raise
            log.info("post.skipped_archived_channel", channel=channel, message=name)
    await ctx.record(posted_ts={**ctx.state.posted_ts, name: ts or ""})
    return ts
