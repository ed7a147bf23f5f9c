"""On-call shift feedback, end to end against the fake PagerDuty on a hand-set clock: a shift that ended
is asked about once (repeated ticks, a restart, two replicas), the modal refuses impossible hours
inline and stores a good answer, an ignored request gets one reminder, and a PagerDuty outage is
survived and caught up on the next tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatchbot.app import Bot, Running
from dispatchbot.config import FeedbackSettings, ServiceSettings, Settings
from dispatchbot.storage.tables import ShiftFeedbackRow
from dispatchbot.testing import FakeSlack, Message, User
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.support import probe
from tests.support.bot import bot_settings
from tests.support.clocks import ManualClock
from tests.support.waiting import eventually

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SHIFT_START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
SHIFT_END = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 24 hours, ended 3 hours before NOW
ASK = "How was your on-call shift for Database?"
REMINDER = "Reminder: how was your on-call shift for Database?"


@pytest.fixture
async def pd() -> AsyncIterator[FakePagerDuty]:
    async with FakePagerDuty() as fake:
        fake.add_service("PSVC1", "Database", oncall=[("olga@example.com", "Olga Ortiz")])
        fake.add_shift("PSVC1", "alice@example.com", "Alice Adams", SHIFT_START, SHIFT_END)
        fake.add_shift("PSVC1", "zed@example.com", "Zed Unknown", SHIFT_START, SHIFT_END)  # not in Slack
        fake.add_shift("PSVC1", "olga@example.com", "Olga Ortiz", SHIFT_END, NOW + timedelta(hours=21))
        yield fake


def settings_for(slack: FakeSlack, database_url: str, pd: FakePagerDuty) -> Settings:
    return bot_settings(slack, database_url).model_copy(
        update={
            "pagerduty": pd.settings(from_email="bot@example.com"),
            "services": [ServiceSettings(name="Database", provider="pagerduty", external_id="PSVC1")],
            "feedback": FeedbackSettings(shift_services=["Database"]),
        }
    )


async def tick(running: Running, now: datetime) -> None:
    job = next(job for job in running.scheduler.jobs if job.name == "ask_shift_feedback")
    await job.tick(now)


def asked(slack: FakeSlack, user: User, text: str = ASK) -> list[Message]:
    return [message for message in slack.dms(user.id) if message.text == text]


async def rows(running: Running) -> list[ShiftFeedbackRow]:
    async with running.deps.database.sessions() as session:
        return list(await session.scalars(select(ShiftFeedbackRow).order_by(ShiftFeedbackRow.id)))


class Bots:
    """Bots on one hand-set clock, stopped at teardown."""

    def __init__(self, settings: Settings, clock: ManualClock) -> None:
        self.settings = settings
        self.clock = clock
        self.started: list[Bot] = []

    async def start(self) -> Running:
        bot = Bot(self.settings, extensions=[probe.register], clock=self.clock)
        self.started.append(bot)
        return await bot.start()

    async def stop_all(self) -> None:
        for bot in self.started:
            await bot.stop()


@pytest.fixture
async def bots(slack: FakeSlack, database_url: str, pd: FakePagerDuty, alice: User) -> AsyncIterator[Bots]:
    found = Bots(settings_for(slack, database_url, pd), ManualClock(NOW))
    yield found
    await found.stop_all()


async def test_a_finished_shift_is_asked_about_once_and_the_answer_stored(
    bots: Bots, slack: FakeSlack, alice: User
) -> None:
    running = await bots.start()
    await slack.socket.wait_connected()
    await tick(running, NOW)
    await tick(running, NOW + timedelta(minutes=5))
    [ask] = asked(slack, alice)
    [row] = await rows(running)  # olga's shift has not ended; zed is not in Slack
    assert (row.service, row.user_id, row.shift_start, row.shift_end) == (
        "Database",
        alice.id,
        SHIFT_START,
        SHIFT_END,
    )
    assert row.submitted_at is None

    person = slack.as_user(alice)
    assert (await person.click(ask, "Provide feedback")).ok
    view = await person.wait_for_view(callback_id="shift_feedback")
    assert view.title == "On-call Shift Feedback"
    effort = "How much mental and emotional effort did incident response take during this shift?"
    hours = "How many hours did you spend on incident response?"
    for bad in ("30", "-1", "a lot"):
        view.fill({effort: "Moderate effort", hours: bad})
        ack = await view.submit()
        assert ack.payload is not None
        assert ack.payload["response_action"] == "errors"
        assert view.error_for(hours) == (
            "Enter the hours as a number from 0 to 24 (the length of the shift), e.g. 2 or 1.5."
        )
    assert (await rows(running))[0].submitted_at is None

    view.fill({effort: "Moderate effort", hours: "2.5", "Anything else about this shift?": "Quiet night"})
    ack = await view.submit()
    assert ack.ok
    assert not ack.payload, ack.payload
    [answered] = await rows(running)
    assert (answered.effort, answered.hours, answered.text, answered.anonymous) == (
        "moderate",
        2.5,
        "Quiet night",
        False,
    )
    assert answered.submitted_at == NOW
    await eventually(lambda: slack.dms(alice.id)[-1].text.startswith("Thanks"), what="the thank-you")
    assert slack.dms(alice.id)[-1].ts == ask.ts

    await tick(running, NOW + timedelta(days=1))  # answered: no reminder
    assert asked(slack, alice, REMINDER) == []


async def test_an_ignored_request_gets_one_reminder_across_a_restart(
    bots: Bots, slack: FakeSlack, alice: User
) -> None:
    running = await bots.start()
    await slack.socket.wait_connected()
    await tick(running, NOW)
    await tick(running, NOW + timedelta(hours=22))
    assert asked(slack, alice, REMINDER) == []
    await bots.started[0].stop()

    restarted = await bots.start()
    await tick(restarted, NOW + timedelta(hours=22, minutes=5))
    assert len(asked(slack, alice)) == 1  # not asked again after the restart
    await tick(restarted, NOW + timedelta(hours=23))
    await tick(restarted, NOW + timedelta(hours=24))
    [reminder] = asked(slack, alice, REMINDER)
    assert reminder.blocks[-1]["elements"][0]["text"]["text"] == "Provide feedback"
    [row] = await rows(restarted)
    assert row.reminded_at == NOW + timedelta(hours=23)


async def test_someone_else_cannot_answer_for_the_shift(bots: Bots, slack: FakeSlack, alice: User) -> None:
    running = await bots.start()
    await slack.socket.wait_connected()
    await tick(running, NOW)
    [ask] = asked(slack, alice)
    mallory = slack.add_user("mallory", real_name="Mallory Moe")
    assert (await slack.as_user(mallory).click(ask, "Provide feedback")).ok
    refusal = "This feedback request is for the person who was on call, not for you."
    await eventually(
        lambda: [e.text for e in slack.ephemerals(user=mallory.id)] == [refusal], what="the refusal"
    )
    assert slack.workspace.top_view(mallory.id) is None


async def test_pagerduty_down_asks_nobody_and_the_next_tick_catches_up(
    bots: Bots, slack: FakeSlack, pd: FakePagerDuty, alice: User
) -> None:
    running = await bots.start()
    await slack.socket.wait_connected()
    pd.down()
    await tick(running, NOW)  # logged, not raised
    assert asked(slack, alice) == []
    assert await rows(running) == []
    pd.up()
    await tick(running, NOW + timedelta(minutes=5))
    assert len(asked(slack, alice)) == 1


async def test_two_replicas_ask_once(bots: Bots, slack: FakeSlack, database_url: str, alice: User) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several replicas need PostgreSQL; SQLite is single-replica by design")
    one, two = await bots.start(), await bots.start()
    # Both replicas tick at once (as if both believed they led): the row insert decides who asks.
    await asyncio.gather(*(tick(running, NOW) for running in (one, two, one, two)))
    assert len(asked(slack, alice)) == 1
    later = NOW + timedelta(hours=23)
    await asyncio.gather(*(tick(running, later) for running in (one, two, one, two)))
    assert len(asked(slack, alice, REMINDER)) == 1
