"""Slack surface for timeline (being built)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from dispatchbot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    """Registers nothing yet."""
