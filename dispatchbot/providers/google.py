"""Placeholder until the Google adapter lands: not configured anywhere."""

from __future__ import annotations

from dispatchbot.config import Settings
from dispatchbot.providers.documents import Documents


def build(settings: Settings) -> Documents | None:
    return None
