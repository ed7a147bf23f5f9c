"""The HTTP face of the Web API: parse any of Slack's three encodings, authenticate, inject faults,
log the call, run the method, and answer with Slack's status codes and JSON shapes.

API errors are HTTP 200 with ``ok: false`` (that is what Slack does, and what makes slack_sdk raise
``SlackApiError``); only rate limits (429) and injected server errors change the status code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from aiohttp import web

from dispatchbot.manifest import BOT_SCOPES
from dispatchbot.testing.slack.faults import Faults
from dispatchbot.testing.slack.methods import HANDLERS, ApiError, Args, Context
from dispatchbot.testing.slack.state import JSON, Change, Workspace

_APP_TOKEN_METHODS = {"apps.connections.open"}


@dataclass(frozen=True)
class ApiCall:
    """One Web API request as the fake saw it, whatever its outcome. ``at`` (answered) and ``started``
    (arrived, before injected latency) are ``time.monotonic()``."""

    method: str
    args: dict[str, Any]
    token: str | None
    status: int
    error: str | None
    at: float
    started: float = 0.0


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Query string (GET methods such as users.lookupByEmail), then a JSON or form body on top."""
    args: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                args.update(body)
        else:
            args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return args


def _hint(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    return value if isinstance(value, str) else None


class WebApi:
    """Serves ``/api/{method}`` for one workspace and keeps the call log."""

    def __init__(
        self,
        workspace: Workspace,
        faults: Faults,
        *,
        bot_token: str,
        app_token: str,
        open_socket: Callable[[], str],
    ) -> None:
        self.workspace = workspace
        self.faults = faults
        self.bot_token = bot_token
        self.app_token = app_token
        self.open_socket = open_socket
        self.calls: list[ApiCall] = []
        self.arrived: list[str] = []  # method names as requests arrive, before faults delay them
        self.granted_scopes: set[str] = set(BOT_SCOPES)
        """The bot token's scopes, sent in `x-oauth-scopes` as Slack does; remove some to test a
        missing scope (methods do not enforce them)."""
        self.clock_skew_seconds = 0.0
        """Added to the `Date` header of every answer, to play a Slack whose clock disagrees with ours."""

    def _authenticate(self, method: str, token: str | None) -> None:
        if not token:
            raise ApiError("not_authed")
        expected = self.app_token if method in _APP_TOKEN_METHODS else self.bot_token
        if token == expected:
            return
        wrong_kind = self.bot_token if method in _APP_TOKEN_METHODS else self.app_token
        if token == wrong_kind or (method in _APP_TOKEN_METHODS and not token.startswith("xapp-")):
            raise ApiError("not_allowed_token_type")
        raise ApiError("invalid_auth")

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        started = time.monotonic()
        self.arrived.append(method)
        args = await _read_args(request)
        bearer = request.headers.get("Authorization", "")
        token = bearer.removeprefix("Bearer ").strip() if bearer.startswith("Bearer ") else None
        token = token or args.pop("token", None) or None
        args.pop("token", None)
        fault = await self.faults.apply(method)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return self._answer(
                method, args, token, {"ok": False, "error": fault.error}, fault.status, headers, started
            )
        try:
            handler = HANDLERS.get(method)
            if handler is None:
                raise ApiError("unknown_method")
            self._authenticate(method, token)
            result = handler(Context(self.workspace, self.open_socket), Args(args))
            body: JSON = {"ok": True, **result}
            self.workspace.changed(Change(method, _hint(args, "channel"), _hint(args, "user_id")))
        except ApiError as exc:
            body = {"ok": False, "error": exc.error, **exc.extra}
        return self._answer(method, args, token, body, 200, {}, started)

    def _answer(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None,
        body: JSON,
        status: int,
        headers: dict[str, str],
        started: float,
    ) -> web.Response:
        error = None if body.get("ok") else str(body.get("error"))
        self.calls.append(ApiCall(method, args, token, status, error, time.monotonic(), started))
        headers = dict(headers)
        if token == self.bot_token:
            headers["x-oauth-scopes"] = ",".join(sorted(self.granted_scopes))
        if self.clock_skew_seconds:
            headers["Date"] = formatdate(time.time() + self.clock_skew_seconds, usegmt=True)
        return web.json_response(body, status=status, headers=headers, dumps=json.dumps)
