"""The error tree. Handlers turn these into Slack messages; anything else is a bug with an error id.

`UserFacingError.message` is shown to people as mrkdwn, so it must say what happened and what to do, in
plain words. A plain `str` message is escaped (it can never ping or link); one that mentions someone is
built with `dispatchbot.mrkdwn.md`. `block_id` lets a modal submission point the error at the field it
is about.
"""

from __future__ import annotations

from dispatchbot.mrkdwn import Mrkdwn, escape


class DispatchbotError(Exception):
    """Root of our own errors."""


class UserFacingError(DispatchbotError):
    """An expected refusal or problem that the person in Slack should read."""

    def __init__(self, message: str, *, block_id: str | None = None) -> None:
        super().__init__(message)
        self.message: Mrkdwn = escape(message)
        self.block_id = block_id


class InvalidForm(UserFacingError):
    """Submitted modal values that fail validation; `errors` maps block ids to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class NotFound(UserFacingError):
    """The thing asked for does not exist (or is not visible to this person)."""


class Forbidden(UserFacingError):
    """The person may not do this; the message says who may."""


class ProviderError(DispatchbotError):
    """An external service failed in a way a retry may fix."""

    def __init__(self, provider: str, detail: str) -> None:
        super().__init__(f"{provider}: {detail}")
        self.provider = provider
        self.detail = detail


class ProviderUnavailable(ProviderError):
    """The provider is rate-limiting the bot or is down for now, and stayed so for a whole call's retry
    deadline: the same request later should work, so a durable run tries again instead of giving up."""

    def __init__(self, provider: str, detail: str, *, rate_limited: bool) -> None:
        super().__init__(provider, detail)
        self.rate_limited = rate_limited


class StartupError(DispatchbotError):
    """The daemon cannot start; the message is printed to the operator without a traceback."""
