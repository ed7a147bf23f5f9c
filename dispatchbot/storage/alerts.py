"""Alert rows, their audit trail and their notices, in bulk where the intake needs speed.

The intake takes a whole batch of inbound alerts in one transaction, so these methods read and write
many rows per statement (`IN (...)`, executemany): a thousand alerts a second is a few statements per
batch, not a few per alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update

from dispatchbot.alert_formats.model import MapboxMessage, MapboxRoute, MapboxUser, Severity
from dispatchbot.alerting.model import Acknowledgement, Alert, AlertState, AuditEntry, Route
from dispatchbot.storage import rendered
from dispatchbot.storage.bulk import insert_rows, select_where_in
from dispatchbot.storage.repository import Repository
from dispatchbot.storage.tables import AlertEventRow, AlertNoticeRow, AlertRow

ALERTS = cast(Table, AlertRow.__table__)
EVENTS = cast(Table, AlertEventRow.__table__)
NOTICES = cast(Table, AlertNoticeRow.__table__)

AlertValues = dict[str, Any]
"""An alert row's columns by name, as the intake builds and changes them before writing."""


VERSION_BUMP = "version_bump"
"""In a change given to `AlertRepository.update`: how much to add to the alert's version."""


def open_key(source: str, dedup_key: str) -> str:
    return f"{source}\x1f{dedup_key}"


class AlertRepository(Repository):
    async def open_alerts(self, keys: Iterable[str]) -> dict[str, AlertValues]:
        """The open alerts among `keys` (see `open_key`), by key, locked until the transaction ends
        (PostgreSQL; SQLite has one writer anyway): another replica taking in a repeat of one of them
        waits, then reads what this one wrote, so no count or state is lost between them. Locked in key
        order, so two such batches cannot deadlock."""
        rows = await select_where_in(self._session, ALERTS, "open_key", sorted(set(keys)), for_update=True)
        return {row["open_key"]: row for row in rows}

    async def titles_seen(self, source: str, titles: Iterable[str], *, open_only: bool) -> set[str]:
        """Which of `titles` an alert of `source` had (an open one, with `open_only`): retrigger, M8."""
        wanted = list(set(titles))
        if not wanted:
            return set()
        query = select(ALERTS.c.title).where(ALERTS.c.source == source, ALERTS.c.title.in_(wanted))
        if open_only:
            query = query.where(ALERTS.c.open_key.is_not(None))
        return set((await self._session.scalars(query.distinct())).all())

    async def insert(self, alerts: Sequence[AlertValues]) -> list[int]:
        """Insert new alerts; their ids, in order (ids grow in that order too: newest is highest).

        A run of open alerts (nearly all) goes in one multi-row statement and their ids come back by
        `open_key`, unique while open: asking for the ids in parameter order instead makes SQLAlchemy
        insert one row per statement on SQLite, a round trip to the database thread per alert. An alert
        opened and resolved within one batch has no key; those few still go that way."""
        ids: list[int] = []
        for is_open, run in groupby(alerts, key=lambda alert: alert["open_key"] is not None):
            rows = list(run)
            if is_open:
                returned = await insert_rows(self._session, ALERTS, rows, returning=("id", "open_key"))
                by_key = {open_key: alert_id for alert_id, open_key in returned}
                ids += [by_key[row["open_key"]] for row in rows]
            else:
                result = await self._session.execute(
                    insert(ALERTS).returning(ALERTS.c.id, sort_by_parameter_order=True), rows
                )
                ids += [row.id for row in result]
        return ids

    async def update(self, changes: Sequence[AlertValues]) -> None:
        """Write changed columns of existing alerts; every dict has `id`, and `VERSION_BUMP` adds to the
        version in SQL (a write in between, say delivery recording a page, keeps its bump too). Alerts
        given the very same values (a re-alert tick's thousands) share one `WHERE id IN` statement; the
        rest go as one executemany per set of columns."""
        alike: dict[tuple[tuple[str, Any], ...], list[AlertValues]] = {}
        by_shape: dict[tuple[str, ...], list[AlertValues]] = {}
        for change in changes:
            values = tuple(sorted((name, value) for name, value in change.items() if name != "id"))
            try:
                alike.setdefault(values, []).append(change)
            except TypeError:  # a JSON value (labels) is unhashable: this change goes by its shape
                by_shape.setdefault(tuple(sorted(change)), []).append(change)
        for values, group in alike.items():
            if len(group) == 1:
                by_shape.setdefault(tuple(sorted(group[0])), []).append(group[0])
                continue
            ids = [change["id"] for change in group]
            for start in range(0, len(ids), 500):
                await self._session.execute(
                    update(ALERTS)
                    .where(ALERTS.c.id.in_(ids[start : start + 500]))
                    .values(_bumped({name: value for name, value in values}))
                )
        for shape, shaped in by_shape.items():
            columns = [name for name in shape if name != "id"]
            statement = (
                update(ALERTS)
                .where(ALERTS.c.id == bindparam("b_id"))
                .values(_bumped({name: bindparam(f"b_{name}") for name in columns}))
            )
            await self._session.execute(
                statement, [{f"b_{name}": change[name] for name in shape} for change in shaped]
            )

    async def add_events(self, events: Sequence[Mapping[str, Any]]) -> None:
        await insert_rows(self._session, EVENTS, events)

    async def add_notices(self, notices: Sequence[Mapping[str, Any]]) -> None:
        await insert_rows(self._session, NOTICES, notices)

    async def get(self, alert_id: int) -> Alert | None:
        row = (await self._session.execute(select(ALERTS).where(ALERTS.c.id == alert_id))).first()
        return to_alert(dict(row._mapping)) if row else None

    async def many(self, alert_ids: Iterable[int]) -> list[Alert]:
        wanted = list(alert_ids)
        found: list[Alert] = []
        for start in range(0, len(wanted), 500):
            rows = await self._session.execute(
                select(ALERTS).where(ALERTS.c.id.in_(wanted[start : start + 500]))
            )
            found += [to_alert(dict(row._mapping)) for row in rows]
        return found

    async def find(self, source: str, dedup_key: str) -> list[Alert]:
        """Every alert of (source, key), newest first: the open one and those that recovered."""
        rows = await self._session.execute(
            select(ALERTS)
            .where(ALERTS.c.source == source, ALERTS.c.dedup_key == dedup_key)
            .order_by(ALERTS.c.id.desc())
        )
        return [to_alert(dict(row._mapping)) for row in rows]

    async def listing(self, *, firing_only: bool, limit: int) -> list[Alert]:
        query = select(ALERTS).order_by(ALERTS.c.id.desc()).limit(limit)
        if firing_only:
            query = query.where(ALERTS.c.state == AlertState.FIRING.value)
        return [to_alert(dict(row._mapping)) for row in await self._session.execute(query)]

    async def audit_trail(self, alert_id: int) -> list[AuditEntry]:
        rows = await self._session.execute(
            select(EVENTS.c.at, EVENTS.c.actor, EVENTS.c.action, EVENTS.c.detail)
            .where(EVENTS.c.alert_id == alert_id)
            .order_by(EVENTS.c.id)
        )
        return [AuditEntry(row.at, row.actor, row.action, row.detail) for row in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self._session.execute(select(ALERTS.c.state, func.count()).group_by(ALERTS.c.state))
        return {state: count for state, count in rows.tuples()}

    async def due_for_realert(self, now: datetime, limit: int) -> list[AlertValues]:
        """The firing alerts whose re-alert is due, with only the columns the tick decides by: reading
        whole rows (JSON documents, a dozen timestamps) made up most of a tick over 10,000 alerts."""
        rows = await self._session.execute(
            select(
                ALERTS.c.id,
                ALERTS.c.signal,
                ALERTS.c.severity,
                ALERTS.c.ack_by,
                ALERTS.c.ack_expires_at,
                ALERTS.c.version,
            )
            .where(ALERTS.c.next_realert_at <= now, ALERTS.c.state == AlertState.FIRING.value)
            .order_by(ALERTS.c.next_realert_at)
            .limit(limit)
        )
        return [dict(row._mapping) for row in rows]

    async def change(self, alert_id: int, expected_version: int | None = None, **values: Any) -> bool:
        """Change one alert (bumping its version); with `expected_version`, only if still at it."""
        statement = update(ALERTS).where(ALERTS.c.id == alert_id)
        if expected_version is not None:
            statement = statement.where(ALERTS.c.version == expected_version)
        result = await self._session.execute(statement.values(version=ALERTS.c.version + 1, **values))
        return bool(getattr(result, "rowcount", 0) == 1)

    async def pending_notices(self, limit: int) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(NOTICES).where(NOTICES.c.done_at.is_(None)).order_by(NOTICES.c.id).limit(limit)
        )
        return [dict(row._mapping) for row in rows]

    async def notice_attempted(self, notice_id: int) -> None:
        await self._session.execute(
            update(NOTICES)
            .where(NOTICES.c.id == notice_id)
            .values(attempted=True, attempts=NOTICES.c.attempts + 1)
        )

    async def notice_failed(self, notice_id: int, error: str) -> None:
        await self._session.execute(update(NOTICES).where(NOTICES.c.id == notice_id).values(last_error=error))

    async def notice_done(self, notice_ids: Sequence[int], now: datetime) -> None:
        await self._session.execute(
            update(NOTICES).where(NOTICES.c.id.in_(list(notice_ids))).values(done_at=now)
        )

    async def unrendered(self, limit: int) -> list[Alert]:
        return [to_alert(row) for row in await rendered.behind(self._session, ALERTS, limit)]

    async def rendered(self, alert_id: int, version: int) -> None:
        await rendered.shown(self._session, ALERTS, alert_id, version)


def _bumped(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with `VERSION_BUMP` turned into `version = version + bump`."""
    if VERSION_BUMP in values:
        values["version"] = ALERTS.c.version + values.pop(VERSION_BUMP)
    return values


def to_alert(row: Mapping[str, Any]) -> Alert:
    ack = None
    if row["ack_by"] and row["ack_at"] and row["ack_expires_at"]:
        ack = Acknowledgement(row["ack_by"], row["ack_at"], row["ack_expires_at"])
    return Alert(
        id=row["id"],
        source=row["source"],
        dedup_key=row["dedup_key"],
        format=row["format"],
        signal=row["signal"],
        route=Route(row["route"]),
        state=AlertState(row["state"]),
        severity=Severity(row["severity"]),
        title=row["title"],
        description=row["description"],
        labels=row["labels"],
        source_url=row["source_url"],
        runbook_url=row["runbook_url"],
        count=row["count"],
        first_seen_at=row["first_seen_at"],
        last_seen_at=row["last_seen_at"],
        channel=row["channel"],
        users=tuple(row["users"]),
        oncall_service=row["oncall_service"],
        alert_channels=tuple(row["alert_channels"]),
        message_ts=row["message_ts"],
        resolved_at=row["resolved_at"],
        acknowledgement=ack,
        last_alerted_at=row["last_alerted_at"],
        incident_id=row["incident_id"],
        page_id=row["page_id"],
        mapbox=mapbox_from_stored(row["mapbox"]),
        details=row["details"],
        version=row["version"],
        case_id=row["case_id"],
    )


def mapbox_to_stored(message: MapboxMessage | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {
        "route": message.route.value,
        "request_id": message.request_id,
        "users": [{"slack": user.slack, "github": user.github} for user in message.users],
        "message": message.message,
        "prompt": message.prompt,
        "yes_label": message.yes_label,
        "no_label": message.no_label,
        "yes_response": message.yes_response,
        "no_response": message.no_response,
        "retrigger": message.retrigger,
        "pagerduty_title": message.pagerduty_title,
    }


def mapbox_from_stored(stored: Mapping[str, Any] | None) -> MapboxMessage | None:
    if stored is None:
        return None
    values = dict(stored)
    values["route"] = MapboxRoute(values["route"])
    values["users"] = tuple(MapboxUser(**user) for user in values["users"])
    return MapboxMessage(**values)
