"""The intake's bulk statements store and read values exactly as SQLAlchemy's own statements do (UTC
datetimes, JSON documents, JSON null), on both backends, across the rows-per-statement boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from dispatchbot.storage.alerts import ALERTS
from dispatchbot.storage.bulk import ROWS_PER_STATEMENT, insert_rows, select_where_in
from dispatchbot.storage.engine import Database

T0 = datetime(2026, 12, 3, 12, 0, 0, 123456, tzinfo=UTC)


def alert_row(n: int) -> dict[str, Any]:
    return {
        "source": "prometheus",
        "dedup_key": f"key-{n}",
        "open_key": f"prometheus\x1fkey-{n}",
        "format": "generic",
        "signal": "",
        "route": "channel",
        "state": "firing",
        "severity": "error",
        "title": f"Disk full <!channel> {n}",
        "description": "",
        "labels": {"team": "db", "n": str(n)} if n % 2 else {},
        "source_url": "",
        "runbook_url": "",
        "count": 1,
        "first_seen_at": T0,
        "last_seen_at": T0 + timedelta(seconds=n),
        "resolved_at": None,
        "channel": "#alerts",
        "users": ["U1"] if n % 3 else [],
        "oncall_service": "",
        "alert_channels": ["slack"],
        "message_ts": None,
        "ack_by": None,
        "ack_at": None,
        "ack_expires_at": None,
        "last_alerted_at": T0,
        "next_realert_at": T0 + timedelta(minutes=10),
        "incident_id": None,
        "page_id": None,
        "mapbox": None if n % 2 else {"route": "nag", "users": [{"slack": "U1", "github": ""}]},
        "details": {},
        "last_event_hash": "h",
        "version": 1,
        "rendered_version": 1,
        "case_id": None,
    }


async def test_inserted_rows_read_back_as_written_and_ids_come_back_by_key(database: Database) -> None:
    rows = [alert_row(n) for n in range(ROWS_PER_STATEMENT + 7)]  # two statements
    async with database.sessions.begin() as session:
        returned = await insert_rows(session, ALERTS, rows, returning=("id", "open_key"))
    ids = {open_key: alert_id for alert_id, open_key in returned}
    assert sorted(ids) == sorted(row["open_key"] for row in rows)

    async with database.sessions() as session:
        stored = {row.open_key: dict(row._mapping) for row in await session.execute(select(ALERTS))}
    for row in rows:
        assert stored[row["open_key"]] == {"id": ids[row["open_key"]], **row}


async def test_select_where_in_reads_what_sqlalchemy_reads(database: Database) -> None:
    rows = [alert_row(n) for n in range(3)]
    async with database.sessions.begin() as session:
        await insert_rows(session, ALERTS, rows, returning=("id", "open_key"))
    wanted = [rows[2]["open_key"], rows[0]["open_key"], "prometheus\x1fmissing"]

    async with database.sessions.begin() as session:
        found = await select_where_in(session, ALERTS, "open_key", wanted, for_update=True)
        expected = [
            dict(row._mapping)
            for row in await session.execute(
                select(ALERTS).where(ALERTS.c.open_key.in_(wanted)).order_by(ALERTS.c.open_key)
            )
        ]
    assert found == expected
    assert [row["open_key"] for row in found] == sorted(wanted[:2])
    assert found[0]["first_seen_at"].tzinfo is not None


async def test_rows_without_returning_go_in_one_executemany(database: Database) -> None:
    rows = [alert_row(n) for n in range(2)]
    async with database.sessions.begin() as session:
        assert await insert_rows(session, ALERTS, rows) == []
        assert await insert_rows(session, ALERTS, []) == []
    async with database.sessions() as session:
        titles = (await session.scalars(select(ALERTS.c.title).order_by(ALERTS.c.id))).all()
    assert titles == [row["title"] for row in rows]
