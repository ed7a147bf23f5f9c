"""Slack checks: the bot token and its scopes, the clock, and the app token (Socket Mode) or the
settings HTTP mode needs. The channels are checked in `doctor.channels`, with what this finds out.

One `auth.test` answers three of them: whether the token works, which scopes it has (Slack lists them
in the `x-oauth-scopes` header of every Web API answer) and Slack's time (its `Date` header, sent with
refusals too, so the clock is checked even when the token is bad).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TypeGuard

import aiohttp
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from dispatchbot.config import Settings, SlackMode
from dispatchbot.doctor.results import CheckResult, failed, guarded, passed, skipped, warned
from dispatchbot.manifest import SLACK_EVENTS_PATH, bot_scopes
from dispatchbot.metrics import Metrics
from dispatchbot.providers.slack import build_web_client

REQUEST_TIMEOUT_SECONDS = 5
CLOCK_WARN_SECONDS = 5.0
"""Above the measurement's own error: `Date` has whole seconds, plus half the round trip."""
CLOCK_FAIL_SECONDS = 60.0
"""Reminders, durations and timeline times visibly wrong; a few minutes more and Slack's request
signatures (HTTP mode) and Google's token grants are refused outright."""

BOT_TOKEN = "Slack bot token"
SCOPES = "Slack scopes"
CLOCK = "clock"
APP_TOKEN = "Slack app token"
HTTP_MODE = "Slack HTTP mode"

BOT_TOKEN_FIX = (
    "copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions (reinstall the app if it was "
    "revoked) into DISPATCHBOT_SLACK__BOT_TOKEN or bot_token in [slack]"
)
APP_TOKEN_FIX = (
    "create an app-level token with connections:write under Basic Information > App-Level Tokens and "
    "set DISPATCHBOT_SLACK__APP_TOKEN (or app_token in [slack])"
)
CLOCK_FIX = "turn on time synchronisation (NTP: systemd-timesyncd or chrony) on this host"
NEEDS_TOKEN = "needs a working bot token"


@dataclass(frozen=True)
class _AuthAnswer:
    """What `auth.test` said (its body and headers, refusals included), or why no answer came."""

    body: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    unreachable: str = ""
    local_time: float = 0.0
    """`time.time()` halfway through the call: the moment the server's `Date` is compared with."""

    @property
    def error(self) -> str:
        return self.unreachable or ("" if self.body.get("ok") else str(self.body.get("error", "error")))


@dataclass(frozen=True)
class Posting:
    """What a working bot token may do with channels, for the channel checks."""

    client: AsyncWebClient
    bot_name: str
    public_channels: bool
    """Granted chat:write.public (or Slack did not say), so it may post to public channels it is not in."""


async def slack_checks(settings: Settings, deadline: float) -> tuple[list[CheckResult], Posting | None]:
    """The bot token, scopes and clock lines, and what the token may post where (None if it does not work)."""
    answer = await _auth_test(settings, deadline)
    token = _token_result(settings, answer)
    scopes = _granted_scopes(answer) if token.ok else None
    results = [token, _scopes_result(settings, token.ok, scopes), _clock_result(answer)]
    if not token.ok:
        return results, None
    return results, Posting(
        client=web_client(settings, _secret(settings.slack.bot_token)),
        bot_name=str(answer.body.get("user") or settings.slack.app_name),
        public_channels=scopes is None or "chat:write.public" in scopes,
    )


def web_client(settings: Settings, token: str) -> AsyncWebClient:
    """The bot's own client (pacing, retries) with a short per-request timeout."""
    return build_web_client(
        token=token, base_url=settings.slack.api_url, metrics=Metrics(), timeout=REQUEST_TIMEOUT_SECONDS
    )


async def app_checks(settings: Settings, deadline: float) -> CheckResult:
    """Socket Mode: the app token opens connections. HTTP mode: what Slack needs to reach and trust us."""
    slack = settings.slack
    if slack.mode is SlackMode.HTTP:
        return _http_mode_result(settings)
    token = _secret(slack.app_token)
    if not token:
        return failed(APP_TOKEN, "not set (Socket Mode needs one)", APP_TOKEN_FIX)
    if not token.startswith("xapp-"):
        return failed(
            APP_TOKEN, f"not an app-level token (starts with {token[:5]!r}, not 'xapp-')", APP_TOKEN_FIX
        )
    return await guarded(
        APP_TOKEN,
        _open_connection(settings, token),
        deadline=deadline,
        fix=f"check slack.api_url ({slack.api_url})",
    )


async def _open_connection(settings: Settings, token: str) -> CheckResult:
    try:
        await web_client(settings, token).apps_connections_open(app_token=token)
    except SlackApiError as exc:
        if not _is_slack(exc.response.data):
            return failed(APP_TOKEN, _not_slack(settings, exc.response.status_code), _REACH_FIX)
        error = str(exc.response.get("error", "error"))
        return failed(APP_TOKEN, f"Slack refused to open a Socket Mode connection ({error})", APP_TOKEN_FIX)
    except (aiohttp.ClientError, OSError) as exc:
        return failed(APP_TOKEN, _unreachable(settings, exc), _REACH_FIX)
    return passed(APP_TOKEN, "Socket Mode connections can be opened")


def _http_mode_result(settings: Settings) -> CheckResult:
    slack = settings.slack
    problems: list[str] = []
    fixes: list[str] = []
    if not _secret(slack.signing_secret):
        problems.append("signing_secret is not set")
        fixes.append("set DISPATCHBOT_SLACK__SIGNING_SECRET to the Signing Secret from Basic Information")
    if not slack.public_url:
        problems.append("public_url is not set, so Slack has no request URL to post to")
        fixes.append("set slack.public_url to the https:// address Slack reaches the bot at")
    if problems:
        return failed(HTTP_MODE, "; ".join(problems), "; ".join(fixes))
    request_url = slack.public_url.rstrip("/") + SLACK_EVENTS_PATH
    if not slack.public_url.startswith("https://"):
        return warned(
            HTTP_MODE,
            f"Slack posts to {request_url}, but Slack accepts only https:// request URLs",
            "serve the bot behind TLS and set slack.public_url to its https:// address",
        )
    return passed(HTTP_MODE, f"signing secret set; Slack posts to {request_url}")


async def _auth_test(settings: Settings, deadline: float) -> _AuthAnswer:
    client = web_client(settings, _secret(settings.slack.bot_token))
    started = time.time()
    try:
        response = await asyncio.wait_for(client.auth_test(), deadline)
        body, headers, status = response.data, response.headers, response.status_code
    except SlackApiError as exc:
        body, headers, status = exc.response.data, exc.response.headers, exc.response.status_code
    except TimeoutError:
        return _AuthAnswer(unreachable=f"no answer from {settings.slack.api_url} within {deadline:g} s")
    except (aiohttp.ClientError, OSError) as exc:
        return _AuthAnswer(unreachable=_unreachable(settings, exc))
    if not _is_slack(body):
        return _AuthAnswer(unreachable=_not_slack(settings, status))
    midpoint = (started + time.time()) / 2
    return _AuthAnswer(body=body, headers=headers or {}, local_time=midpoint)


def _token_result(settings: Settings, answer: _AuthAnswer) -> CheckResult:
    token = _secret(settings.slack.bot_token)
    if not token:
        return failed(BOT_TOKEN, "not set", BOT_TOKEN_FIX)
    if answer.unreachable:
        return failed(BOT_TOKEN, answer.unreachable, _REACH_FIX)
    if answer.error:
        return failed(BOT_TOKEN, f"Slack rejected it ({answer.error})", BOT_TOKEN_FIX)
    if not token.startswith("xoxb-"):
        return failed(BOT_TOKEN, f"not a bot token (starts with {token[:5]!r}, not 'xoxb-')", BOT_TOKEN_FIX)
    body = answer.body
    return passed(
        BOT_TOKEN,
        f"@{body.get('user')} ({body.get('user_id')}) in {body.get('team')} ({body.get('team_id')})",
    )


def _granted_scopes(answer: _AuthAnswer) -> set[str] | None:
    header = _header(answer.headers, "x-oauth-scopes")
    if header is None:
        return None
    return {scope.strip() for scope in header.split(",") if scope.strip()}


def _scopes_result(settings: Settings, token_ok: bool, granted: set[str] | None) -> CheckResult:
    if not token_ok:
        return skipped(SCOPES, NEEDS_TOKEN)
    needed = bot_scopes(settings)
    if granted is None:
        return warned(
            SCOPES,
            "Slack did not say which scopes the token has (no x-oauth-scopes header)",
            "compare OAuth & Permissions > Bot Token Scopes with the scopes in `dispatchbot manifest`",
        )
    missing = [scope for scope in needed if scope not in granted]
    if missing:
        return failed(
            SCOPES,
            f"missing {', '.join(missing)}",
            "add them under OAuth & Permissions > Bot Token Scopes (or update the app from `dispatchbot "
            "manifest`), reinstall the app to the workspace, and use the new bot token",
        )
    return passed(SCOPES, f"all {len(needed)} scopes the bot needs are granted")


def _clock_result(answer: _AuthAnswer) -> CheckResult:
    date = _header(answer.headers, "Date")
    if answer.unreachable or date is None:
        return skipped(CLOCK, "Slack sent no time to compare with")
    try:
        # `Date` is truncated to the second: the server's time was, on average, half a second later.
        skew = parsedate_to_datetime(date).timestamp() + 0.5 - answer.local_time
    except (TypeError, ValueError):
        return skipped(CLOCK, f"Slack's Date header {date!r} is not a date")
    drift = abs(skew)
    if drift < 1.5:
        return passed(CLOCK, "matches Slack's clock to the second")
    side = "behind" if skew > 0 else "ahead of"
    detail = f"{drift:.0f} s {side} Slack's clock"
    if drift > CLOCK_FAIL_SECONDS:
        return failed(
            CLOCK,
            f"{detail}: reminders and times shown are off, and past 5 minutes Slack request signatures "
            "and Google token grants are refused",
            CLOCK_FIX,
        )
    if drift > CLOCK_WARN_SECONDS:
        return warned(CLOCK, f"{detail}: the clock is drifting", CLOCK_FIX)
    return passed(CLOCK, detail)


_REACH_FIX = "check slack.api_url, this host's network and any HTTPS proxy (HTTPS_PROXY)"


def _unreachable(settings: Settings, exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer from {settings.slack.api_url} within {REQUEST_TIMEOUT_SECONDS} s"
    return f"cannot reach Slack at {settings.slack.api_url} ({type(exc).__name__}: {exc})"


def _is_slack(body: object) -> TypeGuard[dict[str, Any]]:
    """Every Web API answer, refusals included, is a JSON object with `ok`; a proxy's page is not."""
    return isinstance(body, dict) and "ok" in body


def _not_slack(settings: Settings, status: int) -> str:
    return f"{settings.slack.api_url} did not answer like Slack's Web API (HTTP {status})"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever its case (aiohttp's headers are case-insensitive, plain dicts not)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
