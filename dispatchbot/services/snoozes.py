"""Signal snoozes as people make them, and their ends said once. A snooze made from a case is said in
that case's thread (a timeline line, like any other change of the case); one made from
`/dispatch-list-signals` is said in the channel by the caller."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.alerting.snoozes import SNOOZE_CHOICES, Snooze
from dispatchbot.blocks.alerts.snooze import snooze_detail
from dispatchbot.clock import Clock
from dispatchbot.config import Settings
from dispatchbot.errors import NotFound, UserFacingError
from dispatchbot.storage.cases import CaseRepository
from dispatchbot.storage.snoozes import SnoozeRepository

BOT_ACTOR = "dispatchbot"


class SnoozeService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Settings,
        on_change: Callable[[], None],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._on_change = on_change
        self.generation = 0
        """Counts the snoozes made here, so this process's intake reads them again at once."""

    async def snooze(
        self, signal: str, entities: Mapping[str, str], user_id: str, expires: str, case_id: int | None
    ) -> str:
        """Snooze `signal` (only alerts with `entities`, when given) for `expires` (a `SNOOZE_CHOICES`
        label); the words that say so."""
        configured = next((entry for entry in self._settings.signals if entry.name == signal), None)
        if configured is None:
            raise NotFound("That signal is not configured any more.")
        if expires not in SNOOZE_CHOICES:
            raise UserFacingError("Choose how long to snooze for.")
        unknown = set(entities) - set(configured.entities)
        if unknown:
            raise UserFacingError(f"{signal} has no entities {sorted(unknown)}.")
        now = self._clock.now()
        until = now + SNOOZE_CHOICES[expires]
        detail = snooze_detail(signal, entities, until)
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            if case_id is not None:
                case = await cases.get(case_id)
                if case is None or not case.visible_to(user_id):
                    raise NotFound("That case does not exist or is not visible to you.")
                await cases.add_event(case_id, now, user_id, "snoozed", detail)
            await SnoozeRepository(session).add(signal, entities, user_id, now, until, case_id)
        self.generation += 1
        self._wake()
        return detail

    async def active(self) -> list[Snooze]:
        async with self._sessions() as session:
            return await SnoozeRepository(session).active(self._clock.now())

    async def end_due(self) -> list[Snooze]:
        """Mark the snoozes that ended as said: those made from a case get a timeline line there; the
        others are returned for the caller to say in their signal's channel."""
        now = self._clock.now()
        uncased: list[Snooze] = []
        async with self._sessions.begin() as session:
            snoozes, cases = SnoozeRepository(session), CaseRepository(session)
            for snooze in await snoozes.ended_unsaid(now):
                detail = snooze_detail(snooze.signal, snooze.entities, snooze.expires_at)
                if snooze.case_id is not None:
                    await cases.add_event(
                        snooze.case_id,
                        now,
                        BOT_ACTOR,
                        "snooze ended",
                        f"{detail} ({snooze.matched} kept quiet)",
                    )
                else:
                    uncased.append(snooze)
                await snoozes.ended_said(snooze.id)
        self._wake()
        return uncased

    def _wake(self) -> None:
        """Delivery says the new timeline lines."""
        self._on_change()
