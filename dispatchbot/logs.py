"""Structured logging: one pipeline for our logs and the libraries', with secrets scrubbed last.

Library loggers (slack_sdk, aiohttp, sqlalchemy) go through the same processors as ours, because the
most likely leak is a library debug line printing request headers. Redaction therefore runs after
exception formatting and just before rendering, on every string in the event.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.types import EventDict, Processor

REDACTED = "[redacted]"

_SECRET_KEY = re.compile(r"token|secret|password|authorization|signature|api_key|apikey", re.IGNORECASE)
_SECRET_PATTERNS = re.compile(
    r"xox[abposre]-[A-Za-z0-9-]+"  # Slack bot/user/config tokens
    r"|xapp-[A-Za-z0-9-]+"  # Slack app-level tokens
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]+"  # Authorization header values
    r"|v0=[0-9a-f]{64}"  # Slack request signatures
)


class RedactSecrets:
    """Replace known secret values and anything shaped like a token, in every string of the event."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._literals = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def __call__(self, logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
        return {key: self._scrub_item(key, value) for key, value in event_dict.items()}

    def _scrub_item(self, key: str, value: Any) -> Any:
        if _SECRET_KEY.search(key) and isinstance(value, str | bytes) and value:
            return REDACTED
        return self._scrub(value)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for literal in self._literals:
                value = value.replace(literal, REDACTED)
            return _SECRET_PATTERNS.sub(REDACTED, value)
        if isinstance(value, dict):
            return {key: self._scrub_item(str(key), item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub(item) for item in value]
        return value


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
    root.setLevel(level)
    # The libraries are chatty at DEBUG and their lines add nothing at INFO.
    for noisy in ("slack_sdk", "slack_bolt", "aiohttp.access", "apscheduler", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.INFO))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)


def interaction_context(body: MutableMapping[str, Any]) -> dict[str, str]:
    """The ids worth carrying on every line logged while handling one Slack request."""
    event = body.get("event") or {}
    context: dict[str, str] = {
        "slack_type": str(body.get("type") or ("command" if "command" in body else ""))
    }
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
    if "command" in body:
        context["command"] = str(body["command"])
    return context


def _nested_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None
