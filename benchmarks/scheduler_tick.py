"""One reminder tick over 10,000 active incidents with a mix of due and not-due reminders.

Prints, per database: the tick with nothing due (the cost paid every 30 s), and a tick with due
reminders: claim (one statement), incidents fetched (one query), DMs sent through the fake Slack,
outcomes recorded (one statement). Target <= 1 s on SQLite; no per-incident round trips.
Run: python benchmarks/scheduler_tick.py [--incidents 10000] [--due 0.02] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from dispatchbot.app import Bot, Running
from dispatchbot.config import DatabaseSettings, HttpSettings, Settings, SlackSettings
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Reminder, ReminderKind
from dispatchbot.handlers.router import Router
from dispatchbot.storage.tables import IncidentRow, ReminderRow
from dispatchbot.testing import FakeSlack

BATCH = 2000


def dm_sender(router: Router, deps: Deps) -> None:
    async def send(deps: Deps, reminder: Reminder, incident: Incident) -> datetime | None:
        await deps.slack.post_message(reminder.recipient, f"Time for a report on {incident.reference}")
        return deps.clock.now() + timedelta(hours=6)

    for kind in (ReminderKind.TACTICAL_REPORT, ReminderKind.EXECUTIVE_REPORT):
        deps.reminder_senders[kind] = send


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


async def measure(url: str, label: str, incidents: int, due_fraction: float) -> None:
    async with FakeSlack() as slack:
        commanders = [slack.add_user(f"commander{i}").id for i in range(50)]
        settings = Settings(
            slack=SlackSettings(bot_token=slack.bot_token, app_token=slack.app_token, api_url=slack.api_url),
            database=DatabaseSettings(url=url),
            http=HttpSettings(host="127.0.0.1", port=0),
        )
        bot = Bot(settings, extensions=[dm_sender])
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
        finally:
            await bot.stop()
    print(f"{label}: {incidents} active incidents, {2 * incidents} reminders, {due} due")
    print(f"  tick with {due} due: {with_due:.3f} s ({sent} DMs sent)   (target <= 1 s on SQLite)")
    print(f"  tick with nothing due: {idle * 1000:.1f} ms")


async def main(incidents: int, due_fraction: float, postgres: str | None) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory() as directory:
        await measure(f"sqlite+aiosqlite:///{directory}/bench.db", "SQLite", incidents, due_fraction)
    if postgres:
        await measure(postgres, "PostgreSQL", incidents, due_fraction)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--due", type=float, default=0.02, help="fraction of incidents with a due reminder")
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL to measure too")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.incidents, arguments.due, arguments.postgres))
