"""Placeholder until the pagerduty adapter lands: not configured anywhere."""

from __future__ import annotations

from dispatchbot.config import Settings
from dispatchbot.providers.oncall import Oncall


def build(settings: Settings) -> Oncall | None:
    return None
