"""Answers that need the database: the ack goes out empty at once, the answer follows by response_url.

Slack shows a command's response_url answer just like an answer in the ack (ephemeral, to the person
who asked), so moving the query after the ack costs the person nothing and keeps a burst of commands
from queueing behind each other's queries. A refusal or a failure is told the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from dispatchbot.deps import Deps
from dispatchbot.handlers.errors import explain, tell_user

Answer = tuple[str, list[dict[str, Any]]]
"""The text and blocks of an ephemeral answer."""


async def ack_then_answer(
    deps: Deps,
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    compose: Callable[[], Awaitable[Answer]],
    name: str,
) -> None:
    """Ack now; compose the answer and send it to the person after the ack."""
    await ack()
    deps.background.spawn(_answer(deps, body, respond, compose), name=name)


async def _answer(
    deps: Deps, body: dict[str, Any], respond: AsyncRespond, compose: Callable[[], Awaitable[Answer]]
) -> None:
    try:
        text, blocks = await compose()
    except Exception as error:
        await tell_user(deps, body, explain(error), respond)
        return
    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
