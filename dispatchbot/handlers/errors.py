"""One global error handler: expected refusals become a message in Slack, bugs get an error id.

Nobody ever sees a traceback and nothing fails silently: if the request is not acknowledged yet, the
answer travels in the ack (a modal field error, an updated modal, an ephemeral reply); otherwise it is
sent through the response_url, an ephemeral message, or a DM, whichever works first.
"""

from __future__ import annotations

import secrets
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse

from dispatchbot.blocks.common import notice_modal
from dispatchbot.deps import Deps
from dispatchbot.errors import InvalidForm, ProviderError, UserFacingError
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn, md, unescape

log = get_logger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None, respond: AsyncRespond | None
    ) -> BoltResponse | None:
        message = explain(error)
        if response is not None and (body.get("type") == "view_submission" or "command" in body):
            return _answer_in_ack(error, body, message)
        # Otherwise the message follows on its own, without holding up the ack.
        deps.background.spawn(tell_user(deps, body, message, respond), name="tell-user")
        return BoltResponse(status=200, body="") if response is not None else None


def explain(error: Exception) -> Mrkdwn:
    """What the person is told about `error`, logged on the way: a refusal (its reason may quote an
    incident's title) at DEBUG only, a bug at ERROR with the error id the person is given."""
    if isinstance(error, UserFacingError):
        structlog.contextvars.bind_contextvars(outcome="refused")
        log.debug("request.refused", error=type(error).__name__, reason=error.message)
        return error.message
    error_id = secrets.token_hex(4)
    structlog.contextvars.bind_contextvars(outcome="failed", error_id=error_id)
    log.error("request.failed", exc_info=error)
    return md(
        "Something went wrong (error id {error_id}). "
        "Please try again; if it keeps happening, tell the bot's operators.",
        error_id=error_id,
    )


def _answer_in_ack(error: Exception, body: dict[str, Any], message: Mrkdwn) -> BoltResponse:
    if body.get("type") == "view_submission":
        if isinstance(error, InvalidForm):
            return BoltResponse(status=200, body={"response_action": "errors", "errors": error.errors})
        if isinstance(error, UserFacingError) and error.block_id:
            return BoltResponse(
                status=200, body={"response_action": "errors", "errors": {error.block_id: unescape(message)}}
            )
        return BoltResponse(
            status=200, body={"response_action": "update", "view": notice_modal("Not done", message)}
        )
    return BoltResponse(status=200, body={"response_type": "ephemeral", "text": message})


async def tell_user(deps: Deps, body: dict[str, Any], text: Mrkdwn, respond: AsyncRespond | None) -> None:
    """Reach the person who acted: response_url, then an ephemeral in the channel, then a DM."""
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    if respond is not None and body.get("response_url"):
        try:
            await respond(text=text, response_type="ephemeral", replace_original=False)
            return
        except Exception:
            log.warning("request.respond_failed")
    if user and channel:
        try:
            await deps.slack.post_ephemeral(channel, user, text)
            return
        except ProviderError:
            log.warning("request.ephemeral_failed")
    if user:
        await deps.slack.post_message(user, text)
