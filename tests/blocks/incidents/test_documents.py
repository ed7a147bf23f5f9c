"""Incident documents: names, template values, the timeline as plain text, and the Slack messages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatchbot.blocks.incidents import documents
from dispatchbot.domain import DocumentKind, ReportKind, ResourceStatus
from dispatchbot.errors import NotFound
from dispatchbot.mrkdwn import Mrkdwn, md, mention
from tests.blocks import samples
from tests.blocks.limits import valid_message
from tests.blocks.samples import BOB, NOW
from tests.blocks.texts import shown_escaped
from tests.support.escaping import HOSTILE


def test_names_say_which_incident_and_document() -> None:
    incident = samples.incident(title="x" * 300)
    report = samples.report(ReportKind.EXECUTIVE)
    assert len(documents.folder_name(incident)) == 200
    assert documents.document_name(incident, DocumentKind.REVIEW) == "INC-7 - Post-incident review"
    assert documents.document_name(incident, DocumentKind.EXECUTIVE, report) == (
        "INC-7 - Executive report 2026-05-01 09:30 UTC"
    )
    assert documents.executive_kind(5) == "executive:5"


def test_conversation_link_prefers_the_workspace_url() -> None:
    assert (
        documents.conversation_link("https://acme.slack.com/", "C1") == "https://acme.slack.com/archives/C1"
    )
    assert documents.conversation_link("", "C1") == "https://slack.com/app_redirect?channel=C1"


def test_placeholders_are_plain_text_and_empty_when_unknown() -> None:
    links = documents.Links("https://c", "", "")
    values = documents.placeholders(samples.incident(title=HOSTILE), "Bob", links)
    assert values["title"] == HOSTILE
    assert values["stable_at"] == ""
    assert values["reported_at"] == "2026-05-01 09:30 UTC"
    report = samples.report(ReportKind.EXECUTIVE, overview="All good")
    assert documents.report_placeholders(report, "Alice")["overview"] == "All good"
    assert documents.report_placeholders(report, "Alice")["next_steps"] == ""


def test_timeline_text_names_people_and_unescapes() -> None:
    said = md("{who} wrote {typed}", who=mention(BOB), typed="a < b")
    linked = Mrkdwn("see <https://x.example/p|the message> in <#C1|general>")
    events = [
        samples.event(description=said),
        samples.event(description=linked, occurred_at=NOW + timedelta(1)),
    ]
    assert documents.mentioned_users(events) == {BOB}
    assert documents.timeline_text(events, {BOB: "Bob"}).splitlines() == [
        "2026-05-01 09:30 UTC — Bob wrote a < b",
        "2026-05-02 09:30 UTC — see the message (https://x.example/p) in #general",
    ]


def test_comment_description_is_clipped_and_never_empty() -> None:
    assert documents.comment_description("   ") == "(an empty comment)"
    assert len(documents.comment_description("x" * 5000)) == documents.COMMENT_LIMIT


def test_retry_value_is_read_back_and_a_tampered_one_refused() -> None:
    assert documents.read_retry_value("7:executive:5") == (7, "executive:5")
    for tampered in ("x:incident", "7:secrets", "7"):
        with pytest.raises(NotFound):
            documents.read_retry_value(tampered)


@pytest.mark.parametrize("rate_limited", [False, True])
def test_document_delayed_says_why(rate_limited: bool) -> None:
    failed = samples.document(status=ResourceStatus.FAILED, weblink=None, error="boom")
    message = documents.document_delayed(failed, "Google", rate_limited=rate_limited)
    valid_message(message)
    assert ("rate-limiting" in message[0]) is rate_limited


def test_ready_messages_link_the_document() -> None:
    incident, document = samples.incident(), samples.document()
    for message in (
        documents.review_ready(incident, document),
        documents.executive_document_ready(incident, document),
    ):
        blocks = valid_message(message)
        assert "<https://docs.example/d/1|" in blocks[0]["text"]["text"]


def test_comment_task_dm_says_where_and_escapes_the_comment() -> None:
    incident, task = samples.incident(), samples.task(description=HOSTILE)
    with_document = documents.comment_task_assigned(incident, task, samples.document())
    assert "from a comment in the <https://docs.example/d/1|incident document>" in with_document
    shown_escaped(with_document)
    without = documents.comment_task_assigned(samples.incident(channel_id=None), task, None)
    assert without.startswith("You have a new task in INC-7, from a comment:")
