"""Structured logging: one pipeline for our logs and the libraries', with secrets scrubbed last.

Library loggers (slack_sdk, aiohttp, sqlalchemy) go through the same processors as ours, because the
most likely leak is a library debug line printing request headers. Redaction therefore runs after
exception formatting and just before rendering, on every string in the event.

What each level shows. INFO (the default) is for operators: our own lines only (ids, kinds, outcomes
and timings: one `slack.handled` line per request, one line per job tick that did something, a few per
incident), and the libraries' warnings and errors. No SQL, no set-up chatter, and no user content
(titles, descriptions, message or report text): those appear at DEBUG at most. DEBUG adds our detail
lines and the libraries' INFO lines (SQL statements without their parameters, connection events, job
runs); the libraries' own DEBUG lines stay off, they would dump request bodies.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import structlog
from structlog.types import EventDict, Processor

REDACTED = "[redacted]"
OUR_LOGGER = "dispatchbot"
HTTP_OK = 200

_SECRET_KEY = re.compile(r"token|secret|password|authorization|signature|api_key|apikey", re.IGNORECASE)
_SECRET_PATTERNS = re.compile(
    r"xox[abposre]-[A-Za-z0-9-]+"  # Slack bot/user/config tokens
    r"|xapp-[A-Za-z0-9-]+"  # Slack app-level tokens
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]+"  # Authorization header values
    r"|v0=[0-9a-f]{64}"  # Slack request signatures
)


class RedactSecrets:
    """Replace known secret values and anything shaped like a token, in every string of the event.

    It sees every line at every level, so it is one regular expression pass per string.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        literals = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        self._pattern = re.compile("|".join([*map(re.escape, literals), _SECRET_PATTERNS.pattern]))

    def __call__(self, logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
        return {key: self._scrub_item(key, value) for key, value in event_dict.items()}

    def _scrub_item(self, key: str, value: Any) -> Any:
        if _is_secret_key(key) and isinstance(value, str | bytes) and value:
            return REDACTED
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._pattern.sub(REDACTED, value)
        if isinstance(value, dict):
            return {key: self._scrub_item(str(key), item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(item) for item in value]
        return value


@functools.lru_cache(maxsize=1024)
def _is_secret_key(key: str) -> bool:
    return _SECRET_KEY.search(key) is not None


def configure_logging(
    *, level: str, fmt: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Route structlog and stdlib logging through one redacting renderer on `stream` (stderr)."""
    output = stream if stream is not None else sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not output.isatty())
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        RedactSecrets(secrets),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(output)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    ours = logging.getLevelName(level)
    # The libraries stay one step quieter than we are: their INFO (SQLAlchemy's SQL echo, connection
    # and job chatter) shows only when we are at DEBUG.
    libraries = logging.INFO if ours <= logging.DEBUG else max(ours, logging.WARNING)
    root.setLevel(libraries)
    logging.getLogger(OUR_LOGGER).setLevel(ours)
    # SQLAlchemy sets its loggers to WARNING on import (its mapper set-up is chatty even at INFO);
    # its SQL echo follows the libraries' level.
    logging.getLogger("sqlalchemy.engine").setLevel(libraries)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)


def interaction_context(body: Mapping[str, Any]) -> dict[str, str]:
    """The ids worth carrying on every line logged while handling one Slack request, never its text.

    `kind` is Slack's request type (command, block_actions, view_submission, event_callback, ...) and
    `name` what it is for: the command, action id, callback id or event type, all ours or Slack's.
    """
    kind = request_kind(body)
    event = body.get("event") or {}
    context: dict[str, str] = {"kind": kind}
    name = _request_name(kind, body, event)
    if name:
        context["name"] = name
    event_id = body.get("event_id")
    if event_id:
        context["event_id"] = str(event_id)
    user = body.get("user_id") or _nested_id(body.get("user")) or event.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    if user:
        context["user"] = str(user)
    channel = body.get("channel_id") or _nested_id(body.get("channel")) or event.get("channel")
    if isinstance(channel, dict):
        channel = channel.get("id")
    if channel:
        context["channel"] = str(channel)
    return context


def request_kind(body: Mapping[str, Any]) -> str:
    """Slack's type of a request body; slash commands carry none, so they are `command`."""
    return str(body.get("type") or ("command" if "command" in body else "unknown"))


def _request_name(kind: str, body: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    if kind == "command":
        return str(body.get("command") or "")
    if kind == "event_callback":
        return str(event.get("type") or "")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return str(actions[0].get("action_id") or "")
    if kind in ("view_submission", "view_closed"):
        return str((body.get("view") or {}).get("callback_id") or "")
    return str(body.get("callback_id") or "")


_handled_log = get_logger("dispatchbot.slack")


def log_handled(kind: str, seconds: float, status: int) -> None:
    """The one INFO line per Slack request, written once its ack is out.

    Its ids (envelope, kind, name, user, channel) come from the logging context the transport and
    the context middleware bound; a middleware or the error handler may have bound an `outcome`
    (`repeat`, `refused`, `failed`); otherwise it is `ok`, or the HTTP status bolt answered with.
    """
    outcome = structlog.contextvars.get_contextvars().get("outcome")
    if outcome is None:
        outcome = "ok" if status == HTTP_OK else f"status_{status}"
    _handled_log.info("slack.handled", kind=kind, ms=round(seconds * 1000, 1), outcome=outcome)


def _nested_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None
