"""Cases as people change them: triage, resolve, re-open. Each change is one transaction that locks the
case, checks who may make it against the case as it is now (a stale button or a double click is
refused plainly, never applied twice), and writes the timeline line its thread will show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.alerting.cases import Case, CaseEntry, CaseStatus, ResolutionReason, case_name
from dispatchbot.blocks.alerts.case_form import CaseForm, edit_detail
from dispatchbot.blocks.alerts.case_message import CHANNEL_STATUSES
from dispatchbot.clock import Clock
from dispatchbot.errors import Forbidden, NotFound, UserFacingError
from dispatchbot.ids import BlockId
from dispatchbot.services.case_engagements import CaseEngagements
from dispatchbot.storage.cases import CHANNEL_CREATED, CaseRepository, new_case
from dispatchbot.storage.sent_once import SentOnceRepository

CHANNEL_REQUESTED = "channel_requested"


@dataclass(frozen=True)
class ChannelMove:
    """A case's request for a channel of its own (*Create channel*): who asked, and whether the case is
    there yet. Both are timeline lines, so a case needs no column to remember them."""

    requested_by: str
    done: bool


class CaseService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, on_change: Callable[[], None]
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._on_change = on_change
        """Wakes delivery, which edits the message and says the change in the thread."""
        self.engagements = CaseEngagements(sessions, clock, on_change)
        """Asking the person a case's alert is about, and their answers."""

    async def get(self, case_id: int, user_id: str | None = None) -> Case:
        """The case, if `user_id` (when given) may see it; a restricted case is as missing to others."""
        async with self._sessions() as session:
            case = await CaseRepository(session).get(case_id)
        if case is None or (user_id is not None and not case.visible_to(user_id)):
            raise NotFound("That case does not exist or is not visible to you.")
        return case

    async def open_cases(self, user_id: str, limit: int, *, mine: bool = False) -> tuple[list[Case], int]:
        """Open cases listed for `user_id`, newest first, at most `limit`, and how many there are in all;
        `mine` keeps only those they are assigned to or take part in."""
        async with self._sessions() as session:
            cases = await CaseRepository(session).open_cases()
        wanted = [
            case for case in cases if (case.may_change(user_id) if mine else _listed_for(case, user_id))
        ]
        return wanted[:limit], len(wanted)

    async def activity(self, since: datetime) -> dict[str, tuple[int, int]]:
        """Each channel's (opened, closed) cases since `since`, restricted ones left out (summaries)."""
        async with self._sessions() as session:
            return await CaseRepository(session).activity(since)

    async def may_resolve(self, case_id: int, user_id: str) -> Case:
        """The case, when `user_id` may resolve it now (checked again when the form is submitted)."""
        case = await self.get(case_id, user_id)
        _check_changeable(case, user_id)
        if not case.is_open:
            raise UserFacingError(f"{case.name} is already closed.")
        return case

    async def may_escalate(self, case_id: int, user_id: str) -> Case:
        """The case, when `user_id` may escalate it now (checked again when the form is submitted)."""
        case = await self.get(case_id, user_id)
        _check_escalatable(case, user_id)
        move = await self.channel_move(case_id)
        if move is not None and not move.done:  # its incident takes over the channel once it is made
            raise UserFacingError(f"{case.name} is moving to its own channel: escalate it once it is there.")
        return case

    async def escalated(self, case_id: int, incident_id: int, incident_name: str, user_id: str) -> None:
        """The case now lives on as the incident: Escalated, linked to it, and the escalator is one of
        its people. Once only: an escalation run retried after a crash changes nothing more."""
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = await cases.get(case_id, lock=True)
            if case is None:
                raise NotFound("That case does not exist or is not visible to you.")
            if case.incident_id == incident_id:
                return
            await cases.change(
                case_id,
                status=CaseStatus.ESCALATED.value,
                incident_id=incident_id,
                participants=_joined(case, user_id),
            )
            await cases.add_event(case_id, self._clock.now(), user_id, "escalated", incident_name)
        self._on_change()

    async def create(
        self, key: str, form: CaseForm, reporter: str, channel: str, *, restricted: bool
    ) -> bool:
        """Open a case by hand, once per `key` (the form's view id: a double submission or a redelivery
        opens one case). Delivery posts its message, so a crash right after this still gets one; False
        when `key` opened one already."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            if not await SentOnceRepository(session).claim(f"case-form:{key}", now):
                return False
            cases = CaseRepository(session)
            case_id = await cases.insert(
                new_case(
                    title=form.title,
                    description=form.description,
                    signal="",
                    case_type=form.case_type,
                    case_priority=form.case_priority,
                    channel=channel,
                    restricted=restricted,
                    now=now,
                    alert_count=0,
                    reporter=reporter,
                    assignee=form.assignee,
                )
            )
            await cases.add_event(case_id, now, reporter, "opened")
        self._on_change()
        return True

    async def may_edit(self, case_id: int, user_id: str) -> Case:
        """The case, when `user_id` may edit it now (checked again when the form is submitted)."""
        case = await self.get(case_id, user_id)
        _check_changeable(case, user_id)
        return case

    async def edit(self, case_id: int, user_id: str, form: CaseForm, *, restricted: bool) -> None:
        """Apply the edit form: what differs from the case as it is now changes, in one timeline line
        (and one more for a new assignee); `restricted` follows the type when the type changes."""
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = await self._locked(cases, case_id, user_id)
            _check_changeable(case, user_id)
            status = form.status or case.status
            if status is CaseStatus.ESCALATED and case.status is not CaseStatus.ESCALATED:
                raise UserFacingError("Escalate a case with its Escalate button.", block_id=BlockId.STATUS)
            detail, now = edit_detail(case, form), self._clock.now()
            if not detail and form.assignee == case.assignee:
                return
            closed_at = (case.closed_at or now) if status is CaseStatus.CLOSED else None
            await cases.change(
                case_id,
                title=form.title,
                description=form.description,
                status=status.value,
                case_type=form.case_type,
                case_priority=form.case_priority,
                assignee=form.assignee,
                resolution_reason=form.reason.value if form.reason else None,
                resolution=form.resolution,
                closed_at=closed_at,
                participants=_joined(case, user_id),
                restricted=restricted if form.case_type != case.case_type else case.restricted,
            )
            if detail:
                await cases.add_event(case_id, now, user_id, "edited", detail)
            if form.assignee != case.assignee:
                await cases.add_event(case_id, now, user_id, "assigned", form.assignee or "")
        self._on_change()

    async def request_channel(self, case_id: int, user_id: str) -> None:
        """Ask for the case to move to a channel of its own (delivery makes the channel and moves the
        case there). Recorded under the case's lock before anything is made, so a double click, a second
        person or a crash mid-move asks once; the clicker joins the case, as for the other buttons."""
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = await self._locked(cases, case_id, user_id)
            move = _channel_move(await cases.timeline(case_id))
            if move is not None:
                done = "has its own channel already" if move.done else "is moving to its own channel already"
                raise UserFacingError(f"{case.name} {done}.")
            if case.status not in CHANNEL_STATUSES:
                raise UserFacingError(f"{case.name} is {case.status.label.lower()}: it needs no channel.")
            _check_changeable(case, user_id)
            await cases.change(case_id, participants=_joined(case, user_id))
            await cases.add_event(case_id, self._clock.now(), user_id, CHANNEL_REQUESTED, posted=True)
        self._on_change()

    async def channel_move(self, case_id: int) -> ChannelMove | None:
        """The case's request for a channel of its own, if it was ever asked for."""
        async with self._sessions() as session:
            return _channel_move(await CaseRepository(session).timeline(case_id))

    async def moved(
        self, case_id: int, channel_id: str, ts: str, user_id: str, *, old_channel: str, old_ts: str
    ) -> None:
        """The case now lives in `channel_id`, its message at `ts`; where it was is kept in the timeline
        line (`<old channel> <old ts>`) said in its new thread. Once only: a retried move changes nothing."""
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            if await cases.get(case_id, lock=True) is None:
                raise NotFound("That case does not exist or is not visible to you.")
            move = _channel_move(await cases.timeline(case_id))
            if move is None or move.done:
                return
            await cases.change(case_id, channel=channel_id, message_ts=ts)
            await cases.add_event(
                case_id, self._clock.now(), user_id, CHANNEL_CREATED, f"{old_channel} {old_ts}"
            )
        self._on_change()

    async def unannounced(self, limit: int) -> list[Case]:
        async with self._sessions() as session:
            return await CaseRepository(session).unannounced(limit)

    async def triage(self, case_id: int, user_id: str) -> None:
        """Anyone who can see a new case may take it: it moves to Triage, they join it, and it is theirs
        when nobody is assigned."""
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = await self._locked(cases, case_id, user_id)
            if case.status is not CaseStatus.NEW:
                raise UserFacingError(f"{case.name} is already {case.status.label.lower()}.")
            await cases.change(
                case_id,
                status=CaseStatus.TRIAGE.value,
                assignee=case.assignee or user_id,
                participants=_joined(case, user_id),
            )
            await cases.add_event(case_id, self._clock.now(), user_id, "triaged")
        self._on_change()

    async def resolve(self, case_id: int, user_id: str, reason: ResolutionReason, resolution: str) -> None:
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = await self._locked(cases, case_id, user_id)
            _check_changeable(case, user_id)
            if case.status is CaseStatus.CLOSED:
                raise UserFacingError(f"{case.name} is already closed.")
            if case.status is CaseStatus.ESCALATED:
                raise UserFacingError(f"{case.name} was escalated: close its incident instead.")
            now = self._clock.now()
            await cases.change(
                case_id,
                status=CaseStatus.CLOSED.value,
                resolution_reason=reason.value,
                resolution=resolution,
                closed_at=now,
                participants=_joined(case, user_id),
            )
            await cases.add_event(case_id, now, user_id, "resolved", f"{reason.value}: {resolution}")
        self._on_change()

    async def reopen(self, case_id: int, user_id: str) -> None:
        async with self._sessions.begin() as session:
            cases = CaseRepository(session)
            case = await self._locked(cases, case_id, user_id)
            _check_changeable(case, user_id)
            if case.is_open:
                raise UserFacingError(f"{case.name} is open already.")
            await cases.change(
                case_id, status=CaseStatus.TRIAGE.value, resolution_reason=None, resolution="", closed_at=None
            )
            await cases.add_event(case_id, self._clock.now(), user_id, "reopened")
        self._on_change()

    async def record_message(self, case_id: int, ts: str, assignee: str | None) -> None:
        async with self._sessions.begin() as session:
            await CaseRepository(session).record_message(case_id, ts, assignee)

    async def first_payload(self, case_id: int) -> tuple[str, str, dict[str, Any]] | None:
        async with self._sessions() as session:
            return await CaseRepository(session).first_payload(case_id)

    async def open_in_own_channel(self, channel_id: str) -> int | None:
        async with self._sessions() as session:
            return await CaseRepository(session).open_in_own_channel(channel_id)

    async def first_entities(self, case_id: int) -> dict[str, str]:
        async with self._sessions() as session:
            return await CaseRepository(session).first_entities(case_id)

    async def unrendered(self, limit: int) -> list[Case]:
        async with self._sessions() as session:
            return await CaseRepository(session).unrendered(limit)

    async def rendered(self, case_id: int, version: int) -> None:
        async with self._sessions.begin() as session:
            await CaseRepository(session).rendered(case_id, version)

    async def unposted_events(self, limit: int) -> list[tuple[int, CaseEntry, int]]:
        async with self._sessions() as session:
            return await CaseRepository(session).unposted_events(limit)

    async def event_posted(self, event_id: int) -> None:
        async with self._sessions.begin() as session:
            await CaseRepository(session).event_posted(event_id)

    async def timeline(self, case_id: int) -> list[CaseEntry]:
        async with self._sessions() as session:
            return await CaseRepository(session).timeline(case_id)

    async def _locked(self, cases: CaseRepository, case_id: int, user_id: str) -> Case:
        case = await cases.get(case_id, lock=True)
        if case is None or not case.visible_to(user_id):
            raise NotFound("That case does not exist or is not visible to you.")
        return case


def _check_changeable(case: Case, user_id: str) -> None:
    """The assignee and participants may resolve and re-open; a case nobody owns yet, anyone who sees it."""
    if (case.assignee or case.participants) and not case.may_change(user_id):
        raise Forbidden(f"Only the assignee and participants of {case_name(case.id)} can change it.")


def _check_escalatable(case: Case, user_id: str) -> None:
    """An open case not escalated yet, by whoever may change it."""
    if case.incident_id is not None:
        raise UserFacingError(f"{case.name} is already escalated to INC-{case.incident_id}.")
    if not case.is_open:
        raise UserFacingError(f"{case.name} is closed: re-open it first to escalate it.")
    _check_changeable(case, user_id)


def _channel_move(entries: Sequence[CaseEntry]) -> ChannelMove | None:
    requested = next((entry for entry in entries if entry.action == CHANNEL_REQUESTED), None)
    if requested is None:
        return None
    return ChannelMove(requested.actor, done=any(entry.action == CHANNEL_CREATED for entry in entries))


def _listed_for(case: Case, user_id: str) -> bool:
    """Stricter than `Case.visible_to`: a restricted case nobody owns yet is open to whoever sees its
    message in its channel, but is listed to nobody, so lists never carry it across the workspace."""
    return not case.restricted or case.may_change(user_id) or user_id == case.reporter


def _joined(case: Case, user_id: str) -> list[str]:
    return list(dict.fromkeys([*case.participants, user_id]))
