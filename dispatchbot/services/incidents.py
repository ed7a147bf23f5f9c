"""Incident transactions: creation (with its participants and first timeline event), updates, listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.clock import Clock
from dispatchbot.domain import (
    EDITABLE_FIELDS,
    Incident,
    IncidentDraft,
    IncidentUpdate,
    Role,
    Status,
    TimelineEvent,
    Visibility,
)
from dispatchbot.errors import NotFound
from dispatchbot.mrkdwn import Mrkdwn, md, mention
from dispatchbot.storage.incidents import (
    IncidentRepository,
    ParticipantRepository,
    TimelineRepository,
    incident_from_row,
)
from dispatchbot.storage.tables import IncidentRow, ParticipantRow, TimelineEventRow

RECENTLY_CLOSED = timedelta(hours=24)

_ROLE_REASONS = {
    Role.REPORTER: Mrkdwn("Reported the incident"),
    Role.COMMANDER: Mrkdwn("Incident commander"),
    Role.SCRIBE: Mrkdwn("Scribe by role policy"),
    Role.LIAISON: Mrkdwn("Liaison by role policy"),
}


class IncidentService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(
        self, key: str, draft: IncidentDraft, reporter_id: str, holders: dict[Role, str]
    ) -> Incident:
        """The incident for creation `key`, made with its participants in one transaction (idempotent)."""
        now = self._clock.now()
        commander = holders.get(Role.COMMANDER, reporter_id)
        async with self._sessions.begin() as session:
            incidents = IncidentRepository(session)
            row = await incidents.insert_if_absent(
                {
                    "creation_key": key,
                    "title": draft.title,
                    "description": draft.description,
                    "resolution": "",
                    "status": Status.ACTIVE.value,
                    "incident_type": draft.incident_type,
                    "severity": draft.severity,
                    "priority": draft.priority,
                    "visibility": draft.visibility.value,
                    "reporter_id": reporter_id,
                    "commander_id": commander,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            roles = {Role.REPORTER: reporter_id, **holders, Role.COMMANDER: commander}
            await _add_creation_participants(session, row.id, reporter_id, roles, now)
            await TimelineRepository(session).add(
                row.id,
                "created",
                md("Incident reported by {who}", who=mention(reporter_id)),
                reporter_id,
                now,
                {
                    "title": draft.title,
                    "type": draft.incident_type,
                    "severity": draft.severity,
                    "priority": draft.priority,
                    "visibility": draft.visibility.value,
                },
                source_key=f"created:{row.id}",
            )
            return incident_from_row(row)

    async def get(self, incident_id: int) -> Incident:
        async with self._sessions.begin() as session:
            row = await IncidentRepository(session).row(incident_id)
            if row is None:
                raise NotFound(f"Incident INC-{incident_id} does not exist.")
            return incident_from_row(row)

    async def many(self, incident_ids: set[int]) -> dict[int, Incident]:
        """Several incidents in one query (a scheduler tick must not make a round trip per incident)."""
        if not incident_ids:
            return {}
        async with self._sessions.begin() as session:
            rows = await session.scalars(select(IncidentRow).where(IncidentRow.id.in_(incident_ids)))
            return {row.id: incident_from_row(row) for row in rows}

    async def by_channel(self, channel_id: str) -> Incident | None:
        async with self._sessions.begin() as session:
            row = await IncidentRepository(session).by_channel(channel_id)
            return incident_from_row(row) if row else None

    async def set_channel(self, incident_id: int, channel_id: str, channel_name: str) -> Incident:
        return await self._set(incident_id, channel_id=channel_id, channel_name=channel_name)

    async def set_header(self, incident_id: int, header_ts: str) -> Incident:
        return await self._set(incident_id, header_ts=header_ts)

    async def update(
        self, incident_id: int, changes: dict[str, Any], actor_id: str, *, key: str | None = None
    ) -> IncidentUpdate:
        """Apply changes with a timeline event each; closing renounces roles, reopening restores them.

        With a `key` (a flow run's) the update is applied once: called again, say after a crash, it
        changes nothing and returns what the first call changed, read back from that call's events.
        """
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await IncidentRepository(session).row(incident_id, for_update=True)
            if row is None:
                raise NotFound(f"Incident INC-{incident_id} does not exist.")
            before = incident_from_row(row)
            sources = {name: f"update:{key}:{name}" for name in EDITABLE_FIELDS} if key else {}
            earlier = await _events_from(session, list(sources.values()))
            if earlier:
                return _replayed(before, earlier)
            changed = tuple(
                name
                for name in EDITABLE_FIELDS
                if name in changes and _plain(changes[name]) != getattr(row, name)
            )
            timeline = TimelineRepository(session)
            for name in changed:
                old, new = getattr(row, name), _plain(changes[name])
                setattr(row, name, new)
                await timeline.add(
                    incident_id,
                    f"{name}_changed",
                    _change_text(name, old, new, actor_id),
                    actor_id,
                    now,
                    {"field": name, "from": old, "to": new},
                    source_key=sources.get(name),
                )
            if "status" in changed:
                await _apply_status(session, row, before.status, now)
            row.updated_at = now
            return IncidentUpdate(before=before, after=incident_from_row(row), changed=changed)

    async def visible_to(self, user_id: str, limit: int) -> list[Incident]:
        """Active, stable and recently closed incidents this person may see (restricted: if participant)."""
        async with self._sessions.begin() as session:
            rows = await IncidentRepository(session).visible_to(
                user_id, closed_since=self._clock.now() - RECENTLY_CLOSED, limit=limit
            )
            return [incident_from_row(row) for row in rows]

    async def listing(
        self,
        user_id: str,
        *,
        limit: int,
        search: str = "",
        open_only: bool = False,
        participating: bool | None = None,
    ) -> tuple[list[Incident], int]:
        """Like `visible_to`, narrowed, with the number that matched in all (so a bounded list can say
        what it left out).

        `search` is a case-insensitive substring of the title, the reference (INC-n) or the type;
        `open_only` leaves out the recently closed; `participating` keeps only incidents where this person
        is (True) or is not (False) an active participant.
        """
        member = (
            select(ParticipantRow.incident_id)
            .where(ParticipantRow.user_id == user_id, ParticipantRow.active.is_(True))
            .scalar_subquery()
        )
        since = self._clock.now() - RECENTLY_CLOSED
        conditions = [
            or_(IncidentRow.visibility == Visibility.OPEN.value, IncidentRow.id.in_(member)),
            IncidentRow.status.in_([Status.ACTIVE.value, Status.STABLE.value])
            if open_only
            else or_(IncidentRow.status != Status.CLOSED.value, IncidentRow.closed_at >= since),
        ]
        if participating is not None:
            conditions.append(IncidentRow.id.in_(member) if participating else IncidentRow.id.not_in(member))
        needle = search.strip().lower()
        if needle:
            reference = literal("inc-", String) + cast(IncidentRow.id, String)
            conditions.append(
                or_(
                    func.lower(IncidentRow.title).contains(needle, autoescape=True),
                    func.lower(IncidentRow.incident_type).contains(needle, autoescape=True),
                    reference.contains(needle, autoescape=True),
                )
            )
        async with self._sessions.begin() as session:
            total = await session.scalar(select(func.count()).select_from(IncidentRow).where(*conditions))
            rows = await session.scalars(
                select(IncidentRow).where(*conditions).order_by(IncidentRow.id.desc()).limit(limit)
            )
            return [incident_from_row(row) for row in rows], int(total or 0)

    async def daily_summary(self, since: datetime) -> list[Incident]:
        """What the daily summary lists, oldest first: every Active incident, those that entered Stable
        since `since` and those closed since then. Never restricted ones: the summary goes to channels.

        "Entered Stable" is the latest status change, not `stable_at` (which keeps the first time), so an
        incident reopened and stabilised again today counts as stable today.
        """
        entered = _status_entered_at()
        conditions = [
            IncidentRow.visibility == Visibility.OPEN.value,
            or_(
                IncidentRow.status == Status.ACTIVE.value,
                and_(IncidentRow.status == Status.STABLE.value, entered >= since),
                and_(IncidentRow.status == Status.CLOSED.value, IncidentRow.closed_at >= since),
            ),
        ]
        async with self._sessions.begin() as session:
            rows = await session.scalars(select(IncidentRow).where(*conditions).order_by(IncidentRow.id))
            return [incident_from_row(row) for row in rows]

    async def status_entered_at(self, incident_id: int) -> datetime:
        """When the incident entered the status it has now (its last status change, or its creation)."""
        async with self._sessions.begin() as session:
            moment = await session.scalar(
                select(_status_entered_at()).select_from(IncidentRow).where(IncidentRow.id == incident_id)
            )
            if moment is None:
                raise NotFound(f"Incident INC-{incident_id} does not exist.")
            return moment

    async def roles_of(self, user_id: str, incident_ids: list[int]) -> dict[int, frozenset[Role]]:
        """This person's active roles in each of these incidents, in one transaction, for lists."""
        async with self._sessions.begin() as session:
            rows = list(
                await session.scalars(
                    select(ParticipantRow).where(
                        ParticipantRow.user_id == user_id,
                        ParticipantRow.incident_id.in_(incident_ids),
                        ParticipantRow.active.is_(True),
                    )
                )
            )
            roles = await ParticipantRepository(session).active_roles([row.id for row in rows])
            return {row.incident_id: frozenset(roles[row.id]) for row in rows}

    async def add_event(
        self,
        incident_id: int,
        kind: str,
        description: Mrkdwn,
        actor_id: str | None,
        source_key: str | None = None,
        *,
        occurred_at: datetime | None = None,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Append an event (at `occurred_at`, default now); False when `source_key` was recorded before."""
        async with self._sessions.begin() as session:
            return await TimelineRepository(session).add(
                incident_id,
                kind,
                description,
                actor_id,
                occurred_at or self._clock.now(),
                details,
                source_key=source_key,
            )

    async def remove_event(self, source_key: str) -> bool:
        """Forget the event recorded from `source_key` (e.g. a message whose reaction was taken back)."""
        async with self._sessions.begin() as session:
            return await TimelineRepository(session).remove(source_key)

    async def timeline(self, incident_id: int) -> list[TimelineEvent]:
        async with self._sessions.begin() as session:
            return await TimelineRepository(session).events(incident_id)

    async def _set(self, incident_id: int, **values: Any) -> Incident:
        async with self._sessions.begin() as session:
            row = await IncidentRepository(session).row(incident_id, for_update=True)
            if row is None:
                raise NotFound(f"Incident INC-{incident_id} does not exist.")
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = self._clock.now()
            return incident_from_row(row)


def _status_entered_at() -> ColumnElement[datetime]:
    """Per incident row: the time of its latest status change, else its creation (created Active)."""
    changed = (
        select(func.max(TimelineEventRow.occurred_at))
        .where(TimelineEventRow.incident_id == IncidentRow.id, TimelineEventRow.kind == "status_changed")
        .scalar_subquery()
    )
    return func.coalesce(changed, IncidentRow.created_at)


async def _add_creation_participants(
    session: AsyncSession, incident_id: int, reporter_id: str, roles: dict[Role, str], now: Any
) -> None:
    participants = ParticipantRepository(session)
    for role, user_id in roles.items():
        row, _created = await participants.ensure(
            incident_id,
            user_id,
            added_by=None if user_id == reporter_id else reporter_id,
            reason=_ROLE_REASONS.get(role, Mrkdwn("")),
            now=now,
        )
        await participants.assume(row.id, role, now)


async def _apply_status(session: AsyncSession, row: Any, previous: Status, now: Any) -> None:
    status = Status(row.status)
    participants = ParticipantRepository(session)
    if status is Status.STABLE and row.stable_at is None:
        row.stable_at = now
    if status is Status.CLOSED:
        row.stable_at = row.stable_at or now
        row.closed_at = now
        for participant in await participants.rows(row.id, active_only=True):
            await participants.renounce(participant.id, None, now)
    elif previous is Status.CLOSED:
        row.closed_at = None
        for participant in await participants.rows(row.id, active_only=True):
            for role in await participants.last_roles(participant.id) or {Role.PARTICIPANT}:
                await participants.assume(participant.id, role, now)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


async def _events_from(session: AsyncSession, source_keys: list[str]) -> list[TimelineEventRow]:
    if not source_keys:
        return []
    return list(
        await session.scalars(select(TimelineEventRow).where(TimelineEventRow.source_key.in_(source_keys)))
    )


def _replayed(current: Incident, events: list[TimelineEventRow]) -> IncidentUpdate:
    """The update a keyed call already made, from its events (each holds a field's old and new value)."""
    old = {event.details["field"]: _typed(event.details["field"], event.details["from"]) for event in events}
    new = {event.details["field"]: _typed(event.details["field"], event.details["to"]) for event in events}
    changed = tuple(name for name in EDITABLE_FIELDS if name in old)
    return IncidentUpdate(before=replace(current, **old), after=replace(current, **new), changed=changed)


def _typed(name: str, value: Any) -> Any:
    if name == "status":
        return Status(value)
    if name == "visibility":
        return Visibility(value)
    return value


_FIELD_NAMES = {
    "incident_type": "type",
    "title": "title",
    "description": "description",
    "resolution": "resolution",
}


def _change_text(name: str, old: Any, new: Any, actor_id: str) -> Mrkdwn:
    """The timeline's words for a change; the new title is typed text, so it is escaped like all values."""
    label = _FIELD_NAMES.get(name, name)
    actor = mention(actor_id)
    if name in ("title",):
        return md("{actor} changed the title to “{new}”", actor=actor, new=new)
    if name in ("description", "resolution"):
        return md("{actor} updated the {label}", actor=actor, label=label)
    return md(
        "{actor} changed the {label} from {old} to {new}",
        actor=actor,
        label=label,
        old=_shown(name, old),
        new=_shown(name, new),
    )


def _shown(name: str, value: Any) -> str:
    """Status and visibility by their labels; catalog names (severity "SEV-1") exactly as configured."""
    typed = _typed(name, value)
    return str(typed.label if hasattr(typed, "label") else typed)
