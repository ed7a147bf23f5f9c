"""Incident documents in Google Drive/Docs, end to end against the fake Google: the folder and filled
incident document at creation (shared, bookmarked, linked from the header), Google failing without the
incident failing (the header's Retry button; test_retry_after.py has the automatic retries), the review
document on Stable, a document per executive report, and opening the documents to the domain on close."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dispatchbot.app import Running
from dispatchbot.config import IncidentTypeSettings, Settings
from dispatchbot.domain import Document, DocumentKind, Incident, ReportKind, ResourceStatus, RunStatus
from dispatchbot.flows.incidents import incident_documents
from dispatchbot.storage.tables import FlowRunRow
from dispatchbot.testing import Channel, FakeSlack, Message, User
from dispatchbot.testing.google import FOLDER_MIME_TYPE, ROOT_FOLDER_ID, FakeGoogle
from tests.e2e.conftest import StartBot
from tests.e2e.test_reports import EXECUTIVE
from tests.e2e.test_reports import open_form as open_report_form
from tests.e2e.test_reports import submit as submit_report
from tests.e2e.test_tasks import button_texts
from tests.e2e.test_update_incident import update
from tests.support.bot import BotProcess, bot_environment, bot_settings, free_port
from tests.support.incidents import report_incident
from tests.support.waiting import eventually

PLACEHOLDERS = (
    "name",
    "title",
    "description",
    "commander_fullname",
    "type",
    "severity",
    "priority",
    "status",
    "reported_at",
    "conversation_weblink",
    "document_weblink",
    "storage_weblink",
)
INCIDENT_TEMPLATE = "\n".join(f"{key}: {{{{{key}}}}}" for key in PLACEHOLDERS)
REVIEW_TEMPLATE = "Review of {{name}} ({{title}}), stable since {{stable_at}}\nTimeline:\n{{timeline}}\n"
EXECUTIVE_TEMPLATE = (
    "{{name}}: {{current_status}}\n{{overview}}\nNext: {{next_steps}}\nBy {{report_author_fullname}}"
)
HELD_SECONDS = 1.0  # the fake finishes a killed request after this, as Slack would
REPORTED_AT = re.compile(r"^reported_at: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", re.MULTILINE)


@asynccontextmanager
async def templated_google() -> AsyncIterator[FakeGoogle]:
    """The fake Google with the three templates the test incident type names."""
    async with FakeGoogle() as fake:
        fake.add_template("tpl-inc", "Incident template", INCIDENT_TEMPLATE)
        fake.add_template("tpl-review", "Review template", REVIEW_TEMPLATE)
        fake.add_template("tpl-exec", "Executive template", EXECUTIVE_TEMPLATE)
        yield fake


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    async with templated_google() as fake:
        yield fake


def documents_settings(
    slack: FakeSlack, database_url: str, google: FakeGoogle, directory: Path, **google_overrides: Any
) -> Settings:
    return bot_settings(slack, database_url).model_copy(
        update={
            "google": google.settings(directory, **google_overrides),
            "incident_types": [
                IncidentTypeSettings(
                    name="Default",
                    document_template="tpl-inc",
                    review_template="tpl-review",
                    executive_template="tpl-exec",
                ),
                IncidentTypeSettings(name="Plain", description="No documents for this one."),
            ],
        }
    )


async def start_with_google(
    slack: FakeSlack,
    database_url: str,
    start_bot: StartBot,
    google: FakeGoogle,
    directory: Path,
    **google_overrides: Any,
) -> Running:
    running = await start_bot(documents_settings(slack, database_url, google, directory, **google_overrides))
    await slack.socket.wait_connected()
    return running


@pytest.fixture
async def bot(
    slack: FakeSlack, database_url: str, start_bot: StartBot, google: FakeGoogle, tmp_path: Path
) -> Running:
    return await start_with_google(slack, database_url, start_bot, google, tmp_path)


async def documents_of(bot: Running, incident: Incident) -> dict[str, Document]:
    return {document.kind: document for document in await bot.deps.documents.for_incident(incident.id)}


async def ready(bot: Running, incident: Incident, kind: str) -> Document:
    document = (await documents_of(bot, incident)).get(kind)
    assert document is not None, f"no {kind} row"
    assert document.status is ResourceStatus.READY, document.error
    assert document.external_id is not None
    return document


async def automatic_retries_over(bot: Running, incident: Incident) -> None:
    """Wait until the runs that retry the incident's failed documents by themselves (the provider was only
    unavailable) have given up, so what a test does next is the Retry button's doing alone."""

    async def over() -> bool:
        async with bot.deps.database.sessions() as session:
            running = await session.scalars(
                select(FlowRunRow.id).where(
                    FlowRunRow.kind == incident_documents.RETRY_DOCUMENTS.kind,
                    FlowRunRow.key.startswith(f"auto:{incident.id}:"),
                    FlowRunRow.status == RunStatus.RUNNING.value,
                )
            )
            return not running.all()

    await eventually(over, what="the automatic retries to give up")


async def retried_document_made(bot: Running, incident: Incident) -> None:
    """Wait until the incident document a Retry click asked for is ready."""

    async def made() -> bool:
        found = (await documents_of(bot, incident)).get(DocumentKind.INCIDENT)
        return found is not None and found.status is ResourceStatus.READY

    await eventually(made, what="the retried document")


def header(slack: FakeSlack, channel: Channel) -> Message:
    [found] = [
        m
        for m in slack.messages(channel.id)
        if m.blocks and m.blocks[0].get("block_id", "").startswith("incident-header-")
    ]
    return found


def text_of(message: Message) -> str:
    texts = [str(block.get("text", {}).get("text", "")) for block in message.blocks]
    texts += [str(e.get("text", "")) for block in message.blocks for e in block.get("elements", [])]
    return "\n".join(texts)


def files_in(google: FakeGoogle, parent: str) -> list[str]:
    return [file.id for file in google.files.values() if parent in file.parents]


def writers(google: FakeGoogle, file_id: str) -> set[str]:
    return {
        p["emailAddress"]
        for p in google.files[file_id].permissions
        if p["type"] == "user" and p["role"] == "writer"
    }


# ------------------------------------------------------------------ creation


async def test_creation_makes_a_filled_document_in_its_folder_shared_bookmarked_and_linked(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general, Description="p99 is 5 s")

    folder = await ready(bot, incident, DocumentKind.FOLDER)
    document = await ready(bot, incident, DocumentKind.INCIDENT)
    assert list(await documents_of(bot, incident)) == [DocumentKind.FOLDER, DocumentKind.INCIDENT]
    assert folder.external_id is not None
    assert document.external_id is not None
    folder_file = google.files[folder.external_id]
    assert folder_file.mime_type == FOLDER_MIME_TYPE
    assert folder_file.parents == [ROOT_FOLDER_ID]
    assert folder_file.name == "INC-1 - DB latency"
    assert files_in(google, folder.external_id) == [document.external_id]
    assert google.files[document.external_id].name == "INC-1 - Incident document"

    text = google.document_text(document.external_id)
    assert "{{" not in text
    lines = dict(line.split(": ", 1) for line in text.splitlines())
    assert lines["name"] == "INC-1"
    assert lines["title"] == "DB latency"
    assert lines["description"] == "p99 is 5 s"
    assert lines["commander_fullname"] == "Alice Adams"
    assert lines["type"] == "Default"
    assert lines["severity"] == incident.severity
    assert lines["priority"] == incident.priority
    assert lines["status"] == "Active"
    assert REPORTED_AT.search(text)
    assert lines["conversation_weblink"].endswith(channel.id)
    assert lines["document_weblink"] == document.weblink
    assert lines["storage_weblink"] == folder.weblink

    for file_id in (folder.external_id, document.external_id):
        assert writers(google, file_id) == {"alice@example.com"}
        assert google.files[file_id].notified == []  # no sharing emails
    assert [(b.title, b.link) for b in channel.bookmarks] == [("Incident document", document.weblink)]
    assert f"<{document.weblink}|Incident document>" in text_of(header(slack, channel))
    assert f"<{folder.weblink}|Incident folder>" in text_of(header(slack, channel))


async def test_a_type_without_a_template_gets_no_documents(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general, Type="Plain")
    assert await documents_of(bot, incident) == {}
    assert channel.bookmarks == []
    assert files_in(google, ROOT_FOLDER_ID) == ["tpl-inc", "tpl-review", "tpl-exec"]


async def test_without_google_nothing_is_attempted(
    slack: FakeSlack, database_url: str, start_bot: StartBot, alice: User, general: Channel
) -> None:
    settings = bot_settings(slack, database_url).model_copy(
        update={"incident_types": [IncidentTypeSettings(name="Default", document_template="tpl-inc")]}
    )
    running = await start_bot(settings)
    await slack.socket.wait_connected()
    assert running.deps.providers.documents is None
    incident, channel = await report_incident(running, slack, alice, general)
    assert await documents_of(running, incident) == {}
    assert "could not be made" not in text_of(header(slack, channel))


async def test_google_down_leaves_the_incident_fine_and_the_header_offers_a_retry(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    google.down()
    incident, channel = await report_incident(bot, slack, alice, general)  # the run succeeded

    assert alice.id in channel.members
    failed = (await documents_of(bot, incident))[DocumentKind.INCIDENT]
    assert failed.status is ResourceStatus.FAILED
    assert failed.error
    assert "could not create the folder" in failed.error
    shown = header(slack, channel)
    assert ":warning: Incident document could not be made yet." in text_of(shown)
    assert "Retry incident document" in button_texts(shown.blocks)
    assert channel.bookmarks == []

    await automatic_retries_over(bot, incident)
    google.up()
    outsider = slack.add_user("mallory", real_name="Mallory", email="mallory@example.com")
    await slack.as_user(outsider).click(shown, "Retry incident document")
    refusal = f"Only the participants of {incident.reference} can retry its documents."
    await eventually(
        lambda: refusal in [e.text for e in slack.ephemerals(user=outsider.id)], what="the refusal"
    )
    assert (await documents_of(bot, incident))[DocumentKind.INCIDENT].status is ResourceStatus.FAILED

    await slack.as_user(alice).click(header(slack, channel), "Retry incident document")
    await retried_document_made(bot, incident)
    document = await ready(bot, incident, DocumentKind.INCIDENT)
    await eventually(
        lambda: f"<{document.weblink}|Incident document>" in text_of(header(slack, channel)), what="the link"
    )
    assert "could not be made" not in text_of(header(slack, channel))
    assert "{{" not in google.document_text(str(document.external_id))
    assert [b.title for b in channel.bookmarks] == ["Incident document"]
    assert len([f for f in google.files.values() if f.mime_type == FOLDER_MIME_TYPE]) == 2  # root + one


async def test_a_failure_after_the_copy_is_finished_on_retry_without_a_second_copy(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    google.down("docs")  # the folder and the copy are made; filling it in fails
    incident, channel = await report_incident(bot, slack, alice, general)
    failed = (await documents_of(bot, incident))[DocumentKind.INCIDENT]
    assert failed.status is ResourceStatus.FAILED
    assert failed.external_id is not None
    assert "{{name}}" in google.document_text(failed.external_id)

    await automatic_retries_over(bot, incident)
    google.up()
    await slack.as_user(alice).click(header(slack, channel), "Retry incident document")
    await retried_document_made(bot, incident)
    folder = await ready(bot, incident, DocumentKind.FOLDER)
    document = await ready(bot, incident, DocumentKind.INCIDENT)
    assert document.external_id == failed.external_id
    assert files_in(google, str(folder.external_id)) == [document.external_id]
    assert "{{" not in google.document_text(failed.external_id)


async def test_running_the_documents_step_again_makes_nothing_twice(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    before = set(google.files)
    document = await incident_documents.make_incident_document(bot.deps, incident)  # as a resumed run would
    assert document == await ready(bot, incident, DocumentKind.INCIDENT)
    assert set(google.files) == before
    assert len(channel.bookmarks) == 1


# ------------------------------------------------------------------ review, executive, close


async def test_stable_makes_the_review_document_with_the_timeline_once(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    person = slack.as_user(alice)
    await update(bot, person, channel, Status="Stable")

    folder = await ready(bot, incident, DocumentKind.FOLDER)
    review = await ready(bot, incident, DocumentKind.REVIEW)
    assert review.external_id in files_in(google, str(folder.external_id))
    text = google.document_text(str(review.external_id))
    assert "{{" not in text
    assert text.startswith("Review of INC-1 (DB latency), stable since ")
    events = await bot.deps.incidents.timeline(incident.id)
    lines = text.split("Timeline:\n", 1)[1].strip().splitlines()
    assert len(lines) == len(events)
    assert all(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC — \S", line) for line in lines)
    assert "<@" not in text
    assert any("Alice Adams" in line for line in lines)
    assert [b.title for b in channel.bookmarks] == ["Incident document", "Review document"]
    announced = [m for m in slack.messages(channel.id) if "post-incident review document" in m.text]
    assert len(announced) == 1
    assert str(review.weblink) in text_of(announced[0])
    assert f"<{review.weblink}|Review document>" in text_of(header(slack, channel))

    await update(bot, person, channel, Status="Active")
    await update(bot, person, channel, Status="Stable")
    assert (await ready(bot, incident, DocumentKind.REVIEW)) == review
    assert len([m for m in slack.messages(channel.id) if "post-incident review document" in m.text]) == 1
    assert len(files_in(google, str(folder.external_id))) == 2


async def test_review_document_failure_does_not_fail_the_update_and_can_be_retried(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    google.down("drive")
    await update(bot, slack.as_user(alice), channel, Status="Stable")  # the update run succeeded
    assert (await bot.deps.incidents.get(incident.id)).status.value == "stable"
    assert (await documents_of(bot, incident))[DocumentKind.REVIEW].status is ResourceStatus.FAILED
    await eventually(
        lambda: "Retry review document" in button_texts(header(slack, channel).blocks), what="Retry"
    )

    await automatic_retries_over(bot, incident)
    google.up()
    await slack.as_user(alice).click(header(slack, channel), "Retry review document")
    await eventually(
        lambda: any("post-incident review document" in m.text for m in slack.messages(channel.id)),
        what="the review announcement",
    )
    review = await ready(bot, incident, DocumentKind.REVIEW)
    assert "{{timeline}}" not in google.document_text(str(review.external_id))


async def test_an_executive_report_gets_its_own_document(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    view = await open_report_form(slack.as_user(alice), channel, EXECUTIVE)
    await submit_report(
        bot, view, {"Current status": "Mitigated", "Overview": "Checkout was slow", "Next steps": "Review"}
    )

    report = await bot.deps.reports.latest(incident.id, ReportKind.EXECUTIVE)
    assert report is not None
    document = await ready(bot, incident, f"executive:{report.id}")
    folder = await ready(bot, incident, DocumentKind.FOLDER)
    assert document.external_id in files_in(google, str(folder.external_id))
    assert google.document_text(str(document.external_id)) == (
        "INC-1: Mitigated\nCheckout was slow\nNext: Review\nBy Alice Adams"
    )
    [link] = [m for m in slack.messages(channel.id) if "also in a document" in m.text]
    assert str(document.weblink) in text_of(link)


async def test_an_executive_document_failure_does_not_fail_the_report(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    google.down()
    view = await open_report_form(slack.as_user(alice), channel, EXECUTIVE)
    await submit_report(bot, view, {"Current status": "Mitigated", "Overview": "Slow", "Next steps": ""})
    report = await bot.deps.reports.latest(incident.id, ReportKind.EXECUTIVE)
    assert report is not None
    failed = (await documents_of(bot, incident))[f"executive:{report.id}"]
    assert failed.status is ResourceStatus.FAILED
    await eventually(
        lambda: "Retry executive report document" in button_texts(header(slack, channel).blocks), what="Retry"
    )


async def test_closing_opens_the_documents_to_the_domain_when_configured(
    slack: FakeSlack,
    database_url: str,
    start_bot: StartBot,
    google: FakeGoogle,
    tmp_path: Path,
    alice: User,
    general: Channel,
) -> None:
    running = await start_with_google(slack, database_url, start_bot, google, tmp_path, open_on_close=True)
    incident, channel = await report_incident(running, slack, alice, general)
    person = slack.as_user(alice)
    await update(running, person, channel, Status="Closed", Resolution="Rolled back")  # straight from Active

    domain = {"type": "domain", "role": "commenter", "domain": "example.com"}
    for kind in (DocumentKind.INCIDENT, DocumentKind.REVIEW):
        document = await ready(running, incident, kind)
        assert domain in google.files[str(document.external_id)].permissions
    folder = await ready(running, incident, DocumentKind.FOLDER)
    assert domain not in google.files[str(folder.external_id)].permissions


async def test_closing_keeps_the_documents_private_by_default(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    incident, channel = await report_incident(bot, slack, alice, general)
    await update(bot, slack.as_user(alice), channel, Status="Closed", Resolution="Rolled back")
    document = await ready(bot, incident, DocumentKind.INCIDENT)
    assert all(p["type"] == "user" for p in google.files[str(document.external_id)].permissions)


# ------------------------------------------------------------------ a crash in mid-creation


async def test_a_resumed_creation_continues_the_documents_it_had(
    bot: Running, slack: FakeSlack, google: FakeGoogle, alice: User, general: Channel
) -> None:
    """The run's documents step is interrupted after the folder and the copy exist (filling fails every
    attempt, so the step ends with the document failed); running the step again — what a resumed run
    does — finishes that copy in that folder."""
    google.down("docs")
    incident, _channel = await report_incident(bot, slack, alice, general)
    google.up()
    folders_before = [f.id for f in google.files.values() if f.mime_type == FOLDER_MIME_TYPE]
    copies_before = {f.id for f in google.files.values() if f.name.endswith("Incident document")}

    await incident_documents.make_incident_document(bot.deps, incident)
    await incident_documents.make_incident_document(bot.deps, incident)
    assert [f.id for f in google.files.values() if f.mime_type == FOLDER_MIME_TYPE] == folders_before
    assert {f.id for f in google.files.values() if f.name.endswith("Incident document")} == copies_before
    await ready(bot, incident, DocumentKind.INCIDENT)


@pytest.mark.slow
async def test_a_creation_killed_after_making_the_documents_makes_none_twice(
    slack: FakeSlack,
    database_url: str,
    processes: list[BotProcess],
    google: FakeGoogle,
    tmp_path: Path,
    alice: User,
    general: Channel,
) -> None:
    """kill -9 while the bookmark is in flight (the folder and document exist and are recorded): the
    restarted bot finishes the run with the same folder, the same document and one bookmark."""
    google_settings = google.settings(tmp_path)
    types = [{"name": "Default", "document_template": "tpl-inc", "review_template": "tpl-review"}]
    environment = bot_environment(
        slack,
        database_url,
        free_port(),
        DISPATCHBOT_INCIDENT_TYPES=json.dumps(types),
        **{f"DISPATCHBOT_GOOGLE__{k.upper()}": str(v) for k, v in google_settings.model_dump().items()},
    )
    first = BotProcess(environment, probe=False)
    processes.append(first)
    await first.start()
    await slack.socket.wait_connected(timeout=30)
    person = slack.as_user(alice)
    await person.slash_command("/dispatch-report-incident", channel=general.id)
    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
    view.fill({"Title": "Payments down"})
    slack.faults.latency("bookmarks.add", HELD_SECONDS)
    await view.submit()
    await eventually(lambda: slack.arrivals("bookmarks.add") >= 1, within=30, what="the bookmark in flight")
    first.kill()
    await first.wait()
    slack.faults.clear()
    await eventually(  # the interrupted call lands, as it may on real Slack
        lambda: len(slack.calls_to("bookmarks.add")) == slack.arrivals("bookmarks.add"),
        what="the held bookmark to land",
    )

    second = BotProcess(environment, probe=False)
    processes.append(second)
    await second.start()
    await slack.socket.wait_connected(timeout=30)
    [channel] = [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]
    folders = [f for f in google.files.values() if f.mime_type == FOLDER_MIME_TYPE and f.id != ROOT_FOLDER_ID]
    assert len(folders) == 1
    await eventually(
        lambda: "Incident document>" in text_of(header(slack, channel)), within=20, what="the header link"
    )
    second.terminate()
    assert await second.wait() == 0
    folders = [f for f in google.files.values() if f.mime_type == FOLDER_MIME_TYPE and f.id != ROOT_FOLDER_ID]
    assert len(folders) == 1
    [document] = files_in(google, folders[0].id)
    assert "{{" not in google.document_text(document)
    assert [b.title for b in channel.bookmarks] == ["Incident document"]
