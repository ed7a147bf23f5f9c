"""Incident response cost: recomputed from the full history on every run (idempotent, no drift)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.config import CostSettings


class CostService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: CostSettings
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
