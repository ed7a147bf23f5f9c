"""The scheduler: one leader among replicas sends each reminder once; a follower takes over."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dispatchbot.app import Bot, Running
from dispatchbot.config import SchedulerSettings
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident, Reminder, ReminderKind
from dispatchbot.features import FEATURES, Feature
from dispatchbot.scheduler.jobs import Job
from dispatchbot.testing import Channel, FakeSlack, User
from tests.support import probe
from tests.support.bot import BotProcess, bot_environment, bot_settings, free_port
from tests.support.incidents import report_incident
from tests.support.waiting import eventually

KIND = ReminderKind.TASK_OVERDUE


async def dm_once(deps: Deps, reminder: Reminder, incident: Incident) -> datetime | None:
    """DMs the reminder's recipient once (and is then done)."""
    await deps.slack.post_message(reminder.recipient, f"reminder {reminder.subject} of {incident.reference}")
    return None


def dm_sender(kind: ReminderKind) -> tuple[Feature, ...]:
    """The bot's features, with `kind`'s reminders sent by `dm_once` instead."""
    return tuple(
        replace(feature, reminder_senders={**feature.reminder_senders, kind: dm_once})
        if kind in feature.reminder_senders
        else feature
        for feature in FEATURES
    )


def job(running: Running, name: str) -> Job:
    return next(job for job in running.scheduler.jobs if job.name == name)


async def test_two_replicas_send_each_reminder_once_and_a_follower_takes_over(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several replicas need PostgreSQL; SQLite is single-replica by design")
    settings = bot_settings(slack, database_url).model_copy(
        update={"scheduler": SchedulerSettings(reminder_tick_seconds=3600, leader_retry_seconds=0.2)}
    )
    first = Bot(settings, extensions=[probe.register], features=dm_sender(KIND))
    second = Bot(settings, extensions=[probe.register], features=dm_sender(KIND))
    try:
        one, two = await first.start(), await second.start()
        assert [one.scheduler.is_leader, two.scheduler.is_leader].count(True) == 1
        incident, _channel = await report_incident(one, slack, alice, general)
        past = datetime.now(UTC) - timedelta(minutes=1)
        for subject in ("a", "b", "c"):
            await one.deps.reminders.schedule(KIND, incident.id, subject, alice.id, past)
        ran = await asyncio.gather(*(r.scheduler.run(job(r, "send_due_reminders")) for r in (one, two) * 3))
        assert ran.count(True) == 3  # only the leader's ticks run
        reminders = sorted(m.text for m in slack.dms(alice.id) if m.text.startswith("reminder"))
        assert reminders == ["reminder a of INC-1", "reminder b of INC-1", "reminder c of INC-1"]

        leader, follower = (first, two) if one.scheduler.is_leader else (second, one)
        await leader.stop()
        await eventually(lambda: follower.scheduler.is_leader, within=5, what="the follower to take over")
    finally:
        await first.stop()
        await second.stop()


async def test_reminders_survive_a_restart(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url)
    bot = Bot(settings, extensions=[probe.register], features=dm_sender(KIND))
    running = await bot.start()
    incident, _channel = await report_incident(running, slack, alice, general)
    await running.deps.reminders.schedule(
        KIND, incident.id, "x", alice.id, datetime.now(UTC) - timedelta(seconds=1)
    )
    await bot.stop()  # a pending reminder, nothing in memory
    again = Bot(settings, extensions=[probe.register], features=dm_sender(KIND))
    try:
        restarted = await again.start()
        assert restarted.scheduler.is_leader
        assert await restarted.scheduler.run(job(restarted, "send_due_reminders"))
        assert await restarted.scheduler.run(job(restarted, "send_due_reminders"))
        assert [m.text for m in slack.dms(alice.id) if m.text.startswith("reminder")] == [
            "reminder x of INC-1"
        ]
    finally:
        await again.stop()


@pytest.mark.slow
async def test_scheduler_commands(slack: FakeSlack, database_url: str, processes: list[BotProcess]) -> None:
    environment = bot_environment(slack, database_url, free_port())

    async def cli(*args: str) -> tuple[int, str]:
        process = BotProcess(environment, probe=False)
        processes.append(process)
        process.process = await asyncio.create_subprocess_exec(
            *process.command_for(*args),
            env=environment,
            cwd=process.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.process.communicate()
        return int(process.process.returncode or 0), out.decode()

    code, out = await cli("scheduler", "run", "sweep_flow_runs")
    assert (code, out.strip().splitlines()[-1]) == (0, "ran sweep_flow_runs")
    code, out = await cli("scheduler", "run", "send_due_reminders")
    assert code == 0
    code, out = await cli("scheduler", "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert lines["send_due_reminders"].split()[1:3] == ["30s", "yes"]
    assert lines["send_due_reminders"].split()[3] != "-"  # the run above was recorded
    code, out = await cli("scheduler", "run", "no_such_job")
    assert code == 1
    assert "no scheduler job 'no_such_job'; the jobs are: send_due_reminders, sweep_flow_runs" in out
