"""The Retry button on a failed-run message."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.blocks.run_failures import RETRY_NOT_NEEDED_TEXT, retry_started_text
from dispatchbot.deps import Deps
from dispatchbot.flows import run_failures
from dispatchbot.handlers.router import Router
from dispatchbot.ids import ActionId


def register(router: Router, deps: Deps) -> None:
    @router.action(ActionId.RETRY_FLOW_RUN)
    async def on_retry(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        run_id = int(body["actions"][0]["value"])
        run = await run_failures.retry(deps, run_id, body["user"]["id"])
        text = retry_started_text(deps.runs.title_of(run.kind)) if run is not None else RETRY_NOT_NEEDED_TEXT
        deps.background.spawn(respond(text=text, replace_original=True), name="retry-respond")
