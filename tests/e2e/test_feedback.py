"""Incident feedback, end to end: on Closed every human participant is DMed once (also when the closing
run is resumed after a crash in mid-post), the button opens the rating modal, the answer is stored, a
second answer replaces it, the DM says thanks; nobody else may answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select, update

from dispatchbot.app import Running
from dispatchbot.blocks.feedback.feedback import read_feedback_form
from dispatchbot.config import FeedbackSettings
from dispatchbot.domain import Incident, Role, RunStatus
from dispatchbot.errors import InvalidForm
from dispatchbot.flows.incidents.update_incident_run import UpdateIncidentState
from dispatchbot.ids import BlockId
from dispatchbot.storage.tables import FeedbackRow, FlowRunRow
from dispatchbot.testing import Channel, FakeSlack, Message, User, View
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings, running_bot
from tests.support.clocks import ManualClock
from tests.support.incidents import report_incident
from tests.support.runs import finished
from tests.support.waiting import eventually

ASK = "How did this incident go? INC-1 is closed."


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def bot(slack: FakeSlack, database_url: str, clock: ManualClock) -> AsyncIterator[Running]:
    """The bot on a hand-set clock: a second click on the same button comes after the double-click
    window by moving the clock, not by sleeping."""
    async with running_bot(slack, bot_settings(slack, database_url), clock) as running:
        yield running


async def close(bot: Running, slack: FakeSlack, commander: User, channel: Channel) -> str:
    """Close through the update form; returns the update run's key once it finished."""
    person = slack.as_user(commander)
    await person.slash_command("/dispatch-update-incident", channel=channel.id)
    view = await person.wait_for_view(callback_id="update_incident")
    view.fill({"Status": "Closed"})
    key = f"view:{view.id}:{view.hash}"
    assert (await view.submit()).ok
    await finished(bot, "update_incident", key)
    return key


def asks(slack: FakeSlack, user: User) -> list[Message]:
    return [m for m in slack.dms(user.id) if m.text == ASK or m.text.startswith("Thanks for your feedback")]


async def with_team(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> tuple[Incident, Channel]:
    """INC-1 commanded by alice, with bob (still in), carol (left) and a bot user as participants."""
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = slack.add_user("bob", real_name="Bob Brown")
    carol = slack.add_user("carol", real_name="Carol Cruz")
    robot = slack.add_user("deploybot", is_bot=True)
    for user in (bob, carol, robot):
        await bot.deps.participants.add(incident.id, user.id, Role.PARTICIPANT, added_by=alice.id, reason="")
    await bot.deps.participants.leave(incident.id, carol.id)
    return incident, channel


def user_named(slack: FakeSlack, name: str) -> User:
    return next(user for user in slack.workspace.users.values() if user.name == name)


async def feedback_rows(bot: Running) -> list[FeedbackRow]:
    async with bot.deps.database.sessions() as session:
        return list(await session.scalars(select(FeedbackRow).order_by(FeedbackRow.id)))


async def test_close_asks_every_human_participant_once(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await with_team(bot, slack, alice, general)
    await close(bot, slack, alice, channel)
    for name in ("alice", "bob", "carol"):
        dms = [m.text for m in slack.dms(user_named(slack, name).id)]
        assert dms.count(ASK) == 1, (name, dms)
    assert slack.dms(user_named(slack, "deploybot").id) == []
    [ask] = asks(slack, alice)
    assert ask.blocks[-1]["elements"][0]["text"]["text"] == "Provide feedback"


async def test_a_resumed_closing_run_does_not_ask_twice(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await with_team(bot, slack, alice, general)
    key = await close(bot, slack, alice, channel)
    bob = user_named(slack, "bob")
    run = await bot.deps.runs.get_by_key("update_incident", key)
    assert run is not None
    # As if the process died right after Slack took bob's DM, before the run recorded it: the step is
    # not done, and for bob only the attempt is on record.
    recorded = UpdateIncidentState.from_stored(run.state)
    assert f"feedback_{bob.id}" in recorded.post_attempted
    posted = {name: ts for name, ts in recorded.posted_ts.items() if name != f"feedback_{bob.id}"}
    state = recorded.model_copy(update={"posted_ts": posted}).to_stored()
    steps = [step for step in run.completed_steps if step != "feedback"]
    async with bot.deps.database.sessions.begin() as session:
        await session.execute(
            update(FlowRunRow)
            .where(FlowRunRow.id == run.id)
            .values(state=state, completed_steps=steps, status=RunStatus.FAILED.value)
        )
    assert await bot.deps.runs.retry(run.id) is not None
    await finished(bot, "update_incident", key)

    for name in ("alice", "bob", "carol"):
        assert [m.text for m in slack.dms(user_named(slack, name).id)].count(ASK) == 1, name
    resumed = await bot.deps.runs.get(run.id)
    assert resumed is not None
    found = UpdateIncidentState.from_stored(resumed.state).posted_ts[f"feedback_{bob.id}"]
    assert found == asks(slack, bob)[0].ts  # found, not posted again


async def test_feedback_is_stored_updated_on_a_second_answer_and_thanked_for(
    bot: Running, slack: FakeSlack, alice: User, general: Channel, clock: ManualClock
) -> None:
    incident, channel = await with_team(bot, slack, alice, general)
    await close(bot, slack, alice, channel)
    carol = user_named(slack, "carol")  # left the channel before the close: her answer counts too
    person = slack.as_user(carol)
    [ask] = asks(slack, carol)

    assert (await person.click(ask, "Provide feedback")).ok
    view = await person.wait_for_view(callback_id="incident_feedback")
    assert view.title == "Incident Feedback"
    assert view.input_labels() == ["Rate your experience", "Give us feedback", "Anonymous"]
    view.fill({"Rate your experience": "Somewhat satisfied", "Give us feedback": "Clear roles"})
    ack = await view.submit()
    assert ack.ok
    assert not ack.payload, ack.payload
    [row] = await feedback_rows(bot)
    assert (row.incident_id, row.user_id, row.rating, row.text, row.anonymous) == (
        incident.id,
        carol.id,
        "somewhat_satisfied",
        "Clear roles",
        False,
    )
    await eventually(lambda: asks(slack, carol)[0].text.startswith("Thanks"), what="the thank-you")
    [thanked] = asks(slack, carol)
    assert thanked.ts == ask.ts  # the request itself became the thank-you
    assert "*Somewhat satisfied*" in str(thanked.blocks)

    clock.advance(seconds=5)  # a later click, not a double click
    assert (await person.click(thanked, "Change my answer")).ok
    again = await person.wait_for_view(callback_id="incident_feedback")
    assert _initial(again, BlockId.RATING)["value"] == "somewhat_satisfied"  # prefilled
    again.fill(
        {
            "Rate your experience": "Very dissatisfied",
            "Give us feedback": "Too many pings",
            "Anonymous": ["Anonymize my feedback: don't show my name with it"],
        }
    )
    assert (await again.submit()).ok
    [changed] = await feedback_rows(bot)
    assert (changed.id, changed.rating, changed.text, changed.anonymous) == (
        row.id,
        "very_dissatisfied",
        "Too many pings",
        True,
    )
    assert changed.updated_at >= row.updated_at
    await eventually(lambda: "*Very dissatisfied*" in str(asks(slack, carol)[0].blocks), what="new thanks")
    async with bot.deps.database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FeedbackRow)) == 1


async def test_someone_who_took_no_part_cannot_answer(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    _incident, channel = await with_team(bot, slack, alice, general)
    await close(bot, slack, alice, channel)
    [ask] = asks(slack, alice)
    mallory = slack.add_user("mallory", real_name="Mallory Moe")
    intruder = slack.as_user(mallory)

    assert (await intruder.click(ask, "Provide feedback")).ok  # say, a forwarded or shared button
    refusal = "Only the people who took part in INC-1 can give feedback on it."
    await eventually(
        lambda: [e.text for e in slack.ephemerals(user=mallory.id)] == [refusal], what="the refusal"
    )
    assert slack.workspace.top_view(mallory.id) is None

    # A submission of alice's form under mallory's name is refused on the server too.
    await slack.as_user(alice).click(ask, "Provide feedback")
    form = await slack.as_user(alice).wait_for_view(callback_id="incident_feedback")
    form.fill({"Rate your experience": "Very satisfied"})
    ack = await View(intruder, form.id).submit()
    assert ack.payload is not None
    assert refusal in str(ack.payload["view"])
    assert await feedback_rows(bot) == []


async def test_no_requests_when_feedback_is_off(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url)
    bot = await start_bot(settings.model_copy(update={"feedback": FeedbackSettings(enabled=False)}))
    await slack.socket.wait_connected()
    _incident, channel = await report_incident(bot, slack, alice, general)
    await close(bot, slack, alice, channel)
    assert asks(slack, alice) == []


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({}, {BlockId.RATING: "Choose how satisfied you were."}),
        (
            {BlockId.RATING: "very_satisfied", BlockId.FEEDBACK: "x" * 3001},
            {BlockId.FEEDBACK: "Keep your feedback within 3000 characters."},
        ),
    ],
)
def test_the_form_refuses_a_missing_rating_and_overlong_feedback(
    values: dict[str, str], errors: dict[str, str]
) -> None:
    state: dict[str, Any] = {}
    if BlockId.RATING in values:
        state[BlockId.RATING] = {
            BlockId.RATING: {"type": "static_select", "selected_option": {"value": values[BlockId.RATING]}}
        }
    if BlockId.FEEDBACK in values:
        state[BlockId.FEEDBACK] = {
            BlockId.FEEDBACK: {"type": "plain_text_input", "value": values[BlockId.FEEDBACK]}
        }
    with pytest.raises(InvalidForm) as refused:
        read_feedback_form(state)
    assert refused.value.errors == errors


def _initial(view: View, block_id: str) -> dict[str, Any]:
    block = next(b for b in view.blocks if b.get("block_id") == block_id)
    return dict(block["element"]["initial_option"])
