"""Incident tasks in Slack, end to end: creating them, the task card and its buttons, the two task lists,
who may do what, and an assignee with open tasks who leaves the channel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from dispatchbot.app import Running
from dispatchbot.domain import Incident, ReminderKind, Role, Task, TaskStatus
from dispatchbot.testing import Channel, FakeSlack, Message, Person, User, View
from tests.support.forms import open_form as open_command_form
from tests.support.incidents import report_incident
from tests.support.people import leaves, new_person
from tests.support.refusals import ephemeral, incident_channel_only, managers_only
from tests.support.runs import finished, settled
from tests.support.waiting import eventually

CREATE = "/dispatch-create-task"
LIST = "/dispatch-list-tasks"
LIST_MINE = "/dispatch-list-my-tasks"


async def open_create_form(person: Person, channel: Channel) -> View:
    return await open_command_form(person, channel, CREATE, "create_task")


async def create_task(
    bot: Running,
    person: Person,
    incident: Incident,
    channel: Channel,
    assignees: list[User],
    description: str,
    **due: str,
) -> Task:
    """Create a task through the real modal and wait for its run to finish; `due` may set "Due date"
    and "Due time"."""
    view = await open_create_form(person, channel)
    view.fill({"Assignees": [user.id for user in assignees], "Description": description, **due})
    ack = await view.submit()
    assert ack.ok
    assert not ack.payload, ack.payload
    await finished(bot, "create_task", f"view:{view.id}")
    [task] = [t for t in await bot.deps.tasks.for_incident(incident.id) if t.description == description]
    return task


def card(slack: FakeSlack, channel: Channel, task: Task) -> Message:
    [found] = [m for m in slack.messages(channel.id) if m.ts == task.message_ts]
    return found


def button_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in blocks:
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        texts += [e["text"]["text"] for e in elements if e.get("type") == "button"]
    return texts


def headers(view: View) -> list[str]:
    return [block["text"]["text"] for block in view.blocks if block["type"] == "header"]


def sections(view: View) -> list[str]:
    return [block["text"]["text"] for block in view.blocks if block["type"] == "section"]


async def task_status(bot: Running, task: Task) -> TaskStatus:
    return (await bot.deps.tasks.get(task.id)).status


# ------------------------------------------------------------------ creating a task


async def test_creating_a_task_posts_it_and_brings_the_assignees_in(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob")
    carol = await new_person(slack, "carol", channel)
    person = slack.as_user(alice)

    view = await open_create_form(person, channel)
    assert view.title == "Create Task"
    assert view.input_labels() == ["Assignees", "Description", "Due date", "Due time"]
    default_due = datetime.now(UTC) + timedelta(hours=24)
    task = await create_task(bot, person, incident, channel, [bob, carol], "Check the replica lag")

    assert task.assignees == (bob.id, carol.id)
    assert task.creator_id == alice.id
    assert abs(task.due_at - default_due) < timedelta(minutes=2)  # the prefilled Berlin time, read back
    message = card(slack, channel, task)
    assert "Check the replica lag" in message.text
    assert button_texts(message.blocks) == ["Resolve"]
    assert f"<@{bob.id}>, <@{carol.id}>" in str(message.blocks)

    assert bob.id in channel.members
    [notice] = slack.ephemerals(channel.id, bob.id)
    assert notice.text.startswith(
        f"You were added to {incident.reference} because <@{alice.id}> assigned you a task"
    )
    assert [e.text for e in slack.ephemerals(channel.id, carol.id) if "assigned you" in e.text] == []
    participant = await bot.deps.participants.get(incident.id, bob.id)
    assert participant is not None
    assert participant.active
    assert participant.roles == frozenset({Role.PARTICIPANT})

    [event] = [e for e in await bot.deps.incidents.timeline(incident.id) if e.kind == "task_created"]
    assert event.description == f"<@{alice.id}> created a task: Check the replica lag"
    reminder = await bot.deps.reminders.get(ReminderKind.TASK_OVERDUE, incident.id, str(task.id))
    assert reminder is not None
    assert reminder.due_at == task.due_at
    assert reminder.recipient == bob.id


async def test_the_due_time_is_read_in_the_creators_time_zone(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    view = await open_create_form(slack.as_user(alice), channel)
    assert "Europe/Berlin" in str(view.blocks)
    await view.close()

    task = await create_task(
        bot,
        slack.as_user(alice),
        incident,
        channel,
        [bob],
        "Write the postmortem",
        **{"Due date": "2031-07-01", "Due time": "09:30"},
    )
    assert task.due_at == datetime(2031, 7, 1, 7, 30, tzinfo=UTC)


async def test_a_double_submit_creates_one_task(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    view = await open_create_form(slack.as_user(alice), channel)
    view.fill({"Assignees": [bob.id], "Description": "Rotate the keys"})

    acks = await asyncio.gather(view.submit(), view.submit())
    assert all(ack.ok for ack in acks)
    await finished(bot, "create_task", f"view:{view.id}")
    await settled(bot)
    assert len(await bot.deps.tasks.for_incident(incident.id)) == 1
    assert len([m for m in slack.messages(channel.id) if "Rotate the keys" in m.text]) == 1


async def test_only_the_commander_or_scribe_may_create_tasks(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)

    ack = await slack.as_user(bob).slash_command(CREATE, channel=channel.id)
    assert ack.payload == ephemeral(managers_only(alice, "create tasks"))
    assert slack.workspace.top_view(bob.id) is None

    await bot.deps.participants.assign_role(incident.id, bob.id, Role.SCRIBE, alice.id)
    await open_create_form(slack.as_user(bob), channel)


async def test_outside_an_incident_channel_the_commands_explain_where_they_work(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    await report_incident(bot, slack, alice, general)
    for command in (CREATE, LIST):
        ack = await slack.as_user(alice).slash_command(command, channel=general.id)
        assert ack.payload == ephemeral(incident_channel_only(command))
    top = slack.workspace.top_view(alice.id)  # the report form's last screen, if anything
    assert top is None or top.callback_id not in ("create_task", "tasks")


# ------------------------------------------------------------------ Resolve / Re-open on the card


async def test_resolve_and_reopen_from_the_card_update_it_in_place(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    task = await create_task(bot, slack.as_user(alice), incident, channel, [bob], "Fail over the DB")
    before = len(slack.messages(channel.id))

    ack = await slack.as_user(bob).click(card(slack, channel, task), "Resolve")  # an assignee
    assert ack.ok
    await eventually(lambda: button_texts(card(slack, channel, task).blocks) == ["Re-open"], what="Re-open")
    assert f"Resolved by <@{bob.id}>" in str(card(slack, channel, task).blocks)
    assert await task_status(bot, task) is TaskStatus.RESOLVED
    assert await bot.deps.reminders.get(ReminderKind.TASK_OVERDUE, incident.id, str(task.id)) is None

    await slack.as_user(alice).click(card(slack, channel, task), "Re-open")  # the commander
    await eventually(lambda: button_texts(card(slack, channel, task).blocks) == ["Resolve"], what="Resolve")
    assert await task_status(bot, task) is TaskStatus.OPEN
    reminder = await bot.deps.reminders.get(ReminderKind.TASK_OVERDUE, incident.id, str(task.id))
    assert reminder is not None
    assert reminder.due_at == task.due_at

    assert len(slack.messages(channel.id)) == before  # edited in place, never reposted
    kinds = [e.kind for e in await bot.deps.incidents.timeline(incident.id) if e.kind.startswith("task_")]
    assert kinds == ["task_created", "task_resolved", "task_reopened"]


async def test_someone_else_may_not_resolve_a_task(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    dave = await new_person(slack, "dave", channel)
    task = await create_task(bot, slack.as_user(alice), incident, channel, [bob], "Page the DBA")

    await slack.as_user(dave).click(card(slack, channel, task), "Resolve")
    refusal = (
        f"Only the task's creator, its assignees, or the incident commander (<@{alice.id}>) or scribe can "
        "change it."
    )
    await eventually(
        lambda: refusal in [e.text for e in slack.ephemerals(channel.id, dave.id)], what="the refusal"
    )
    assert await task_status(bot, task) is TaskStatus.OPEN
    assert button_texts(card(slack, channel, task).blocks) == ["Resolve"]


# ------------------------------------------------------------------ the task lists


async def test_the_incident_task_list_resolves_and_redraws_itself(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    alice_acts = slack.as_user(alice)
    first = await create_task(
        bot, alice_acts, incident, channel, [bob], "Drain the node", **{"Due date": "2031-01-01"}
    )
    await create_task(
        bot, alice_acts, incident, channel, [alice], "Tell support", **{"Due date": "2031-02-01"}
    )

    ack = await alice_acts.slash_command(LIST, channel=channel.id)
    assert ack.ok
    assert not ack.payload
    view = await alice_acts.wait_for_view(callback_id="tasks")
    assert headers(view) == ["Open tasks (2)", "Resolved tasks (0)"]
    assert "Drain the node" in sections(view)[0]  # soonest due first
    assert button_texts(view.blocks) == ["Resolve", "Resolve"]

    await view.click("Resolve")
    await alice_acts.wait_for_view(callback_id="tasks")
    assert headers(view) == ["Open tasks (1)", "Resolved tasks (1)"]
    assert "Drain the node" in sections(view)[-1]
    assert button_texts(view.blocks) == ["Resolve", "Re-open"]
    await eventually(lambda: button_texts(card(slack, channel, first).blocks) == ["Re-open"], what="the card")
    assert await task_status(bot, first) is TaskStatus.RESOLVED


async def test_the_incident_task_list_shows_buttons_only_to_who_may_use_them(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    dave = await new_person(slack, "dave", channel)
    await create_task(bot, slack.as_user(alice), incident, channel, [bob], "Check the backups")

    dave_acts = slack.as_user(dave)
    await dave_acts.slash_command(LIST, channel=channel.id)
    view = await dave_acts.wait_for_view(callback_id="tasks")
    assert "Check the backups" in str(view.blocks)
    assert button_texts(view.blocks) == []


async def test_my_tasks_span_incidents_but_not_restricted_ones_i_left(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    bob = await new_person(slack, "bob")
    alice_acts, bob_acts = slack.as_user(alice), slack.as_user(bob)
    first, first_channel = await report_incident(bot, slack, alice, general, Title="Login errors")
    second, second_channel = await report_incident(
        bot, slack, alice, general, Title="Leaked key", Visibility="Restricted (participants only)"
    )
    await create_task(bot, alice_acts, first, first_channel, [bob], "Check the login logs")
    secret = await create_task(bot, alice_acts, second, second_channel, [bob], "Revoke the key")

    await bob_acts.slash_command(LIST_MINE)  # anywhere: here, the DM with the app
    view = await bob_acts.wait_for_view(callback_id="tasks")
    assert view.title == "My Tasks"
    assert headers(view) == ["Open tasks (2)", "Resolved tasks (0)"]
    text = str(view.blocks)
    assert f"*{first.reference}* · Check the login logs" in text
    assert f"*{second.reference}* · Revoke the key" in text
    await view.close()

    await alice_acts.click(card(slack, second_channel, secret), "Resolve")
    await eventually(lambda: _resolved(bot, secret), what="the secret task to be resolved")
    await leaves(bot, slack, bob, second, second_channel)
    await bob_acts.slash_command(LIST_MINE)
    view = await bob_acts.wait_for_view(callback_id="tasks")
    assert headers(view) == ["Open tasks (1)", "Resolved tasks (0)"]
    assert "Revoke the key" not in str(view.blocks)
    assert "Check the login logs" in str(view.blocks)


async def _resolved(bot: Running, task: Task) -> bool:
    return await task_status(bot, task) is TaskStatus.RESOLVED


# ------------------------------------------------------------------ leaving with open tasks


async def test_an_assignee_with_open_tasks_who_leaves_is_brought_back(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    bob = await new_person(slack, "bob", channel)
    task = await create_task(bot, slack.as_user(alice), incident, channel, [bob], "Restore the index")

    await slack.as_user(bob).leave(channel.id)

    def told() -> bool:
        return any(
            e.text.startswith("Please resolve or hand over your open tasks before leaving")
            for e in slack.ephemerals(channel.id, bob.id)
        )

    await eventually(told, what="the notice to bob")
    assert bob.id in channel.members
    participant = await bot.deps.participants.get(incident.id, bob.id)
    assert participant is not None
    assert participant.active
    assert "Restore the index" in slack.ephemerals(channel.id, bob.id)[-1].text

    await slack.as_user(bob).click(card(slack, channel, task), "Resolve")
    await eventually(lambda: _resolved(bot, task), what="the task to be resolved")
    await leaves(bot, slack, bob, incident, channel)  # for good
    assert bob.id not in channel.members
