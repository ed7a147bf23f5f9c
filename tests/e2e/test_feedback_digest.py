"""The daily feedback digest, end to end on a hand-set clock: each commander gets the answers of the
24 hours up to the configured local time, once a day (repeated ticks, a restart, two replicas), with
anonymous answers unnamed; a failed send is retried on the next tick."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from dispatchbot.app import Bot, Running
from dispatchbot.config import FeedbackSettings, Settings
from dispatchbot.domain import Incident, Role
from dispatchbot.testing import Channel, FakeSlack, Message, User
from tests.support import probe
from tests.support.bot import bot_settings
from tests.support.clocks import ManualClock
from tests.support.incidents import report_incident
from tests.support.replicas import skip_unless_replicas_supported

DIGEST = "Incident feedback for"
# Europe/Berlin is UTC+1 in early March: the 18:00 digest is due at 17:00 UTC.
DAY_BEFORE = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
MORNING = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def settings_for(slack: FakeSlack, database_url: str) -> Settings:
    settings = bot_settings(slack, database_url)
    feedback = FeedbackSettings(digest_time="18:00", digest_timezone="Europe/Berlin")
    return settings.model_copy(update={"feedback": feedback})


async def tick(running: Running, now: datetime) -> None:
    job = next(job for job in running.scheduler.jobs if job.name == "send_feedback_digests")
    await job.tick(now)


def digests(slack: FakeSlack, user: User) -> list[Message]:
    return [message for message in slack.dms(user.id) if message.text.startswith(DIGEST)]


def shown(message: Message) -> str:
    return message.text + str(message.blocks)


class Team:
    """INC-1 commanded by alice (bob, carol and gina took part), INC-2 by dave (erin took part)."""

    def __init__(self, slack: FakeSlack, alice: User, general: Channel) -> None:
        self.alice = alice
        self.dave = slack.add_user("dave", real_name="Dave Doe")
        general.members.append(self.dave.id)
        self.bob, self.carol, self.gina, self.erin = (
            slack.add_user(name, real_name=name.capitalize()) for name in ("bob", "carol", "gina", "erin")
        )

    async def incidents(self, bot: Running, slack: FakeSlack, general: Channel) -> tuple[Incident, Incident]:
        first, _ = await report_incident(bot, slack, self.alice, general)
        second, _ = await report_incident(bot, slack, self.dave, general, Title="Queue backlog")
        for incident, people in ((first, (self.bob, self.carol, self.gina)), (second, (self.erin,))):
            for person in people:
                await bot.deps.participants.add(
                    incident.id, person.id, Role.PARTICIPANT, added_by=None, reason=""
                )
        return first, second


async def test_each_commander_gets_the_days_answers_once_with_anonymous_ones_unnamed(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    clock = ManualClock(DAY_BEFORE)
    settings = settings_for(slack, database_url)
    team = Team(slack, alice, general)
    bot = Bot(settings, extensions=[probe.register], clock=clock)
    running = await bot.start()
    try:
        await slack.socket.wait_connected()
        first, second = await team.incidents(running, slack, general)
        feedback = running.deps.feedback
        await feedback.save(
            first.id, team.gina.id, rating="neutral", text="Before the window", anonymous=False
        )
        clock.set(MORNING)
        await feedback.save(
            first.id, team.bob.id, rating="very_satisfied", text="Great comms", anonymous=False
        )
        await feedback.save(
            first.id, team.carol.id, rating="somewhat_dissatisfied", text="Too many pings", anonymous=True
        )
        await feedback.save(second.id, team.erin.id, rating="neutral", text="", anonymous=False)

        await tick(running, DUE.replace(hour=16, minute=59))  # 17:59 in Berlin
        assert digests(slack, alice) == digests(slack, team.dave) == []

        clock.set(DUE)
        await tick(running, DUE)
        [mine] = digests(slack, alice)
        assert mine.text == "Incident feedback for 2026-03-10: 2 answers on incidents you commanded"
        entries = [str(block["text"]["text"]) for block in mine.blocks if block["type"] == "section"]
        assert entries == [
            "*INC-1* · DB latency\n*Rating:* Very satisfied\n*Feedback:* Great comms\n"
            f"*From:* <@{team.bob.id}>",
            "*INC-1* · DB latency\n*Rating:* Somewhat dissatisfied\n*Feedback:* Too many pings\n"
            "*From:* Anonymous",
        ]
        assert team.carol.id not in shown(mine)
        assert "Carol" not in shown(mine)
        [theirs] = digests(slack, team.dave)
        assert "Queue backlog" in shown(theirs)
        assert f"<@{team.erin.id}>" in shown(theirs)

        await tick(running, DUE.replace(minute=1))
        await tick(running, DUE.replace(hour=22))
    finally:
        await bot.stop()

    again = Bot(settings, extensions=[probe.register], clock=clock)
    restarted = await again.start()
    try:
        await tick(restarted, DUE.replace(hour=23))
        assert len(digests(slack, alice)) == len(digests(slack, team.dave)) == 1

        clock.set(MORNING.replace(day=11))  # bob changes his mind the next morning
        await restarted.deps.feedback.save(
            first.id, team.bob.id, rating="somewhat_satisfied", text="On reflection", anonymous=False
        )
        await tick(restarted, DUE.replace(day=11))
        assert [m.text for m in digests(slack, alice)][-1] == (
            "Incident feedback for 2026-03-11: 1 answer on incidents you commanded"
        )
        assert "On reflection" in shown(digests(slack, alice)[-1])
        assert len(digests(slack, team.dave)) == 1  # nothing new on his incident
    finally:
        await again.stop()


async def test_a_failed_send_is_retried_on_the_next_tick(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    clock = ManualClock(MORNING)
    team = Team(slack, alice, general)
    bot = Bot(settings_for(slack, database_url), extensions=[probe.register], clock=clock)
    running = await bot.start()
    try:
        await slack.socket.wait_connected()
        first, _second = await team.incidents(running, slack, general)
        await running.deps.feedback.save(first.id, team.bob.id, rating="neutral", text="", anonymous=False)
        slack.faults.error("chat.postMessage", "fatal_error")
        await tick(running, DUE)
        assert digests(slack, alice) == []
        await tick(running, DUE.replace(minute=1))
        assert len(digests(slack, alice)) == 1
    finally:
        await bot.stop()


async def test_two_replicas_send_each_digest_once(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    skip_unless_replicas_supported(database_url)
    clock = ManualClock(MORNING)
    settings = settings_for(slack, database_url)
    team = Team(slack, alice, general)
    first_bot = Bot(settings, extensions=[probe.register], clock=clock)
    second_bot = Bot(settings, extensions=[probe.register], clock=clock)
    try:
        one, two = await first_bot.start(), await second_bot.start()
        await slack.socket.wait_connected()
        first, second = await team.incidents(one, slack, general)
        await one.deps.feedback.save(first.id, team.bob.id, rating="neutral", text="", anonymous=False)
        await one.deps.feedback.save(second.id, team.erin.id, rating="neutral", text="", anonymous=True)
        # Both replicas tick at once (as if both believed they led): the claims decide who sends.
        await asyncio.gather(*(tick(running, DUE) for running in (one, two, one, two)))
        assert len(digests(slack, alice)) == len(digests(slack, team.dave)) == 1
    finally:
        await first_bot.stop()
        await second_bot.stop()
