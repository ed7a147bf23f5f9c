"""The Google documents adapter, built as the bot builds it, against the fake Google over HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from dispatchbot.config import ProviderSettings, Settings
from dispatchbot.errors import ProviderError, ProviderUnavailable, StartupError
from dispatchbot.providers.documents import AssignedComment, Documents
from dispatchbot.providers.google import RESOLVED_REPLY, build
from dispatchbot.providers.registry import load_providers
from dispatchbot.testing import FakeGoogle

TEMPLATE = "template-doc"
TEMPLATE_TEXT = (
    "Incident {{name}}: {{title}}\nCommander: {{commander_fullname}}\nStatus {{status}} ({{NAME}})"
)


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    async with FakeGoogle() as fake:
        fake.add_template(TEMPLATE, "Incident document template", TEMPLATE_TEXT)
        yield fake


QUICK = ProviderSettings(retry_deadline_seconds=3.0, retry_backoff_seconds=0.05)
"""A short deadline and back-off, so giving up is quick to see."""


@pytest.fixture
def documents(google: FakeGoogle, tmp_path: Path) -> Documents:
    adapter = build(Settings(google=google.settings(tmp_path), providers=QUICK))
    assert adapter is not None
    return adapter


def test_build_returns_none_without_a_service_account() -> None:
    assert build(Settings()) is None


def test_the_bot_loads_the_adapter_through_its_entry_point(google: FakeGoogle, tmp_path: Path) -> None:
    documents = load_providers(Settings(google=google.settings(tmp_path))).documents
    assert isinstance(documents, Documents)
    assert documents.name == "google"


def test_an_unreadable_key_file_stops_start_up(google: FakeGoogle, tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text('{"type": "service_account"}')
    settings = Settings(google=google.settings(tmp_path, service_account_file=str(key_file)))
    with pytest.raises(StartupError, match=r"not a usable service account key"):
        build(settings)


async def test_create_folder_under_the_root_folder_on_the_shared_drive(
    google: FakeGoogle, documents: Documents
) -> None:
    folder = await documents.create_folder("INC-7 Database is down")

    stored = google.files[folder.id]
    assert stored.name == "INC-7 Database is down"
    assert stored.mime_type == "application/vnd.google-apps.folder"
    assert stored.parents == ["root-folder"]
    assert folder.weblink == stored.web_view_link
    (grant,) = google.token_grants
    assert grant["sub"] == "dispatchbot@example.com"
    assert grant["aud"] == "https://oauth2.googleapis.com/token"
    assert "https://www.googleapis.com/auth/drive" in grant["scope"].split()


async def test_copy_and_fill_replaces_every_placeholder(google: FakeGoogle, documents: Documents) -> None:
    folder = await documents.create_folder("INC-8")
    doc = await documents.copy_template(TEMPLATE, "INC-8 Incident document", folder.id)
    await documents.fill(
        doc.id, {"name": "INC-8", "title": "Payments fail", "commander_fullname": "Alice", "status": "Active"}
    )

    copied = google.files[doc.id]
    assert (copied.name, copied.parents) == ("INC-8 Incident document", [folder.id])
    assert doc.weblink == copied.web_view_link
    # matchCase: {{NAME}} is a different placeholder and stays.
    assert (
        google.document_text(doc.id)
        == "Incident INC-8: Payments fail\nCommander: Alice\nStatus Active ({{NAME}})"
    )
    assert google.document_text(TEMPLATE) == TEMPLATE_TEXT
    assert len(google.token_grants) == 1, "one access token serves every call"


async def test_share_gives_edit_access_without_emails_and_twice_is_fine(
    google: FakeGoogle, documents: Documents
) -> None:
    folder = await documents.create_folder("INC-9")
    await documents.share(folder.id, ["alice@example.com", "bob@example.com"])
    await documents.share(folder.id, ["alice@example.com"])

    assert google.files[folder.id].permissions == [
        {"type": "user", "role": "writer", "emailAddress": "alice@example.com"},
        {"type": "user", "role": "writer", "emailAddress": "bob@example.com"},
    ]
    assert google.files[folder.id].notified == []


async def test_share_reports_who_google_refused_and_shares_with_the_rest(
    google: FakeGoogle, documents: Documents
) -> None:
    google.accounts_without_google.add("guest@gmail.com")
    folder = await documents.create_folder("INC-9b")

    with pytest.raises(ProviderError, match=r"with guest@gmail\.com \(HTTP 400: You are trying to invite"):
        await documents.share(folder.id, ["guest@gmail.com", "alice@example.com"])
    assert google.files[folder.id].permissions == [
        {"type": "user", "role": "writer", "emailAddress": "alice@example.com"}
    ]


async def test_open_to_domain_lets_the_domain_comment(google: FakeGoogle, documents: Documents) -> None:
    doc = await documents.copy_template(TEMPLATE, "INC-10 Incident document", "root-folder")
    await documents.open_to_domain(doc.id, "example.com")

    assert google.files[doc.id].permissions == [
        {"type": "domain", "role": "commenter", "domain": "example.com"}
    ]


async def test_assigned_comments_follow_assignment_and_state(
    google: FakeGoogle, documents: Documents
) -> None:
    doc = await documents.copy_template(TEMPLATE, "INC-11 Incident document", "root-folder")
    start = datetime.now(UTC) - timedelta(seconds=1)
    first = google.add_comment(
        doc.id, "Roll back the deploy", "bob@example.com", author_email="alice@example.com"
    )
    second = google.add_comment(doc.id, "Tell support", "carol@example.com")

    assert await documents.assigned_comments(doc.id, start) == [
        AssignedComment(
            first, "Roll back the deploy", "bob@example.com", "alice@example.com", resolved=False
        ),
        AssignedComment(second, "Tell support", "carol@example.com", "author@example.com", resolved=False),
    ]

    checkpoint = datetime.now(UTC)
    google.reassign_comment(doc.id, first, "dave@example.com")
    assert await documents.assigned_comments(doc.id, checkpoint) == [
        AssignedComment(first, "Roll back the deploy", "dave@example.com", None, resolved=False)
    ]

    checkpoint = datetime.now(UTC)
    google.resolve_comment(doc.id, second)
    (resolved,) = await documents.assigned_comments(doc.id, checkpoint)
    assert (resolved.id, resolved.resolved) == (second, True)

    checkpoint = datetime.now(UTC)
    google.reopen_comment(doc.id, second)
    (reopened,) = await documents.assigned_comments(doc.id, checkpoint)
    assert (reopened.id, reopened.resolved) == (second, False)

    assert await documents.assigned_comments(doc.id, datetime.now(UTC) + timedelta(seconds=1)) == []


async def test_assigned_comments_page_through_activity_and_ask_people_for_emails(
    google: FakeGoogle, documents: Documents
) -> None:
    google.omit_assignee_emails = True
    doc = await documents.copy_template(TEMPLATE, "INC-12 Incident document", "root-folder")
    start = datetime.now(UTC) - timedelta(seconds=1)
    ids = [google.add_comment(doc.id, f"Task {n}", f"person{n}@example.com") for n in range(12)]

    found = await documents.assigned_comments(doc.id, start)

    assert [(c.id, c.assignee_email) for c in found] == [
        (i, f"person{n}@example.com") for n, i in enumerate(ids)
    ]
    assert google.requests.count(("POST", "/v2/activity:query")) == 2
    people_calls = [r for r in google.requests if r[1].startswith("/v1/people/")]
    assert len(people_calls) == 13, "each person once: twelve assignees and the one author"


async def test_set_comment_resolved_replies_once(google: FakeGoogle, documents: Documents) -> None:
    doc = await documents.copy_template(TEMPLATE, "INC-13 Incident document", "root-folder")
    comment_id = google.add_comment(doc.id, "Page the DBA", "bob@example.com")

    await documents.set_comment_resolved(doc.id, comment_id, True)
    await documents.set_comment_resolved(doc.id, comment_id, True)
    assert google.comment(doc.id, comment_id).resolved
    assert google.comment(doc.id, comment_id).replies == [{"content": RESOLVED_REPLY, "action": "resolve"}]

    await documents.set_comment_resolved(doc.id, comment_id, False)
    comment = google.comment(doc.id, comment_id)
    assert not comment.resolved
    assert [reply["action"] for reply in comment.replies] == ["resolve", "reopen"]


async def test_a_forged_key_is_rejected(google: FakeGoogle, tmp_path: Path) -> None:
    settings = google.settings(tmp_path)
    forged = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    google.write_key_file(Path(settings.service_account_file), private_key=forged)
    adapter = build(Settings(google=settings))
    assert adapter is not None

    with pytest.raises(ProviderError, match="invalid_grant"):
        await adapter.create_folder("INC-14")
    assert google.token_grants == []
    assert [path for _, path in google.requests] == ["/token"], "no API call without a token"


async def test_google_down_is_retried_a_bounded_number_of_times(
    google: FakeGoogle, documents: Documents
) -> None:
    await documents.create_folder("INC-15")
    google.down()
    google.requests.clear()

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="503") as caught:
        await documents.create_folder("INC-15 again")
    assert time.monotonic() - started < 3
    assert caught.value.provider == "Google"
    assert not caught.value.rate_limited
    assert len(google.requests) == 1 + QUICK.error_retries

    google.up()
    google.down("drive", times=1)  # 503: not made, so even a create is tried again
    await documents.create_folder("INC-15 after a blip")
    assert sum(f.name == "INC-15 after a blip" for f in google.files.values()) == 1


async def test_a_rate_limited_copy_waits_as_long_as_google_asks(
    google: FakeGoogle, documents: Documents
) -> None:
    folder = await documents.create_folder("INC-17")
    google.rate_limit(times=1, retry_after=1, method="POST", path="/drive/v3/files/*/copy")
    started = time.monotonic()
    doc = await documents.copy_template(TEMPLATE, "INC-17 Incident document", folder.id)
    assert time.monotonic() - started >= 1.0
    assert google.files[doc.id].parents == [folder.id]
    assert [f.id for f in google.files.values() if folder.id in f.parents] == [doc.id]

    google.rate_limit(times=None, retry_after=2, path="/drive/v3/files/*/copy")
    with pytest.raises(ProviderUnavailable, match="HTTP 429") as caught:
        await documents.copy_template(TEMPLATE, "INC-17 again", folder.id)
    assert caught.value.rate_limited


async def test_missing_template_is_a_plain_provider_error(documents: Documents) -> None:
    with pytest.raises(ProviderError, match=r"template no-such-doc: HTTP 404: File not found: no-such-doc"):
        await documents.copy_template("no-such-doc", "INC-16 Incident document", "root-folder")
