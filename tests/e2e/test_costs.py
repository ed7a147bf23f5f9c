"""Response cost, end to end: messages captured from the channel, the accrual tick, the pinned header and
the list, review hours on Stable, a final figure on Closed, the activity model, and restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatchbot.app import Running
from dispatchbot.config import CostSettings, IncidentTypeSettings, Settings
from dispatchbot.costs import merged_seconds
from dispatchbot.domain import Incident, Role
from dispatchbot.storage.tables import ParticipantActivityRow
from dispatchbot.testing import Channel, FakeSlack, Message, Person, User
from dispatchbot.testing.slack import payloads
from dispatchbot.testing.slack.delivery import EVENTS_API
from tests.support.bot import bot_settings, running_bot
from tests.support.clocks import ManualClock
from tests.support.incidents import report_incident
from tests.support.runs import finished, settled
from tests.support.waiting import eventually

RATE = 100.0
"""$/h: 208,000 a year over the default 2,080 hours, so figures read as hours x 100."""


def settings_for(slack: FakeSlack, database_url: str) -> Settings:
    return bot_settings(slack, database_url).model_copy(
        update={
            "cost": CostSettings(annual_employee_cost=208_000),
            "incident_types": [
                IncidentTypeSettings(name="Default"),
                IncidentTypeSettings(name="Chatty", cost_model="activity"),
            ],
        }
    )


@pytest.fixture
def clock() -> ManualClock:
    """A hand-set clock, on a whole second so that hours from it price exactly."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def bot(slack: FakeSlack, database_url: str, clock: ManualClock) -> AsyncIterator[Running]:
    """The bot with costs on, on the hand-set clock."""
    async with running_bot(slack, settings_for(slack, database_url), clock) as bot:
        yield bot


async def accrue(bot: Running, now: datetime) -> None:
    job = next(job for job in bot.scheduler.jobs if job.name == "accrue_costs")
    await job.tick(now)


async def set_status(bot: Running, person: Person, channel: Channel, status: str) -> None:
    await person.slash_command("/dispatch-update-incident", channel=channel.id)
    view = await person.wait_for_view(callback_id="update_incident")
    view.fill({"Status": status})
    assert (await view.submit()).ok
    await finished(bot, "update_incident", f"view:{view.id}:{view.hash}")


def header(slack: FakeSlack, incident: Incident) -> Message:
    return next(m for m in slack.messages(str(incident.channel_id)) if m.ts == incident.header_ts)


def shown_cost(slack: FakeSlack, incident: Incident) -> str:
    """The Cost field of the pinned header, e.g. "$350"."""
    for block in header(slack, incident).blocks:
        for field in block.get("fields", []):
            label, _, value = str(field["text"]).partition("\n")
            if label == "*Cost*":
                return value
    raise AssertionError("the header shows no cost")


async def header_shows(slack: FakeSlack, incident: Incident, amount: str) -> None:
    await eventually(lambda: shown_cost(slack, incident) == amount, what=f"the header to show {amount}")


async def cost(bot: Running, incident: Incident) -> float:
    return (await bot.deps.incidents.get(incident.id)).cost


async def listed(slack: FakeSlack, person: User, channel: Channel) -> str:
    """`/dispatch-list-incidents` as `person` sees it: acked at once, answered through the response_url."""
    before = len(slack.ephemerals(channel.id, person.id))
    assert (await slack.as_user(person).slash_command("/dispatch-list-incidents", channel=channel.id)).ok
    await eventually(lambda: len(slack.ephemerals(channel.id, person.id)) > before, what="the list")
    return "\n".join(
        str(block["text"]["text"])
        for block in slack.ephemerals(channel.id, person.id)[-1].blocks
        if isinstance(block.get("text"), dict)
    )


async def test_classic_cost_accrues_shows_adds_review_hours_and_is_final_when_closed(
    bot: Running, clock: ManualClock, slack: FakeSlack, alice: User, general: Channel
) -> None:
    start = clock.now()
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = slack.add_user("bob", real_name="Bob Brown")
    await bot.deps.participants.assign_role(incident.id, bob.id, Role.SCRIBE, alice.id)  # never posts

    clock.set(start + timedelta(hours=2))
    await accrue(bot, clock.now())
    # alice commands (and reported: priced once, at the heavier role) 2 h; bob scribes 2 h x 0.75
    assert await cost(bot, incident) == pytest.approx(350.0)
    await header_shows(slack, incident, "$350")
    assert f"Commander: <@{alice.id}> · Cost: $350" in await listed(slack, alice, general)

    edits = len(slack.calls_to("chat.update"))
    await accrue(bot, clock.now() + timedelta(seconds=10))  # $350.49: the same to the dollar
    await settled(bot)  # a header edit would have been spawned by the tick
    assert len(slack.calls_to("chat.update")) == edits  # no header edit for cents

    clock.set(start + timedelta(hours=3))
    person = slack.as_user(alice)
    await set_status(bot, person, channel, "Stable")
    # 3 h + 3 h x 0.75 of roles, then review: 1 h + 0.5 h for each of the 2 role holders
    assert await cost(bot, incident) == pytest.approx(725.0)
    await header_shows(slack, incident, "$725")

    await accrue(bot, start + timedelta(hours=5))
    assert await cost(bot, incident) == pytest.approx(725.0)  # Stable stops the clock

    clock.set(start + timedelta(hours=6))
    await set_status(bot, person, channel, "Closed")
    assert await cost(bot, incident) == pytest.approx(725.0)
    stored = (await bot.deps.incidents.get(incident.id)).cost
    for hours in (7, 30):
        await accrue(bot, start + timedelta(hours=hours))
    assert (await bot.deps.incidents.get(incident.id)).cost == stored  # final


async def test_reopening_prices_the_new_active_stretch(
    bot: Running, clock: ManualClock, slack: FakeSlack, alice: User, general: Channel
) -> None:
    start = clock.now()
    incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)
    clock.set(start + timedelta(hours=1))
    await set_status(bot, person, channel, "Stable")
    assert await cost(bot, incident) == pytest.approx(100 * (1 + 1.5))
    clock.set(start + timedelta(hours=2))
    await set_status(bot, person, channel, "Active")
    await accrue(bot, start + timedelta(hours=4))
    assert await cost(bot, incident) == pytest.approx(100 * (3 + 1.5))  # review hours stay
    clock.set(start + timedelta(hours=5))
    await set_status(bot, person, channel, "Stable")
    assert await cost(bot, incident) == pytest.approx(100 * (4 + 1.5))  # never less than before


async def activity_rows(bot: Running, incident: Incident) -> list[tuple[str, datetime]]:
    async with bot.deps.database.sessions.begin() as session:
        rows = await session.execute(
            select(ParticipantActivityRow.user_id, ParticipantActivityRow.occurred_at)
            .where(ParticipantActivityRow.incident_id == incident.id)
            .order_by(ParticipantActivityRow.occurred_at)
        )
        return [(user_id, occurred_at) for user_id, occurred_at in rows]


async def test_activity_model_prices_merged_message_windows_captured_once(
    slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    clock = ManualClock()
    async with running_bot(slack, settings_for(slack, database_url), clock) as bot:
        await slack.socket.wait_connected()
        incident, channel = await report_incident(bot, slack, alice, general, Type="Chatty")
        bob = slack.add_user("bob", real_name="Bob Brown")
        await slack.as_user(bob).join(channel.id)
        first = await slack.as_user(bob).post(channel.id, "looking at the dashboards")
        reply = await slack.as_user(bob).post(channel.id, "p99 back to normal", thread_ts=first.ts)
        own = await slack.as_user(alice).post(channel.id, "thanks")
        sent = next(e for e in reversed(slack.socket.envelopes) if e["payload"]["event"]["type"] == "message")
        await slack.socket.redeliver(sent)  # Slack retries the same event
        again = {"type": "message", "channel": channel.id, "user": bob.id, "text": "x", "ts": first.ts}
        await slack.deliver(EVENTS_API, payloads.event_callback(slack.workspace, again))  # a new event id

        async def captured() -> bool:
            return len(await activity_rows(bot, incident)) == 3

        await eventually(captured, what="three messages captured")
        await settled(bot)  # both repeats were acked: any duplicate capture has happened by now
        rows = await activity_rows(bot, incident)
        assert sorted(user for user, _at in rows) == sorted([alice.id, bob.id, bob.id])
        assert [at.timestamp() for user, at in rows if user == bob.id] == [float(first.ts), float(reply.ts)]

        now = datetime.now(UTC) + timedelta(hours=1)
        await accrue(bot, now)
        seconds = merged_seconds([float(first.ts), float(reply.ts)], 300) + merged_seconds(
            [float(own.ts)], 300
        )
        assert seconds < 600 + 5  # bob's two messages seconds apart: one merged window
        assert await cost(bot, incident) == pytest.approx(seconds / 3600 * RATE)
        await header_shows(slack, incident, f"${seconds / 3600 * RATE:,.0f}")


async def test_figures_survive_a_restart_and_recomputing_does_not_drift(
    clock: ManualClock, slack: FakeSlack, database_url: str, alice: User, general: Channel
) -> None:
    settings = settings_for(slack, database_url)
    start = clock.now()
    async with running_bot(slack, settings, clock) as bot:
        incident, _channel = await report_incident(bot, slack, alice, general)
        await accrue(bot, start + timedelta(hours=1))
        assert await cost(bot, incident) == pytest.approx(100.0)
        await header_shows(slack, incident, "$100")
    edits = len(slack.calls_to("chat.update"))
    async with running_bot(slack, settings, clock) as bot:
        assert await cost(bot, incident) == pytest.approx(100.0)
        for _ in range(3):
            await accrue(bot, start + timedelta(hours=1))
        assert await cost(bot, incident) == pytest.approx(100.0)  # recomputed, not added to
        await settled(bot)  # a header edit would have been spawned by the ticks
        assert len(slack.calls_to("chat.update")) == edits
        await accrue(bot, start + timedelta(hours=2))
        assert await cost(bot, incident) == pytest.approx(200.0)
        await header_shows(slack, incident, "$200")
