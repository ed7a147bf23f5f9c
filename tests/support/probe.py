"""A small real flow and the slash command that starts it, registered as a bot extension.

It exercises the durable-run machinery end to end (two Slack side effects, each recorded before the
next) without depending on any incident feature.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.deps import Deps
from dispatchbot.errors import Forbidden, UserFacingError
from dispatchbot.flows.run_failures import REQUESTED_BY
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.handlers.router import Router

PROBE_COMMAND = "/probe"


async def announce(ctx: RunContext[Deps]) -> None:
    if "announce_ts" in ctx.state:
        return
    ts = await ctx.deps.slack.post_message(ctx.args["channel"], f"probe step one: {ctx.args['text']}")
    await ctx.record(announce_ts=ts)


async def conclude(ctx: RunContext[Deps]) -> None:
    if ctx.args["text"] == "refuse":
        raise UserFacingError("The probe was told to refuse.")
    if ctx.args["text"] == "explode":
        raise RuntimeError("the probe exploded")
    await ctx.deps.slack.channel_info(
        ctx.args["channel"]
    )  # a harmless read that tests slow down to kill us mid-step
    await ctx.deps.slack.post_message(ctx.args["channel"], f"probe step two: {ctx.args['text']}")


PROBE_FLOW = Flow[Deps](
    kind="probe", steps=(Step("announce", announce), Step("conclude", conclude)), title="Probe"
)


def register(router: Router, deps: Deps) -> None:
    deps.runs.register(PROBE_FLOW)

    @router.command(PROBE_COMMAND)
    async def on_probe(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        args = {"channel": body["channel_id"], "text": body.get("text", ""), REQUESTED_BY: body["user_id"]}
        await deps.runs.start(PROBE_FLOW, key=body["trigger_id"], args=args)

    @router.command("/probe-refuse")
    async def on_refuse() -> None:
        raise Forbidden("Only the incident commander can do that.")

    @router.command("/probe-crash")
    async def on_crash() -> None:
        raise RuntimeError("handler bug")
