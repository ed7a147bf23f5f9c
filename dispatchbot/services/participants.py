"""Participant transactions: who is in an incident, with which roles, since when."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import SINGLE_HOLDER_ROLES, Participant, Role
from dispatchbot.mrkdwn import Mrkdwn, md, mention
from dispatchbot.storage.incidents import IncidentRepository, TimelineRepository
from dispatchbot.storage.participants import ParticipantRepository, SubscriptionRepository


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
            record = await repository.find(incident_id, user_id)
            if record is None:
                return None
            return record.with_roles(await repository.held_roles(record.id))

    async def members(self, incident_id: int, *, active_only: bool = True) -> list[Participant]:
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            records = await repository.members(incident_id, active_only=active_only)
            roles = await repository.active_roles([record.id for record in records])
            return [record.with_roles(roles[record.id]) for record in records]

    async def add(
        self, incident_id: int, user_id: str, role: Role, *, added_by: str | None, reason: Mrkdwn
    ) -> tuple[Participant, bool]:
        """Add (or reactivate) a person with `role` unless already active; True when they were not active."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            # The incident's lock first, as role changes take it: a join and a role change for the same
            # person would otherwise each wait for the other (PostgreSQL's deadlock detector ends one).
            await IncidentRepository(session).locked(incident_id)
            repository = ParticipantRepository(session)
            record, created = await repository.ensure(
                incident_id, user_id, added_by=added_by, reason=reason, now=now
            )
            added = created or not record.active
            if not record.active:
                record = await repository.reactivate(record.id, added_by=added_by, reason=reason)
            roles = await repository.held_roles(record.id)
            if added and not roles:
                await repository.assume(record.id, role, now)
                roles = {role}
                await TimelineRepository(session).add(
                    incident_id,
                    "participant_joined",
                    md("{who} joined as {role}", who=mention(user_id), role=role.label),
                    added_by,
                    now,
                )
            return record.with_roles(roles), added

    async def assign_role(self, incident_id: int, user_id: str, role: Role, assigner_id: str) -> RoleChange:
        """Give `role` to the person (added if needed); a one-holder role's previous holder steps down."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            incidents = IncidentRepository(session)
            incident = await incidents.locked(incident_id)  # serialises role changes in one incident
            assert incident is not None
            record, _created = await repository.ensure(
                incident_id,
                user_id,
                added_by=assigner_id,
                reason=md("Assigned {role}", role=role.label),
                now=now,
            )
            if not record.active:  # back, still added by whoever added them first, for that reason
                record = await repository.reactivate(
                    record.id, added_by=record.added_by, reason=record.added_reason
                )
            previous: str | None = None
            if role in SINGLE_HOLDER_ROLES:
                holder = await repository.holder(incident_id, role)
                if holder is not None and holder.id != record.id:
                    previous = holder.user_id
                    await repository.renounce(holder.id, [role], now)
                    if not await repository.held_roles(holder.id):
                        await repository.assume(holder.id, Role.PARTICIPANT, now)
            changed = await repository.assume(record.id, role, now)
            if changed and role is not Role.OBSERVER:
                await repository.renounce(record.id, [Role.PARTICIPANT, Role.OBSERVER], now)
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
            roles = await repository.held_roles(record.id)
            return RoleChange(record.with_roles(roles), previous, changed)

    async def leave(self, incident_id: int, user_id: str) -> Participant | None:
        """The person left the channel: their roles end and they are no longer active."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            record = await repository.find(incident_id, user_id, for_update=True)
            if record is None or not record.active:
                return None
            await repository.renounce(record.id, None, now)
            record = await repository.deactivate(record.id, left_at=now)
            await TimelineRepository(session).add(
                incident_id,
                "participant_left",
                md("{who} left the incident", who=mention(user_id)),
                user_id,
                now,
            )
            return record.with_roles(set())

    async def record_message(
        self, incident_id: int, user_id: str, promote_after: int
    ) -> tuple[Participant, bool]:
        """Count a message; an Observer becomes a Participant after `promote_after` messages (True then)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            locked = await repository.find(incident_id, user_id, for_update=True)
            if locked is None:
                return await self._added_while_counting(session, incident_id, user_id), False
            record = await repository.count_message(locked.id)
            roles = await repository.held_roles(record.id)
            # the row is locked since `find`: one concurrent message alone sees the count cross the line
            promoted = roles == {Role.OBSERVER} and record.message_count >= promote_after
            if promoted:
                await repository.renounce(record.id, [Role.OBSERVER], now)
                await repository.assume(record.id, Role.PARTICIPANT, now)
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
            return record.with_roles(roles), promoted

    async def mark_after_hours_notified(self, incident_id: int, user_id: str) -> bool:
        """True only for the first call per person: the after-hours notice is sent once."""
        async with self._sessions.begin() as session:
            return await ParticipantRepository(session).mark_after_hours_notified(incident_id, user_id)

    async def last_roles(self, incident_id: int, user_id: str) -> set[Role]:
        """The roles an active participant gave up last: on a closed incident, those held at close."""
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            record = await repository.find(incident_id, user_id)
            if record is None or not record.active:
                return set()
            return await repository.last_roles(record.id)

    async def set_reason(self, incident_id: int, user_id: str, reason: Mrkdwn) -> Participant | None:
        async with self._sessions.begin() as session:
            repository = ParticipantRepository(session)
            locked = await repository.find(incident_id, user_id, for_update=True)
            if locked is None:
                return None
            record = await repository.set_reason(locked.id, reason)
            return record.with_roles(await repository.held_roles(record.id))

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
        await IncidentRepository(session).locked(incident_id)  # the order `add` keeps, for the same reason
        repository = ParticipantRepository(session)
        record, _created = await repository.ensure(
            incident_id,
            user_id,
            added_by=None,
            reason=Mrkdwn("Posted in the incident channel"),
            now=now,
            messages=1,
        )
        await repository.assume(record.id, Role.OBSERVER, now)
        return record.with_roles({Role.OBSERVER})
