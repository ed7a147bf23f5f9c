"""Incident transactions: creation (with its participants and first timeline event), updates, listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

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
from dispatchbot.storage.incidents import IncidentRepository, TimelineRepository
from dispatchbot.storage.participants import ParticipantRepository

RECENTLY_CLOSED = timedelta(hours=24)

_Found = TypeVar("_Found")

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
            incident = await IncidentRepository(session).insert_if_absent(
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
            await _add_creation_participants(session, incident.id, reporter_id, roles, now)
            await TimelineRepository(session).add(
                incident.id,
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
                source_key=f"created:{incident.id}",
            )
            return incident

    async def get(self, incident_id: int) -> Incident:
        async with self._sessions.begin() as session:
            return _found(await IncidentRepository(session).get(incident_id), incident_id)

    async def many(self, incident_ids: set[int]) -> dict[int, Incident]:
        """Several incidents in one query (a scheduler tick must not make a round trip per incident)."""
        if not incident_ids:
            return {}
        async with self._sessions.begin() as session:
            return await IncidentRepository(session).many(incident_ids)

    async def by_channel(self, channel_id: str) -> Incident | None:
        async with self._sessions.begin() as session:
            return await IncidentRepository(session).by_channel(channel_id)

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
            incidents = IncidentRepository(session)
            before = _found(await incidents.locked(incident_id), incident_id)
            sources = {name: f"update:{key}:{name}" for name in EDITABLE_FIELDS} if key else {}
            timeline = TimelineRepository(session)
            earlier = await timeline.from_sources(sources.values())
            if earlier:
                return _replayed(before, earlier)
            changed = tuple(
                name
                for name in EDITABLE_FIELDS
                if name in changes and _plain(changes[name]) != _plain(getattr(before, name))
            )
            values = {name: _plain(changes[name]) for name in changed}
            for name in changed:
                old, new = _plain(getattr(before, name)), values[name]
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
                status = Status(values["status"])
                values |= _status_dates(before, status, now)
                await _apply_status_to_roles(session, incident_id, status, before.status, now)
            after = await incidents.set_fields(incident_id, {**values, "updated_at": now})
            return IncidentUpdate(before=before, after=after, changed=changed)

    async def visible_to(self, user_id: str, limit: int) -> list[Incident]:
        """Active, stable and recently closed incidents this person may see (restricted: if participant)."""
        async with self._sessions.begin() as session:
            return await IncidentRepository(session).visible_to(
                user_id, closed_since=self._clock.now() - RECENTLY_CLOSED, limit=limit
            )

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
        async with self._sessions.begin() as session:
            return await IncidentRepository(session).listing(
                user_id,
                closed_since=self._clock.now() - RECENTLY_CLOSED,
                limit=limit,
                search=search,
                open_only=open_only,
                participating=participating,
            )

    async def daily_summary(self, since: datetime) -> list[Incident]:
        """What the daily summary lists, oldest first: every Active incident, those that entered Stable
        since `since` and those closed since then. Never restricted ones: the summary goes to channels.

        "Entered Stable" is the latest status change, not `stable_at` (which keeps the first time), so an
        incident reopened and stabilised again today counts as stable today.
        """
        async with self._sessions.begin() as session:
            return await IncidentRepository(session).daily_summary(since)

    async def status_entered_at(self, incident_id: int) -> datetime:
        """When the incident entered the status it has now (its last status change, or its creation)."""
        async with self._sessions.begin() as session:
            return _found(await IncidentRepository(session).status_entered_at(incident_id), incident_id)

    async def roles_of(self, user_id: str, incident_ids: list[int]) -> dict[int, frozenset[Role]]:
        """This person's active roles in each of these incidents, in one transaction, for lists."""
        async with self._sessions.begin() as session:
            return await ParticipantRepository(session).roles_of(user_id, incident_ids)

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
            incidents = IncidentRepository(session)
            _found(await incidents.locked(incident_id), incident_id)
            return await incidents.set_fields(incident_id, {**values, "updated_at": self._clock.now()})


async def _add_creation_participants(
    session: AsyncSession, incident_id: int, reporter_id: str, roles: dict[Role, str], now: Any
) -> None:
    participants = ParticipantRepository(session)
    for role, user_id in roles.items():
        record, _created = await participants.ensure(
            incident_id,
            user_id,
            added_by=None if user_id == reporter_id else reporter_id,
            reason=_ROLE_REASONS.get(role, Mrkdwn("")),
            now=now,
        )
        await participants.assume(record.id, role, now)


def _found(value: _Found | None, incident_id: int) -> _Found:
    if value is None:
        raise NotFound(f"Incident INC-{incident_id} does not exist.")
    return value


def _status_dates(before: Incident, status: Status, now: datetime) -> dict[str, datetime | None]:
    """The dates a status change sets: the first time Stable (closing counts), closing; reopening clears
    the close."""
    dates: dict[str, datetime | None] = {}
    if status is Status.STABLE and before.stable_at is None:
        dates["stable_at"] = now
    if status is Status.CLOSED:
        dates["stable_at"] = before.stable_at or now
        dates["closed_at"] = now
    elif before.status is Status.CLOSED:
        dates["closed_at"] = None
    return dates


async def _apply_status_to_roles(
    session: AsyncSession, incident_id: int, status: Status, previous: Status, now: datetime
) -> None:
    """Closing ends every active participant's roles; reopening restores those held at close."""
    participants = ParticipantRepository(session)
    if status is Status.CLOSED:
        for participant in await participants.members(incident_id, active_only=True):
            await participants.renounce(participant.id, None, now)
    elif previous is Status.CLOSED:
        for participant in await participants.members(incident_id, active_only=True):
            for role in await participants.last_roles(participant.id) or {Role.PARTICIPANT}:
                await participants.assume(participant.id, role, now)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _replayed(current: Incident, events: list[TimelineEvent]) -> IncidentUpdate:
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
