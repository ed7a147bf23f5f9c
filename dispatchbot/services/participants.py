"""Participant transactions: who is in an incident, with which roles, since when."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import SINGLE_HOLDER_ROLES, Participant, Role
from dispatchbot.mrkdwn import Mrkdwn, md, mention
from dispatchbot.storage.incidents import IncidentRepository, TimelineRepository
from dispatchbot.storage.participants import (
    ParticipantRepository,
    SubscriptionRepository,
    participant_from_row,
)


@dataclass(frozen=True)
class RoleChange:
    participant: Participant
    previous_holder: str | None
    changed: bool


class ParticipantService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get(self, incident_id: int, user_id: str) -> Participant | None:
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            row = await repository.row(incident_id, user_id)
            if row is None:
                return None
            return participant_from_row(row, (await repository.active_roles([row.id]))[row.id])

    async def members(self, incident_id: int, *, active_only: bool = True) -> list[Participant]:
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            rows = await repository.rows(incident_id, active_only=active_only)
            roles = await repository.active_roles([row.id for row in rows])
            return [participant_from_row(row, roles[row.id]) for row in rows]

    async def add(
        self, incident_id: int, user_id: str, role: Role, *, added_by: str | None, reason: Mrkdwn
    ) -> tuple[Participant, bool]:
        """Add (or reactivate) a person with `role` unless already active; True when they were not active."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            row, created = await repository.ensure(
                incident_id, user_id, added_by=added_by, reason=reason, now=now
            )
            added = created or not row.active
            if not row.active:
                row.active, row.left_at, row.added_by, row.added_reason = True, None, added_by, reason
            roles = (await repository.active_roles([row.id]))[row.id]
            if added and not roles:
                await repository.assume(row.id, role, now)
                roles = {role}
                await TimelineRepository(session).add(
                    incident_id,
                    "participant_joined",
                    md("{who} joined as {role}", who=mention(user_id), role=role.label),
                    added_by,
                    now,
                )
            return participant_from_row(row, roles), added

    async def assign_role(self, incident_id: int, user_id: str, role: Role, assigner_id: str) -> RoleChange:
        """Give `role` to the person (added if needed); a one-holder role's previous holder steps down."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            incidents = IncidentRepository(session)
            incident = await incidents.locked(incident_id)  # serialises role changes in one incident
            assert incident is not None
            row, _created = await repository.ensure(
                incident_id,
                user_id,
                added_by=assigner_id,
                reason=md("Assigned {role}", role=role.label),
                now=now,
            )
            row.active, row.left_at = True, None
            previous: str | None = None
            if role in SINGLE_HOLDER_ROLES:
                holder = await repository.holder(incident_id, role)
                if holder is not None and holder.id != row.id:
                    previous = holder.user_id
                    await repository.renounce(holder.id, [role], now)
                    if not (await repository.active_roles([holder.id]))[holder.id]:
                        await repository.assume(holder.id, Role.PARTICIPANT, now)
            changed = await repository.assume(row.id, role, now)
            if changed and role is not Role.OBSERVER:
                await repository.renounce(row.id, [Role.PARTICIPANT, Role.OBSERVER], now)
            if role is Role.COMMANDER:
                await incidents.set_fields(incident_id, {"commander_id": user_id})
            if role is Role.REPORTER:
                await incidents.set_fields(incident_id, {"reporter_id": user_id})
            if changed:
                await TimelineRepository(session).add(
                    incident_id,
                    "role_assigned",
                    md(
                        "{assigner} assigned {role} to {who}",
                        assigner=mention(assigner_id),
                        role=role.label,
                        who=mention(user_id),
                    ),
                    assigner_id,
                    now,
                    {"role": role.value, "user": user_id, "previous": previous},
                )
            roles = (await repository.active_roles([row.id]))[row.id]
            return RoleChange(participant_from_row(row, roles), previous, changed)

    async def leave(self, incident_id: int, user_id: str) -> Participant | None:
        """The person left the channel: their roles end and they are no longer active."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            row = await repository.row(incident_id, user_id, for_update=True)
            if row is None or not row.active:
                return None
            await repository.renounce(row.id, None, now)
            row.active, row.left_at = False, now
            await TimelineRepository(session).add(
                incident_id,
                "participant_left",
                md("{who} left the incident", who=mention(user_id)),
                user_id,
                now,
            )
            return participant_from_row(row, set())

    async def record_message(
        self, incident_id: int, user_id: str, promote_after: int
    ) -> tuple[Participant, bool]:
        """Count a message; an Observer becomes a Participant after `promote_after` messages (True then)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            row = await repository.row(incident_id, user_id, for_update=True)
            if row is None:
                return await self._added_while_counting(session, incident_id, user_id), False
            row.message_count += 1
            roles = (await repository.active_roles([row.id]))[row.id]
            promoted = roles == {Role.OBSERVER} and row.message_count >= promote_after  # row is locked: once
            if promoted:
                await repository.renounce(row.id, [Role.OBSERVER], now)
                await repository.assume(row.id, Role.PARTICIPANT, now)
                roles = {Role.PARTICIPANT}
                await TimelineRepository(session).add(
                    incident_id,
                    "role_changed",
                    md(
                        "{who} went from Observer to Participant after taking part in the channel",
                        who=mention(user_id),
                    ),
                    None,
                    now,
                )
            return participant_from_row(row, roles), promoted

    async def mark_after_hours_notified(self, incident_id: int, user_id: str) -> bool:
        """True only for the first call per person: the after-hours notice is sent once."""
        async with self._sessions.begin() as session:
            return await ParticipantRepository(session).mark_after_hours_notified(incident_id, user_id)

    async def last_roles(self, incident_id: int, user_id: str) -> set[Role]:
        """The roles an active participant gave up last: on a closed incident, those held at close."""
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            row = await repository.row(incident_id, user_id)
            if row is None or not row.active:
                return set()
            return await repository.last_roles(row.id)

    async def set_reason(self, incident_id: int, user_id: str, reason: Mrkdwn) -> Participant | None:
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            row = await repository.row(incident_id, user_id, for_update=True)
            if row is None:
                return None
            row.added_reason = reason
            return participant_from_row(row, (await repository.active_roles([row.id]))[row.id])

    async def subscribe(self, incident_id: int, user_id: str) -> bool:
        """True when newly subscribed."""
        async with self._sessions.begin() as session:
            return await SubscriptionRepository(session).add(incident_id, user_id, self._clock.now())

    async def subscribers(self, incident_id: int) -> list[str]:
        async with self._sessions.begin() as session:
            return await SubscriptionRepository(session).subscribers(incident_id)

    async def _added_while_counting(
        self, session: AsyncSession, incident_id: int, user_id: str
    ) -> Participant:
        """A member we never saw join (e.g. in the channel before the bot): they become an Observer."""
        now = self._clock.now()
        repository = ParticipantRepository(session)
        row, _created = await repository.ensure(
            incident_id,
            user_id,
            added_by=None,
            reason=Mrkdwn("Posted in the incident channel"),
            now=now,
            messages=1,
        )
        await repository.assume(row.id, Role.OBSERVER, now)
        return participant_from_row(row, {Role.OBSERVER})
