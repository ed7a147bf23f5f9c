"""Engagement (issue 11, item 6): the person a case's alert is about, asked to confirm or deny it.

Who was asked and what they answered are lines of the case's timeline, not columns of their own: the
bot's `engaged` line names the person (written before the question goes out, so a quick click finds
it), `unreachable` says nobody could be asked, and their `confirmed` or `denied` line carries their
context. Each answer is one transaction that locks the case and reads that timeline, so only the person
asked answers, and only once (a double click or a stale second answer is refused, never applied twice).

Confirm closes an open case as User Acknowledged. Deny moves the case to Triage (re-opening it if someone
closed it meanwhile: the person says it was not them) and, when asked to, leaves a notice that pages the
opening alert's on-call service; the notice is durable, and a denial happens once, so nobody is paged
twice. An escalated case belongs to its incident: the answer is noted in its thread, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.alerting.cases import Case, CaseEntry, CaseStatus, ResolutionReason
from dispatchbot.alerting.model import NoticeKind
from dispatchbot.clock import Clock
from dispatchbot.errors import Forbidden, NotFound, UserFacingError
from dispatchbot.storage.alerts import AlertRepository
from dispatchbot.storage.cases import CaseRepository

BOT_ACTOR = "dispatchbot"
ASKED = "engaged"
UNREACHABLE = "unreachable"
CONFIRMED = "confirmed"
DENIED = "denied"
ANSWERS = (CONFIRMED, DENIED)


@dataclass(frozen=True)
class Engagement:
    """What a case's timeline says of its engagement."""

    asked: str | None = None
    """The Slack id of the person asked."""
    unreachable: bool = False
    answer: str | None = None
    """`confirmed` or `denied`, once they answered."""

    @property
    def started(self) -> bool:
        return self.asked is not None or self.unreachable


def engagement_of(entries: Sequence[CaseEntry]) -> Engagement:
    asked = next((entry.detail for entry in entries if entry.action == ASKED), None)
    answer = next((entry.action for entry in entries if entry.action in ANSWERS), None)
    return Engagement(asked, any(entry.action == UNREACHABLE for entry in entries), answer)


class CaseEngagements:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, on_change: Callable[[], None]
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._on_change = on_change

    async def of(self, case_id: int) -> Engagement:
        async with self._sessions() as session:
            return engagement_of(await CaseRepository(session).timeline(case_id))

    async def ask(self, case_id: int, user_id: str) -> None:
        """`user_id` is the person asked (the thread says so); once per case."""
        await self._start(case_id, user_id)

    async def unreachable(self, case_id: int, who: str, reason: str) -> None:
        """Nobody could be asked (`who`, as the alert named them, and why); said once in the thread."""
        await self._start(case_id, None, f"{who}: {reason}")

    async def _start(self, case_id: int, asked: str | None, why: str = "") -> None:
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            if await cases.get(case_id, lock=True) is None:
                raise NotFound("That case does not exist.")
            if engagement_of(await cases.timeline(case_id)).started:
                return
            action, detail = (ASKED, asked) if asked is not None else (UNREACHABLE, why)
            await cases.add_event(case_id, self._clock.now(), BOT_ACTOR, action, detail)
        self._on_change()

    async def may_answer(self, case_id: int, user_id: str) -> Case:
        """The case, when `user_id` was asked about it and has not answered (checked again on submit)."""
        async with self._sessions() as session:
            cases = CaseRepository(session)
            return _answerable(await cases.get(case_id), await cases.timeline(case_id), user_id)

    async def confirm(self, case_id: int, user_id: str, context: str) -> Case:
        """It was them, or expected: an open case closes as User Acknowledged with their context."""
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = _answerable(await cases.get(case_id, lock=True), await cases.timeline(case_id), user_id)
            now = self._clock.now()
            await cases.add_event(case_id, now, user_id, CONFIRMED, context)
            if case.status in (CaseStatus.NEW, CaseStatus.TRIAGE, CaseStatus.STABLE):
                reason = ResolutionReason.USER_ACKNOWLEDGED
                await cases.change(
                    case_id,
                    status=CaseStatus.CLOSED.value,
                    resolution_reason=reason.value,
                    resolution=context,
                    closed_at=now,
                )
                await cases.add_event(case_id, now, user_id, "resolved", reason.value)
        self._on_change()
        return case

    async def deny(self, case_id: int, user_id: str, context: str, *, page: bool) -> Case:
        """It was not them: their context is noted, the case goes to Triage (re-opened if it was
        closed), and with `page` the opening alert's on-call service is paged (through its notice)."""
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = _answerable(await cases.get(case_id, lock=True), await cases.timeline(case_id), user_id)
            now = self._clock.now()
            await cases.add_event(case_id, now, user_id, DENIED, context)
            if case.status is not CaseStatus.ESCALATED:
                if case.status is not CaseStatus.TRIAGE:
                    await cases.change(
                        case_id,
                        status=CaseStatus.TRIAGE.value,
                        resolution_reason=None,
                        resolution="",
                        closed_at=None,
                    )
                    moved = "reopened" if case.status is CaseStatus.CLOSED else "triaged"
                    await cases.add_event(case_id, now, user_id, moved)
                alert_id = await cases.opening_alert(case_id) if page else None
                if alert_id is not None:
                    await AlertRepository(session).add_notices(
                        [
                            {
                                "alert_id": alert_id,
                                "kind": NoticeKind.ESCALATE.value,
                                "detail": {"by": user_id, "case_id": case_id},
                                "created_at": now,
                                "attempted": False,
                                "attempts": 0,
                            }
                        ]
                    )
        self._on_change()
        return case


def _answerable(case: Case | None, entries: Sequence[CaseEntry], user_id: str) -> Case:
    if case is None:
        raise NotFound("That case does not exist.")
    engagement = engagement_of(entries)
    if engagement.asked != user_id:
        raise Forbidden(f"Only the person {case.name} asked can answer it.")
    if engagement.answer is not None:
        raise UserFacingError(f"You answered already: you {engagement.answer} {case.name}.")
    return case
