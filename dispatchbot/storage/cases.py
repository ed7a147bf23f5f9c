"""Case rows and their timeline. The intake opens and joins cases in its batch transaction (a few
statements per batch, whatever the number of alerts); people change them one at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, insert, select, update

from dispatchbot.alerting.cases import Case, CaseEntry, CaseStatus, ResolutionReason
from dispatchbot.storage import rendered
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import AlertEventRow, AlertRow, CaseEventRow, CaseRow

CASES = cast(Table, CaseRow.__table__)
CASE_EVENTS = cast(Table, CaseEventRow.__table__)
ALERTS = cast(Table, AlertRow.__table__)
ALERT_EVENTS = cast(Table, AlertEventRow.__table__)

CaseValues = dict[str, Any]

CHANNEL_CREATED = "channel_created"
"""The timeline action that says a case moved to a channel of its own."""


class CaseRepository(Repository):
    async def open_for_signals(self, signals: Iterable[str]) -> dict[str, CaseValues]:
        """Each signal's most recently alerted case that is not closed, locked until the transaction
        ends (PostgreSQL): another replica's batch joining it waits, then sees its count."""
        wanted = sorted(set(signals))
        if not wanted:
            return {}
        rows = await self._session.execute(
            select(CASES)
            .where(CASES.c.signal.in_(wanted), CASES.c.status != CaseStatus.CLOSED.value)
            .order_by(CASES.c.id)
            .with_for_update()
        )
        found: dict[str, CaseValues] = {}
        for row in rows:
            values = dict(row._mapping)
            current = found.get(values["signal"])
            if current is None or (values["last_alert_at"] or values["created_at"]) >= (
                current["last_alert_at"] or current["created_at"]
            ):
                found[values["signal"]] = values
        return found

    async def insert(self, values: Mapping[str, Any]) -> int:
        result = await self._session.execute(insert(CASES).returning(CASES.c.id), [dict(values)])
        return int(result.scalar_one())

    async def count_alerts(self, counts: Mapping[int, int], now: datetime) -> None:
        """Add each case's new alerts to its count (closed cases take none: their alerts are quiet)."""
        by_count: dict[int, list[int]] = {}
        for case_id, count in counts.items():
            by_count.setdefault(count, []).append(case_id)
        for count, case_ids in by_count.items():
            await self._session.execute(
                update(CASES)
                .where(CASES.c.id.in_(case_ids), CASES.c.status != CaseStatus.CLOSED.value)
                .values(
                    alert_count=CASES.c.alert_count + count,
                    last_alert_at=now,
                    version=CASES.c.version + 1,
                )
            )

    async def get(self, case_id: int, *, lock: bool = False) -> Case | None:
        query = select(CASES).where(CASES.c.id == case_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).first()
        return to_case(dict(row._mapping)) if row else None

    async def change(self, case_id: int, **values: Any) -> None:
        await self._session.execute(
            update(CASES).where(CASES.c.id == case_id).values(version=CASES.c.version + 1, **values)
        )

    async def add_event(
        self, case_id: int, at: datetime, actor: str, action: str, detail: str = "", *, posted: bool = False
    ) -> None:
        await self._session.execute(
            insert(CASE_EVENTS).values(
                case_id=case_id, at=at, actor=actor, action=action, detail=detail, posted=posted
            )
        )

    async def add_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        if events:
            await self._session.execute(insert(CASE_EVENTS), [dict(event) for event in events])

    async def unposted_events(self, limit: int) -> list[tuple[int, CaseEntry, int]]:
        """(event id, entry, case id) of timeline lines not yet said in their case's thread, oldest first."""
        rows = await self._session.execute(
            select(CASE_EVENTS).where(CASE_EVENTS.c.posted.is_(False)).order_by(CASE_EVENTS.c.id).limit(limit)
        )
        return [(row.id, CaseEntry(row.at, row.actor, row.action, row.detail), row.case_id) for row in rows]

    async def event_posted(self, event_id: int) -> None:
        await self._session.execute(
            update(CASE_EVENTS).where(CASE_EVENTS.c.id == event_id).values(posted=True)
        )

    async def timeline(self, case_id: int) -> list[CaseEntry]:
        rows = await self._session.execute(
            select(CASE_EVENTS).where(CASE_EVENTS.c.case_id == case_id).order_by(CASE_EVENTS.c.id)
        )
        return [CaseEntry(row.at, row.actor, row.action, row.detail) for row in rows]

    async def unrendered(self, limit: int) -> list[Case]:
        """Posted cases whose message does not show their latest state."""
        return [to_case(row) for row in await rendered.behind(self._session, CASES, limit)]

    async def rendered(self, case_id: int, version: int) -> None:
        await rendered.shown(self._session, CASES, case_id, version)

    async def unannounced(self, limit: int) -> list[Case]:
        """Cases opened by hand whose message is not posted yet, oldest first (an alert's case is
        posted by its alert's notice instead)."""
        rows = await self._session.execute(
            select(CASES)
            .where(CASES.c.signal == "", CASES.c.message_ts.is_(None))
            .order_by(CASES.c.id)
            .limit(limit)
        )
        return [to_case(dict(row._mapping)) for row in rows]

    async def record_message(self, case_id: int, ts: str, assignee: str | None) -> None:
        values: dict[str, Any] = {"message_ts": ts}
        if assignee is not None:
            values["assignee"] = assignee
        await self._session.execute(
            update(CASES).where(CASES.c.id == case_id, CASES.c.message_ts.is_(None)).values(**values)
        )

    async def first_payload(self, case_id: int) -> tuple[str, str, dict[str, Any]] | None:
        """(source, key, raw payload) of the case's first alert, as it came in."""
        first = await self._session.execute(
            select(ALERTS.c.id, ALERTS.c.source, ALERTS.c.dedup_key)
            .where(ALERTS.c.case_id == case_id)
            .order_by(ALERTS.c.id)
            .limit(1)
        )
        alert = first.first()
        if alert is None:
            return None
        payload = await self._session.scalar(
            select(ALERT_EVENTS.c.payload)
            .where(ALERT_EVENTS.c.alert_id == alert.id)
            .order_by(ALERT_EVENTS.c.id)
            .limit(1)
        )
        return alert.source, alert.dedup_key, dict(payload or {})

    async def open_cases(self) -> list[Case]:
        """Every case not closed, newest first. Cases are a working set (repeats join a signal's open
        case), so reading them all is cheap, and visibility is judged on the model: restricted cases keep
        their people in a JSON list that SQLite and PostgreSQL query differently."""
        rows = await self._session.execute(
            select(CASES).where(CASES.c.status != CaseStatus.CLOSED.value).order_by(CASES.c.id.desc())
        )
        return [to_case(dict(row._mapping)) for row in rows]

    async def activity(self, since: datetime) -> dict[str, tuple[int, int]]:
        """Each channel's (opened, closed) open-visibility cases since `since`; channels with neither
        are left out. A case opened and closed in the period counts in both."""
        opened = await self._per_channel(CASES.c.created_at >= since)
        closed = await self._per_channel(CASES.c.closed_at >= since)
        return {channel: (opened.get(channel, 0), closed.get(channel, 0)) for channel in opened | closed}

    async def _per_channel(self, condition: ColumnElement[bool]) -> dict[str, int]:
        rows = await self._session.execute(
            select(CASES.c.channel, func.count())
            .where(CASES.c.restricted.is_(False), condition)
            .group_by(CASES.c.channel)
        )
        return {channel: count for channel, count in rows}

    async def opening_alert(self, case_id: int) -> int | None:
        """The id of the alert that opened the case (its first): what a denial pages for."""
        return await self._session.scalar(
            select(ALERTS.c.id).where(ALERTS.c.case_id == case_id).order_by(ALERTS.c.id).limit(1)
        )

    async def open_in_own_channel(self, channel_id: str) -> int | None:
        """The open case that moved to `channel_id` as its own channel (Create channel), if any."""
        moved = select(CASE_EVENTS.c.id).where(
            CASE_EVENTS.c.case_id == CASES.c.id, CASE_EVENTS.c.action == CHANNEL_CREATED
        )
        return await self._session.scalar(
            select(CASES.c.id).where(
                CASES.c.channel == channel_id, CASES.c.status != CaseStatus.CLOSED.value, moved.exists()
            )
        )

    async def first_entities(self, case_id: int) -> dict[str, str]:
        """The entities extracted from the case's first alert (what a snooze may be narrowed to)."""
        details = await self._session.scalar(
            select(ALERTS.c.details).where(ALERTS.c.case_id == case_id).order_by(ALERTS.c.id).limit(1)
        )
        return {str(name): str(value) for name, value in ((details or {}).get("entities") or {}).items()}

    async def counts(self) -> dict[str, int]:
        rows = await self._session.execute(select(CASES.c.status, func.count()).group_by(CASES.c.status))
        return {status: count for status, count in rows.tuples()}


def new_case(
    *,
    title: str,
    description: str,
    signal: str,
    case_type: str,
    case_priority: str,
    channel: str,
    restricted: bool,
    now: datetime,
    alert_count: int,
    reporter: str | None = None,
    assignee: str | None = None,
) -> CaseValues:
    """A new case's row: New, unposted (delivery posts its message), with its reporter as participant."""
    return {
        "title": title,
        "description": description,
        "status": CaseStatus.NEW.value,
        "signal": signal,
        "case_type": case_type,
        "case_priority": case_priority,
        "channel": channel,
        "alert_count": alert_count,
        "created_at": now,
        "last_alert_at": now if alert_count else None,
        "reporter": reporter,
        "assignee": assignee,
        "participants": [reporter] if reporter else [],
        "restricted": restricted,
        "resolution_reason": None,
        "resolution": "",
        "message_ts": None,
        "incident_id": None,
        "closed_at": None,
        "version": 1,
        "rendered_version": 0,
    }


def to_case(row: Mapping[str, Any]) -> Case:
    reason = row["resolution_reason"]
    return Case(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        status=CaseStatus(row["status"]),
        signal=row["signal"],
        case_type=row["case_type"],
        case_priority=row["case_priority"],
        channel=row["channel"],
        alert_count=row["alert_count"],
        created_at=row["created_at"],
        last_alert_at=row["last_alert_at"],
        reporter=row["reporter"],
        assignee=row["assignee"],
        participants=tuple(row["participants"]),
        restricted=row["restricted"],
        resolution_reason=ResolutionReason(reason) if reason else None,
        resolution=row["resolution"],
        message_ts=row["message_ts"],
        incident_id=row["incident_id"],
        closed_at=row["closed_at"],
        version=row["version"],
    )
