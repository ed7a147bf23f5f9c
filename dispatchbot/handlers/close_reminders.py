"""Listeners for close_reminders (filled in by the feature)."""

from __future__ import annotations

from dispatchbot.deps import Deps
from dispatchbot.handlers.router import Router


def register(router: Router, deps: Deps) -> None:
    """Registers this feature's listeners and flows."""
