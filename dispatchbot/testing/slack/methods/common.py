"""What every Web API method handler shares: errors, argument access and channel resolution.

Handlers are plain synchronous functions ``(ctx, args) -> dict``: the HTTP layer has already parsed
the request, checked the token and applied faults, so a handler only models Slack's behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dispatchbot.testing.slack.state import JSON, Channel, Message, User, Workspace


class ApiError(Exception):
    """An ``{"ok": false, "error": ...}`` answer; ``extra`` adds fields Slack sends next to the error."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class Args:
    """Request arguments as Slack accepts them: strings from forms/queries or typed values from JSON."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def get(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else str(value)

    def required(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.get(name)
        if not value:
            raise ApiError(error)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"1", "true"}

    def integer(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(str(value))
        except ValueError as exc:
            raise ApiError("invalid_arguments") from exc

    def structured(self, name: str) -> Any:
        """A JSON argument (blocks, view): a JSON string when form-encoded, already decoded in JSON bodies."""
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ApiError("invalid_arguments") from exc
        return value

    def id_list(self, name: str) -> list[str]:
        value = self.values.get(name)
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in self.get(name).split(",") if part.strip()]


@dataclass
class Context:
    """What a handler may use besides its arguments."""

    workspace: Workspace
    open_socket: Callable[[], str]

    @property
    def bot(self) -> str:
        return self.workspace.bot_user_id

    def channel(self, channel_id: str, *, must_be_member: bool = False) -> Channel:
        """The channel the bot may see: private channels it is not in do not exist for it, like in Slack."""
        channel = self.workspace.channels.get(channel_id)
        if channel is None or (channel.is_private and self.bot not in channel.members):
            raise ApiError("channel_not_found")
        if must_be_member and self.bot not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def message(self, channel: Channel, ts: str) -> Message:
        message = self.workspace.find_message(channel.id, ts)
        if message is None:
            raise ApiError("message_not_found")
        return message

    def user(self, user_id: str) -> User:
        user = self.workspace.users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        return user


Handler = Callable[[Context, Args], JSON]


def paginate(items: list[Any], args: Args, default_limit: int = 100) -> tuple[list[Any], JSON]:
    """Cursor pagination as Slack does it: an opaque ``next_cursor``, empty on the last page."""
    limit = max(1, min(args.integer("limit", default_limit), 1000))
    cursor = args.get("cursor")
    start = int(cursor.removeprefix("next:")) if cursor.startswith("next:") else 0
    page = items[start : start + limit]
    next_cursor = f"next:{start + limit}" if start + limit < len(items) else ""
    return page, {"next_cursor": next_cursor}
