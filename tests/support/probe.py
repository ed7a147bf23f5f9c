"""A small real flow and the slash command that starts it, registered as a bot extension.

It exercises the durable-run machinery end to end (two Slack side effects, each recorded before the
next) without depending on any incident feature.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from dispatchbot.deps import Deps
from dispatchbot.errors import Forbidden, UserFacingError
from dispatchbot.flows.run_models import RunArgs, RunState
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.handlers.router import Router

PROBE_COMMAND = "/probe"


class ProbeArgs(RunArgs):
    channel: str
    text: str


class ProbeState(RunState):
    announce_ts: str | None = None


ProbeContext = RunContext[Deps, ProbeArgs, ProbeState]


async def announce(ctx: ProbeContext) -> None:
    if ctx.state.announce_ts is not None:
        return
    ts = await ctx.deps.slack.post_message(ctx.args.channel, f"probe step one: {ctx.args.text}")
    await ctx.record(announce_ts=ts)


async def conclude(ctx: ProbeContext) -> None:
    if ctx.args.text == "refuse":
        raise UserFacingError("The probe was told to refuse.")
    if ctx.args.text == "explode":
        raise RuntimeError("the probe exploded")
    await ctx.deps.slack.channel_info(
        ctx.args.channel
    )  # a harmless read that tests slow down to kill us mid-step
    await ctx.deps.slack.post_message(ctx.args.channel, f"probe step two: {ctx.args.text}")


STEPS = (Step("announce", announce), Step("conclude", conclude))
PROBE_FLOW = Flow[Deps, ProbeArgs, ProbeState]("probe", ProbeArgs, ProbeState, STEPS, title="Probe")


def register(router: Router, deps: Deps) -> None:
    deps.runs.register(PROBE_FLOW)

    @router.command(PROBE_COMMAND)
    async def on_probe(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        args = ProbeArgs(channel=body["channel_id"], text=body.get("text", ""), requested_by=body["user_id"])
        await deps.runs.start(PROBE_FLOW, key=body["trigger_id"], args=args)

    @router.command("/probe-refuse")
    async def on_refuse() -> None:
        raise Forbidden("Only the incident commander can do that.")

    @router.command("/probe-crash")
    async def on_crash() -> None:
        raise RuntimeError("handler bug")
