"""Comments assigned in incident documents become incident tasks, end to end against the fake Google:
the sync job turns a new assigned comment into a task (posted, assignee brought in and told), follows
reassignments, resolutions and reopenings made in the document, and resolving the task in Slack resolves
the comment. The same job shares the documents with people who join later; Google failing costs a tick,
never the job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dispatchbot.app import Running
from dispatchbot.domain import DocumentKind, Incident, RunStatus, Task, TaskStatus
from dispatchbot.testing import Channel, FakeSlack, User
from dispatchbot.testing.google import FakeGoogle
from tests.e2e.conftest import StartBot
from tests.e2e.test_documents import ready, start_with_google, templated_google, writers
from tests.e2e.test_tasks import button_texts, card
from tests.e2e.test_update_incident import update
from tests.support.incidents import report_incident
from tests.support.runs import finished
from tests.support.waiting import eventually


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    async with templated_google() as fake:
        yield fake


@pytest.fixture
async def bot(
    slack: FakeSlack, database_url: str, start_bot: StartBot, google: FakeGoogle, tmp_path: Path
) -> Running:
    return await start_with_google(slack, database_url, start_bot, google, tmp_path)


@pytest.fixture
def bob(slack: FakeSlack) -> User:
    """The person the comments here are assigned to, by email as in Google."""
    return slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")


async def tick(bot: Running) -> None:
    job = next(j for j in bot.scheduler.jobs if j.name == "sync_document_tasks")
    assert await bot.scheduler.run(job)


async def incident_with_document(
    bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> tuple[Incident, Channel, str]:
    incident, channel = await report_incident(bot, slack, alice, general)
    document = await ready(bot, incident, DocumentKind.INCIDENT)
    assert document.external_id is not None
    return incident, channel, document.external_id


async def task_from_comment(bot: Running, file_id: str, comment_id: str) -> Task:
    """Wait for the comment's task run to finish and return its task."""
    await finished(bot, "comment_task", f"comment:{file_id}:{comment_id}")
    task = await bot.deps.tasks.by_external_id(f"{file_id}:{comment_id}")
    assert task is not None
    return task


async def assigned_comment(
    bot: Running, google: FakeGoogle, file_id: str, text: str, assignee: User
) -> tuple[str, Task]:
    """Assign a comment to `assignee` (by their email) in the document, run the sync job once, and return
    the comment's id and the task it made."""
    assert assignee.email is not None
    comment_id = google.add_comment(file_id, text, assignee.email)
    await tick(bot)
    return comment_id, await task_from_comment(bot, file_id, comment_id)


async def status_becomes(bot: Running, task: Task, status: TaskStatus) -> None:
    async def reached() -> bool:
        return (await bot.deps.tasks.get(task.id)).status is status

    await eventually(reached, what=f"the task to be {status.value}")


async def test_an_assigned_comment_becomes_a_task_once_and_the_assignee_is_told(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, bob: User, general: Channel
) -> None:
    incident, channel, file_id = await incident_with_document(bot, slack, alice, general)
    _comment_id, task = await assigned_comment(bot, google, file_id, "Rotate the API keys", bob)
    assert task.description == "Rotate the API keys"
    assert task.assignees == (bob.id,)
    assert task.creator_id == alice.id  # the commander
    assert task.status is TaskStatus.OPEN
    task = await bot.deps.tasks.get(task.id)
    assert "Rotate the API keys" in card(slack, channel, task).text
    assert bob.id in channel.members
    participant = await bot.deps.participants.get(incident.id, bob.id)
    assert participant is not None
    assert participant.active
    [dm] = slack.dms(bob.id)
    assert "Rotate the API keys" in dm.text
    assert incident.reference in dm.text

    await tick(bot)
    await tick(bot)
    assert [t.id for t in await bot.deps.tasks.for_incident(incident.id)] == [task.id]
    assert len(slack.dms(bob.id)) == 1
    events = [e for e in await bot.deps.incidents.timeline(incident.id) if e.kind == "task_created"]
    assert len(events) == 1


async def test_reassigning_resolving_and_reopening_in_the_document_moves_the_task(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, bob: User, general: Channel
) -> None:
    _incident, channel, file_id = await incident_with_document(bot, slack, alice, general)
    carol = slack.add_user("carol", real_name="Carol Cole", email="carol@example.com")
    comment_id, task = await assigned_comment(bot, google, file_id, "Check the replica lag", bob)

    google.reassign_comment(file_id, comment_id, "carol@example.com")
    await tick(bot)
    task = await bot.deps.tasks.get(task.id)
    assert task.assignees == (carol.id,)
    assert carol.id in channel.members
    assert any("Check the replica lag" in m.text for m in slack.dms(carol.id))
    assert f"<@{carol.id}>" in card(slack, channel, task).text

    google.resolve_comment(file_id, comment_id)
    await tick(bot)
    await status_becomes(bot, task, TaskStatus.RESOLVED)
    task = await bot.deps.tasks.get(task.id)
    assert button_texts(card(slack, channel, task).blocks) == ["Re-open"]
    assert task.resolved_by is None

    google.reopen_comment(file_id, comment_id)
    await tick(bot)
    await status_becomes(bot, task, TaskStatus.OPEN)
    task = await bot.deps.tasks.get(task.id)
    assert button_texts(card(slack, channel, task).blocks) == ["Resolve"]
    assert google.comment(file_id, comment_id).replies == []  # nothing was pushed back


async def test_resolving_the_task_in_slack_resolves_the_comment(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, bob: User, general: Channel
) -> None:
    _incident, channel, file_id = await incident_with_document(bot, slack, alice, general)
    comment_id, task = await assigned_comment(bot, google, file_id, "Write the status page", bob)

    await slack.as_user(alice).click(card(slack, channel, task), "Resolve")
    await eventually(lambda: google.comment(file_id, comment_id).resolved, what="the comment resolved")
    assert [r["action"] for r in google.comment(file_id, comment_id).replies] == ["resolve"]

    await tick(bot)  # the document now agrees: nothing flips back
    assert (await bot.deps.tasks.get(task.id)).status is TaskStatus.RESOLVED

    await slack.as_user(alice).click(card(slack, channel, task), "Re-open")
    await eventually(lambda: not google.comment(file_id, comment_id).resolved, what="the comment reopened")
    await tick(bot)
    assert (await bot.deps.tasks.get(task.id)).status is TaskStatus.OPEN


async def test_a_slack_change_google_missed_is_pushed_by_the_next_sync(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, bob: User, general: Channel
) -> None:
    _incident, channel, file_id = await incident_with_document(bot, slack, alice, general)
    comment_id, task = await assigned_comment(bot, google, file_id, "Drain the queue", bob)

    google.down("drive")
    await slack.as_user(alice).click(card(slack, channel, task), "Resolve")
    await status_becomes(bot, task, TaskStatus.RESOLVED)

    async def run_done() -> bool:
        runs = [await bot.deps.runs.get_by_key("task_status", key) for key in await _task_status_keys(bot)]
        return bool(runs) and all(r is not None and r.status is RunStatus.SUCCEEDED for r in runs)

    await eventually(run_done, what="the Slack change (the Google failure is only logged)")
    assert not google.comment(file_id, comment_id).resolved

    google.up()
    await tick(bot)
    assert google.comment(file_id, comment_id).resolved  # pushed, not pulled back
    assert (await bot.deps.tasks.get(task.id)).status is TaskStatus.RESOLVED


async def _task_status_keys(bot: Running) -> list[str]:
    async with bot.deps.database.engine.connect() as connection:
        rows = await connection.exec_driver_sql("SELECT key FROM flow_runs WHERE kind = 'task_status'")
        return [str(row[0]) for row in rows.all()]


async def test_comments_in_the_review_document_are_synced_too(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, bob: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await update(bot, slack.as_user(alice), channel, Status="Stable")
    review = await ready(bot, incident, DocumentKind.REVIEW)
    assert review.external_id is not None
    _comment_id, task = await assigned_comment(bot, google, review.external_id, "Write the follow-ups", bob)
    assert task.assignees == (bob.id,)


async def test_an_unknown_assignee_or_a_closed_incident_makes_no_task(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel, file_id = await incident_with_document(bot, slack, alice, general)
    google.add_comment(file_id, "Somebody outside Slack", "stranger@elsewhere.com")
    await tick(bot)
    assert await bot.deps.tasks.for_incident(incident.id) == []

    slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")
    await update(bot, slack.as_user(alice), channel, Status="Closed", Resolution="Done")
    google.add_comment(file_id, "Too late", "bob@example.com")
    await tick(bot)
    assert await bot.deps.tasks.for_incident(incident.id) == []


# ------------------------------------------------------------------ sharing and failures


async def test_someone_who_joins_later_is_shared_with_on_the_next_tick(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel, file_id = await incident_with_document(bot, slack, alice, general)
    folder = await ready(bot, incident, DocumentKind.FOLDER)
    dave = slack.add_user("dave", real_name="Dave Doe", email="dave@example.com")
    await slack.as_user(dave).join(channel.id)

    async def joined() -> bool:
        participant = await bot.deps.participants.get(incident.id, dave.id)
        return participant is not None and participant.active

    await eventually(joined, what="dave to be a participant")
    assert "dave@example.com" not in writers(google, file_id)
    await tick(bot)
    assert writers(google, file_id) == {"alice@example.com", "dave@example.com"}
    assert writers(google, str(folder.external_id)) == {"alice@example.com", "dave@example.com"}
    assert await bot.deps.documents.shared_emails(incident.id) == {"alice@example.com", "dave@example.com"}
    shares = len(google.requests)
    await tick(bot)
    assert not [r for r in google.requests[shares:] if r[1].endswith("/permissions")]  # once per person


async def test_google_down_costs_a_tick_and_the_next_one_catches_up(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel, file_id = await incident_with_document(bot, slack, alice, general)
    bob = slack.add_user("bob", real_name="Bob Brown", email="bob@example.com")
    await slack.as_user(bob).join(channel.id)
    comment_id = google.add_comment(file_id, "Restore from backup", "bob@example.com")

    google.down()
    await tick(bot)  # the job ran (True) without raising
    assert await bot.deps.tasks.for_incident(incident.id) == []
    assert "bob@example.com" not in writers(google, file_id)
    document = await ready(bot, incident, DocumentKind.INCIDENT)
    assert document.status.value == "ready"

    google.up()
    await tick(bot)
    task = await task_from_comment(bot, file_id, comment_id)
    assert task.assignees == (bob.id,)
    assert "bob@example.com" in writers(google, file_id)
