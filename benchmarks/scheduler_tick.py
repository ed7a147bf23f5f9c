"""Scheduler ticks over 10,000 open incidents: reminders and cost accrual.

Prints, per database: the reminder tick with nothing due (the cost paid every 30 s), and a tick with
due reminders: claim (one statement), incidents fetched (one query), DMs sent through the fake Slack,
outcomes recorded (one statement). Then the cost tick's database part (load roles, status changes and
messages in one query each, compute, one executemany UPDATE) over the same incidents, each with four
role holders, a tenth of them Stable and a tenth priced by the activity model (20 messages each).
Target <= 1 s on SQLite for each; no per-incident round trips.
Run: python benchmarks/scheduler_tick.py [--incidents 10000] [--due 0.02] [--postgres URL]
(`--postgres` defaults to TEST_POSTGRES_URL; a scratch database is created on that server and dropped.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from dispatchbot.app import Bot, Running
from dispatchbot.config import (
    DatabaseSettings,
    HttpSettings,
    IncidentTypeSettings,
    Settings,
    SlackSettings,
)
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Reminder, ReminderKind, Role
from dispatchbot.features import FEATURES, Feature
from dispatchbot.flows.incidents.costs import cost_models
from dispatchbot.storage.tables import (
    IncidentRow,
    ParticipantActivityRow,
    ParticipantRoleRow,
    ParticipantRow,
    ReminderRow,
    TimelineEventRow,
)
from dispatchbot.testing import FakeSlack
from dispatchbot.testing.postgres import scratch_database

BATCH = 2000
ACTIVITY_TYPE = "Chatty"
ROLES = (Role.COMMANDER, Role.SCRIBE, Role.PARTICIPANT, Role.OBSERVER)
MESSAGES = 20


async def dm_report_reminder(deps: Deps, reminder: Reminder, incident: Incident) -> datetime | None:
    await deps.slack.post_message(reminder.recipient, f"Time for a report on {incident.reference}")
    return deps.clock.now() + timedelta(hours=6)


def with_plain_report_reminders() -> tuple[Feature, ...]:
    """The bot's features, report reminders sent as a plain DM (the tick is measured, not the DM)."""
    plain = {
        ReminderKind.TACTICAL_REPORT: dm_report_reminder,
        ReminderKind.EXECUTIVE_REPORT: dm_report_reminder,
    }
    return tuple(
        replace(feature, reminder_senders=plain) if feature.name == "reports" else feature
        for feature in FEATURES
    )


async def seed(running: Running, incidents: int, due_fraction: float, commanders: list[str]) -> int:
    now = datetime.now(UTC)
    every = max(1, round(1 / due_fraction)) if due_fraction else 0
    async with running.deps.database.engine.begin() as connection:
        for start in range(0, incidents, BATCH):
            rows = [
                {
                    "creation_key": f"bench-{n}",
                    "title": f"Incident {n}",
                    "description": "",
                    "resolution": "",
                    "status": "active",
                    "incident_type": "Default",
                    "severity": "Low",
                    "priority": "Medium",
                    "visibility": "open",
                    "reporter_id": commanders[n % len(commanders)],
                    "commander_id": commanders[n % len(commanders)],
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, min(start + BATCH, incidents))
            ]
            await connection.execute(insert(IncidentRow), rows)
        ids = [
            row[0]
            for row in await connection.execute(
                IncidentRow.__table__.select().with_only_columns(IncidentRow.id)
            )
        ]
        due = 0
        reminders = []
        for position, incident_id in enumerate(ids):
            for kind in (ReminderKind.TACTICAL_REPORT, ReminderKind.EXECUTIVE_REPORT):
                is_due = bool(every) and position % every == 0 and kind is ReminderKind.TACTICAL_REPORT
                due += is_due
                reminders.append(
                    {
                        "kind": kind.value,
                        "incident_id": incident_id,
                        "subject": "report",
                        "recipient": commanders[position % len(commanders)],
                        "sent_count": 0,
                        "due_at": now - timedelta(minutes=1)
                        if is_due
                        else now + timedelta(hours=2 + position % 10),
                    }
                )
        for start in range(0, len(reminders), BATCH):
            await connection.execute(insert(ReminderRow), reminders[start : start + BATCH])
    return due


async def seed_costs(running: Running, people: list[str]) -> None:
    """Four role holders per incident (the commander also reported), every tenth incident Stable (with
    its status change on the timeline), every tenth other one priced by activity with 20 messages."""
    now = datetime.now(UTC)
    started = now - timedelta(hours=3)
    async with running.deps.database.engine.begin() as connection:
        ids = list(await connection.scalars(select(IncidentRow.id).order_by(IncidentRow.id)))
        stable = [incident_id for n, incident_id in enumerate(ids) if n % 10 == 0]
        chatty = [incident_id for n, incident_id in enumerate(ids) if n % 10 == 5]
        await connection.execute(
            update(IncidentRow).values(created_at=started, commander_id=people[0], reporter_id=people[0])
        )
        await connection.execute(
            update(IncidentRow)
            .where(IncidentRow.id.in_(stable))
            .values(status="stable", stable_at=now - timedelta(hours=1))
        )
        await connection.execute(
            update(IncidentRow).where(IncidentRow.id.in_(chatty)).values(incident_type=ACTIVITY_TYPE)
        )
        await _insert(
            connection,
            TimelineEventRow,
            [
                {
                    "incident_id": incident_id,
                    "kind": "status_changed",
                    "description": "status changed",
                    "occurred_at": now - timedelta(hours=1),
                    "details": {"field": "status", "from": "active", "to": "stable"},
                }
                for incident_id in stable
            ],
        )
        await _insert(
            connection,
            ParticipantRow,
            [
                {
                    "incident_id": incident_id,
                    "user_id": people[n],
                    "active": True,
                    "added_reason": "",
                    "joined_at": started,
                    "message_count": 0,
                    "after_hours_notified": False,
                }
                for incident_id in ids
                for n in range(len(ROLES))
            ],
        )
        participants = await connection.execute(
            select(ParticipantRow.id, ParticipantRow.user_id, ParticipantRow.incident_id)
        )
        roles: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        chatty_ids = set(chatty)
        for participant_id, user_id, incident_id in participants:
            role = ROLES[people.index(user_id)]
            roles.append({"participant_id": participant_id, "role": role.value, "assumed_at": started})
            if role is Role.COMMANDER:
                roles.append({"participant_id": participant_id, "role": "reporter", "assumed_at": started})
            if incident_id in chatty_ids:
                messages.extend(
                    {
                        "incident_id": incident_id,
                        "user_id": user_id,
                        "occurred_at": started + timedelta(minutes=4 * m),
                        "source_key": f"C{incident_id}:{user_id}:{m}",
                    }
                    for m in range(MESSAGES // len(ROLES))
                )
        await _insert(connection, ParticipantRoleRow, roles)
        await _insert(connection, ParticipantActivityRow, messages)


async def _insert(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await connection.execute(insert(table), rows[start : start + BATCH])


async def measure(url: str, label: str, incidents: int, due_fraction: float) -> None:
    async with FakeSlack() as slack:
        commanders = [slack.add_user(f"commander{i}").id for i in range(50)]
        settings = Settings(
            slack=SlackSettings(bot_token=slack.bot_token, app_token=slack.app_token, api_url=slack.api_url),
            database=DatabaseSettings(url=url),
            http=HttpSettings(host="127.0.0.1", port=0),
            incident_types=[
                IncidentTypeSettings(name="Default"),
                IncidentTypeSettings(name=ACTIVITY_TYPE, cost_model="activity"),
            ],
        )
        bot = Bot(settings, features=with_plain_report_reminders())
        running = await bot.start()
        try:
            due = await seed(running, incidents, due_fraction, commanders)
            job = next(job for job in running.scheduler.jobs if job.name == "send_due_reminders")
            started = time.perf_counter()
            await running.scheduler.run(job)
            with_due = time.perf_counter() - started
            sent = len(slack.calls_to("chat.postMessage"))
            started = time.perf_counter()
            await running.scheduler.run(job)
            idle = time.perf_counter() - started

            await seed_costs(running, commanders[: len(ROLES)])
            models = cost_models(running.deps)
            started, cpu = time.perf_counter(), time.process_time()
            changes = await running.deps.costs.accrue(datetime.now(UTC), models)
            first_costs, first_cpu = time.perf_counter() - started, time.process_time() - cpu
            started, cpu = time.perf_counter(), time.process_time()
            await running.deps.costs.accrue(datetime.now(UTC), models)
            next_costs, next_cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            await bot.stop()
    print(f"{label}: {incidents} active incidents, {2 * incidents} reminders, {due} due")
    print(f"  tick with {due} due: {with_due:.3f} s ({sent} DMs sent)   (target <= 1 s on SQLite)")
    print(f"  tick with nothing due: {idle * 1000:.1f} ms")
    print(
        f"  cost tick over {len(changes)} open incidents: {first_costs:.3f} s (cpu {first_cpu:.3f} s), "
        f"again {next_costs:.3f} s (cpu {next_cpu:.3f} s)   (target <= 1 s on SQLite)"
    )


async def main(incidents: int, due_fraction: float, postgres: str | None) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory() as directory:
        await measure(f"sqlite+aiosqlite:///{directory}/bench.db", "SQLite", incidents, due_fraction)
    if postgres:
        async with scratch_database(postgres, "bench") as url:
            await measure(url, "PostgreSQL", incidents, due_fraction)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--due", type=float, default=0.02, help="fraction of incidents with a due reminder")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_POSTGRES_URL"),
        help="a PostgreSQL server URL to measure too (a scratch database is made there)",
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.incidents, arguments.due, arguments.postgres))
