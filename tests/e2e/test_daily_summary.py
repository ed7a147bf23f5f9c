"""The daily summary, end to end with a hand-set clock: what each notification channel gets and when,
its working Join / Subscribe buttons, once a day per channel across ticks, restarts and replicas."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatchbot.app import Running
from dispatchbot.blocks.incidents import daily_summary as summary_blocks
from dispatchbot.config import NotificationSettings, Settings, SummarySettings
from dispatchbot.domain import Incident, Role, Status, Visibility
from dispatchbot.flows.incidents import daily_summary
from dispatchbot.testing import Channel, FakeSlack, Message, User
from tests.support.bot import bot_settings, running_bot
from tests.support.clocks import ManualClock
from tests.support.incidents import report_incident
from tests.support.replicas import skip_unless_replicas_supported
from tests.support.waiting import eventually

MONDAY = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)
TUESDAY = datetime(2030, 1, 8, 10, 0, tzinfo=UTC)
SUMMARY_TIME = datetime(2030, 1, 8, 17, 0, tzinfo=UTC)  # 18:00 in Berlin (UTC+1 in January)
PREFIX = "Daily incident summary"


def settings_for(
    slack: FakeSlack, database_url: str, targets: list[NotificationSettings], **summaries: Any
) -> Settings:
    return bot_settings(slack, database_url).model_copy(
        update={
            "notifications": targets,
            "summaries": SummarySettings(daily_time="18:00", daily_timezone="Europe/Berlin", **summaries),
        }
    )


def summaries(slack: FakeSlack, channel: Channel) -> list[Message]:
    return [message for message in slack.messages(channel.id) if message.text.startswith(PREFIX)]


def texts(message: Message) -> str:
    found = []
    for block in message.blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found += [
            element["text"] for element in block.get("elements", []) if isinstance(element.get("text"), str)
        ]
    return "\n".join(found)


def buttons_of(message: Message) -> list[tuple[str, str]]:
    """(button text, incident id) of every button, in order."""
    return [
        (element["text"]["text"], element["value"])
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def for_incident(message: Message, incident: Incident) -> Message:
    """The message narrowed to one incident's buttons, so a click lands on that incident's Join."""
    [block] = [
        block
        for block in message.blocks
        if block["type"] == "actions" and block["elements"][0]["value"] == str(incident.id)
    ]
    return replace(message, blocks=[block])


async def set_status(bot: Running, incident: Incident, status: Status, actor: User) -> Incident:
    return (await bot.deps.incidents.update(incident.id, {"status": status.value}, actor.id)).after


@pytest.fixture
def announcements(slack: FakeSlack) -> Channel:
    return slack.add_channel("incidents", members=[slack.bot_user_id])


@pytest.fixture
def settings(slack: FakeSlack, database_url: str, announcements: Channel) -> Settings:
    """Daily summaries to #incidents alone."""
    return settings_for(slack, database_url, [NotificationSettings(channel=announcements.id)])


async def test_the_summary_lists_each_section_with_buttons_that_work(
    slack: FakeSlack, alice: User, general: Channel, announcements: Channel, settings: Settings
) -> None:
    clock = ManualClock(MONDAY)
    async with running_bot(slack, settings, clock) as bot:
        old, _ = await report_incident(bot, slack, alice, general, Title="Old outage")
        await set_status(bot, old, Status.CLOSED, alice)
        long_stable, _ = await report_incident(bot, slack, alice, general, Title="Long stable")
        await set_status(bot, long_stable, Status.STABLE, alice)

        clock.set(TUESDAY)  # the two above changed more than a day before the summary
        active, _ = await report_incident(bot, slack, alice, general, Title="DB latency", Severity="Low")
        stable, stable_channel = await report_incident(bot, slack, alice, general, Title="Queue backlog")
        await set_status(bot, stable, Status.STABLE, alice)
        closed, _ = await report_incident(bot, slack, alice, general, Title="Disk full")
        await set_status(bot, closed, Status.CLOSED, alice)
        secret, _ = await report_incident(bot, slack, alice, general, Title="Leaked keys", Type="Security")
        assert secret.visibility is Visibility.RESTRICTED

        await daily_summary.tick(bot.deps, SUMMARY_TIME - timedelta(minutes=1))  # 17:59 in Berlin
        assert summaries(slack, announcements) == []
        await daily_summary.tick(bot.deps, SUMMARY_TIME)
        [summary] = summaries(slack, announcements)

        assert summary.text == f"{PREFIX} for Tuesday 8 January 2030: 1 active, 1 stable, 1 closed"
        shown = texts(summary)
        assert f"{PREFIX} · Tuesday 8 January 2030" in shown
        assert "*Active* (1)" in shown
        assert "*Stable in the last 24 hours* (1)" in shown
        assert "*Closed in the last 24 hours* (1)" in shown
        assert f"*{active.reference}* · DB latency" in shown
        assert "Type: Default · Severity: Low · Priority: Medium" in shown
        assert f"Commander: <@{alice.id}>" in shown
        assert f"*{stable.reference}* · Queue backlog" in shown
        assert ":large_yellow_circle: Stable" in shown
        assert f"*{closed.reference}* · Disk full" in shown
        for absent in ("Old outage", "Long stable", "Leaked keys"):
            assert absent not in shown
        assert buttons_of(summary) == [
            ("Join", str(active.id)),
            ("Subscribe", str(active.id)),
            ("Join", str(stable.id)),
            ("Subscribe", str(stable.id)),
        ]  # none for the closed one

        bob = slack.add_user("bob", real_name="Bob Brown")
        carol = slack.add_user("carol", real_name="Carol Chen")
        assert (await slack.as_user(bob).click(for_incident(summary, stable), "Join")).ok
        await eventually(lambda: bob.id in stable_channel.members, what="bob in the incident channel")
        # The answer comes once bob is recorded too (that is after the invite).
        await eventually(lambda: bool(slack.ephemerals(announcements.id, bob.id)), what="the join answer")
        participant = await bot.deps.participants.get(stable.id, bob.id)
        assert participant is not None
        assert participant.active
        assert Role.OBSERVER in participant.roles
        assert (await slack.as_user(carol).click(for_incident(summary, active), "Subscribe")).ok
        await eventually(
            lambda: bool(slack.ephemerals(announcements.id, carol.id)), what="the subscribe answer"
        )
        assert carol.id in await bot.deps.participants.subscribers(active.id)

        for minutes in (1, 2, 30, 300):  # ticks go on every minute: the day's summary is sent
            await daily_summary.tick(bot.deps, SUMMARY_TIME + timedelta(minutes=minutes))
        assert len(summaries(slack, announcements)) == 1

        await daily_summary.tick(bot.deps, SUMMARY_TIME + timedelta(days=1, minutes=-1))
        assert len(summaries(slack, announcements)) == 1
        await daily_summary.tick(bot.deps, SUMMARY_TIME + timedelta(days=1))
        second = summaries(slack, announcements)[-1]
        assert second.text == f"{PREFIX} for Wednesday 9 January 2030: 1 active"  # the rest is older now


async def test_each_channel_gets_what_its_filters_match_and_no_empty_summary(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    everything = slack.add_channel("everything", members=[slack.bot_user_id])
    severe = slack.add_channel("severe", members=[slack.bot_user_id])
    closures = slack.add_channel("closures", members=[slack.bot_user_id])
    quiet = slack.add_channel("quiet", members=[slack.bot_user_id])
    targets = [
        NotificationSettings(channel=everything.id),
        NotificationSettings(channel=severe.id, severities=["High", "Critical"]),
        NotificationSettings(channel=closures.id, statuses=["closed"]),
        NotificationSettings(channel=quiet.id, priorities=["Low"]),
    ]
    clock = ManualClock(TUESDAY)
    async with running_bot(slack, settings_for(slack, database_url, targets), clock) as bot:
        high, _ = await report_incident(bot, slack, alice, general, Title="Outage", Severity="High")
        done, _ = await report_incident(bot, slack, alice, general, Title="Blip")
        await set_status(bot, done, Status.CLOSED, alice)
        await daily_summary.tick(bot.deps, SUMMARY_TIME)

        def listed(channel: Channel) -> list[str]:
            return [line for m in summaries(slack, channel) for line in texts(m).splitlines() if "·" in line]

        assert [m.text for m in summaries(slack, everything)] == [
            f"{PREFIX} for Tuesday 8 January 2030: 1 active, 1 closed"
        ]
        assert any("Outage" in line for line in listed(severe))
        assert not any("Blip" in line for line in listed(severe))
        assert any("Blip" in line for line in listed(closures))
        assert not any("Outage" in line for line in listed(closures))  # active: not a closed-only match
        assert summaries(slack, quiet) == []  # nothing to list: nothing posted
        assert high.status is Status.ACTIVE


async def test_a_failed_post_is_retried_by_the_next_tick_and_then_sent_once(
    slack: FakeSlack, database_url: str, alice: User, general: Channel, announcements: Channel
) -> None:
    other = slack.add_channel("other", members=[slack.bot_user_id])
    clock = ManualClock(TUESDAY)
    targets = [NotificationSettings(channel=announcements.id), NotificationSettings(channel=other.id)]
    async with running_bot(slack, settings_for(slack, database_url, targets), clock) as bot:
        await report_incident(bot, slack, alice, general)
        slack.faults.error("chat.postMessage", "channel_not_found")  # the first post: #incidents
        await daily_summary.tick(bot.deps, SUMMARY_TIME)
        assert summaries(slack, announcements) == []
        assert len(summaries(slack, other)) == 1  # one failing channel holds up no other
        await daily_summary.tick(bot.deps, SUMMARY_TIME + timedelta(minutes=1))
        for minutes in range(2, 6):
            await daily_summary.tick(bot.deps, SUMMARY_TIME + timedelta(minutes=minutes))
        assert len(summaries(slack, announcements)) == 1
        assert len(summaries(slack, other)) == 1


async def test_the_scheduled_job_sends_it_and_a_disabled_summary_sends_nothing(
    slack: FakeSlack, database_url: str, alice: User, general: Channel, announcements: Channel
) -> None:
    clock = ManualClock(TUESDAY)
    targets = [NotificationSettings(channel=announcements.id)]
    async with running_bot(
        slack, settings_for(slack, database_url, targets, daily_enabled=False), clock
    ) as bot:
        await report_incident(bot, slack, alice, general)
        clock.set(SUMMARY_TIME)
        job = next(job for job in bot.scheduler.jobs if job.name == "send_daily_summaries")
        assert await bot.scheduler.run(job)
        assert summaries(slack, announcements) == []
    async with running_bot(slack, settings_for(slack, database_url, targets), clock) as bot:
        job = next(job for job in bot.scheduler.jobs if job.name == "send_daily_summaries")
        assert await bot.scheduler.run(job)
        assert len(summaries(slack, announcements)) == 1


async def test_a_restarted_bot_does_not_send_the_day_s_summary_again(
    slack: FakeSlack, alice: User, general: Channel, announcements: Channel, settings: Settings
) -> None:
    clock = ManualClock(TUESDAY)
    async with running_bot(slack, settings, clock) as bot:
        await report_incident(bot, slack, alice, general)
        await daily_summary.tick(bot.deps, SUMMARY_TIME)
    assert len(summaries(slack, announcements)) == 1
    async with running_bot(slack, settings, clock) as again:
        await daily_summary.tick(again.deps, SUMMARY_TIME + timedelta(hours=1))
        assert len(summaries(slack, announcements)) == 1
        await daily_summary.tick(again.deps, SUMMARY_TIME + timedelta(days=1))
        assert len(summaries(slack, announcements)) == 2


async def test_two_replicas_ticking_at_once_post_one_summary(
    slack: FakeSlack,
    database_url: str,
    alice: User,
    general: Channel,
    announcements: Channel,
    settings: Settings,
) -> None:
    skip_unless_replicas_supported(database_url)
    clock = ManualClock(TUESDAY)
    async with running_bot(slack, settings, clock) as one, running_bot(slack, settings, clock) as two:
        await report_incident(one, slack, alice, general)
        # Straight to the ticks, past the leader check: the ledger alone must keep it to one post.
        await asyncio.gather(*(daily_summary.tick(bot.deps, SUMMARY_TIME) for bot in (one, two) * 3))
        assert len(summaries(slack, announcements)) == 1


def fake_incident(number: int, status: Status) -> Incident:
    return Incident(
        id=number,
        title=f"Incident {number}",
        description="",
        resolution="",
        status=status,
        incident_type="Default",
        severity="Low",
        priority="Medium",
        visibility=Visibility.OPEN,
        reporter_id="U1",
        commander_id="U1",
        channel_id=f"C{number}",
        channel_name=f"inc-{number}",
        header_ts=None,
        created_at=MONDAY,
        stable_at=None,
        closed_at=None,
    )


def test_a_long_summary_stays_within_slack_s_block_limit_and_says_what_it_left_out() -> None:
    incidents = [fake_incident(n, Status.ACTIVE) for n in range(1, 41)]
    incidents += [fake_incident(n, Status.STABLE) for n in range(41, 46)]
    incidents += [fake_incident(n, Status.CLOSED) for n in range(46, 61)]
    text, blocks = summary_blocks.summary(TUESDAY.date(), incidents)
    assert len(blocks) <= 50
    assert text.endswith("40 active, 5 stable, 15 closed")
    notes = [block["elements"][0]["text"] for block in blocks if block["type"] == "context"]
    assert notes == ["…and 29 more", "…and 4 more"]  # shared out: the busy Active section gave way
    lines = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    assert sum(1 for line in lines if line.startswith("*INC-")) == 60 - 29 - 4
    assert "*INC-45* · Incident 45" in "\n".join(lines)  # every stable one fitted
