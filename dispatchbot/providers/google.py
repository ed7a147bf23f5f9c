"""The Google Workspace documents adapter: Drive folders and copies, Docs placeholders, sharing, and
comment tasks from Drive Activity, as a service account acting for a delegated user.

google-api-python-client is synchronous and its httplib2 transport is not thread-safe, so every attempt
at an adapter call runs in a worker thread with its own `Http` and freshly built services (static
discovery documents, a few milliseconds). The credentials are shared, so one access token serves many
calls. The client's own retries (`num_retries`) ignore Retry-After, so they stay off: the shared policy
of `providers/retries.py` retries 429 (and Drive's 403 rate limits), 5xx and lost connections within one
deadline per call. Every failure becomes a `ProviderError`: callers record the resource as failed and
offer a retry instead of failing the incident (`ProviderUnavailable`: their durable run retries too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from google.oauth2 import service_account
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from dispatchbot.config import GoogleSettings, Settings
from dispatchbot.errors import ProviderError, StartupError
from dispatchbot.providers.blocking import Checkpoint, failed, run_blocking
from dispatchbot.providers.documents import AssignedComment, Documents, StoredFile
from dispatchbot.providers.retries import CONNECTION_LOST, Refusal, RetryPolicy, Trouble, refusal_for_status

PROVIDER = "Google"
FOLDER_MIME_TYPE = "application/vnd.google-apps.folder"
DOCUMENT_MIME_TYPE = "application/vnd.google-apps.document"
SCOPES = (
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/documents",
    "https://www.googleapis.com/auth/drive.activity.readonly",
    "https://www.googleapis.com/auth/directory.readonly",  # People: a colleague's email from their id
)
TIMEOUT_SECONDS = 30.0
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
"""Drive answers some rate limits with 403 and one of these reasons instead of 429."""
RESOLVED_REPLY = "Resolved in Slack by dispatchbot"
REOPENED_REPLY = "Reopened in Slack by dispatchbot"
_COMMENT_FIELDS = "id,content,resolved,deleted,assigneeEmailAddress,author(displayName,emailAddress)"

T = TypeVar("T")


def build(settings: Settings) -> Documents | None:
    """The adapter, or None when no service account is configured."""
    google = settings.google
    if not google.service_account_file:
        return None
    return GoogleDocuments(google, _credentials(google), RetryPolicy.from_settings(settings.providers))


def _credentials(google: GoogleSettings) -> Any:
    """Service-account credentials with our token endpoint, acting as `delegated_user` when set
    (domain-wide delegation: files are owned by and shared as that Workspace user)."""
    path = Path(google.service_account_file)
    try:
        info = json.loads(path.read_text())
        info["token_uri"] = google.token_uri
        credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SCOPES)
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # The messages name missing fields or file errors, never key material.
        raise StartupError(
            f"[google] service_account_file {path}: not a usable service account key "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if google.delegated_user:
        credentials = credentials.with_subject(google.delegated_user)
    return credentials


@dataclass
class _CommentActivity:
    """What Drive Activity says about one comment thread: the newest assignee, and who added it."""

    assignee_person: str | None
    author_person: str | None = None


class _CheckedHttp(httplib2.Http):  # type: ignore[misc]  # httplib2 has no type hints
    """An `Http` that passes the attempt's checkpoint (`blocking.py`) before every request, the token
    grant's included: an attempt nobody waits for any more sends nothing more."""

    def __init__(self, checkpoint: Checkpoint) -> None:
        super().__init__(timeout=TIMEOUT_SECONDS)
        self._checkpoint = checkpoint

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self._checkpoint()
        return super().request(*args, **kwargs)


class _Session:
    """One worker thread's connection: its own Http, and services built on first use."""

    def __init__(self, credentials: Any, api_url: str, checkpoint: Checkpoint) -> None:
        self._http = google_auth_httplib2.AuthorizedHttp(credentials, http=_CheckedHttp(checkpoint))
        self._api_url = api_url.rstrip("/")
        self._services: dict[str, Any] = {}

    def service(self, name: str, version: str) -> Any:
        if name not in self._services:
            # Drive's discovery document has servicePath "drive/v3/", which the endpoint override replaces.
            path = "/drive/v3/" if name == "drive" else "/"
            options = {"api_endpoint": self._api_url + path} if self._api_url else None
            self._services[name] = discovery.build(
                name,
                version,
                http=self._http,
                static_discovery=True,
                cache_discovery=False,
                client_options=options,
            )
        return self._services[name]

    def execute(self, request: Any) -> dict[str, Any]:
        """Run one request, once: the whole call is retried instead (see `GoogleDocuments._run`)."""
        answer: dict[str, Any] = request.execute()
        return answer

    def close(self) -> None:
        self._http.close()


def _refusal(exc: BaseException) -> Refusal | None:
    """Whether a failed attempt may pass if tried again: 429 and Drive's 403 rate limits, 5xx (with any
    Retry-After Google sent), a token grant Google says to retry, and a request that got no answer."""
    if isinstance(exc, HttpError):
        if exc.resp.status == 403 and _rate_limit_reason(exc):
            return refusal_for_status(429, exc.resp)
        return refusal_for_status(exc.resp.status, exc.resp)
    if isinstance(exc, google.auth.exceptions.RefreshError):
        # Before any request of the call was sent: nothing was done yet.
        return Refusal(Trouble.UNAVAILABLE) if exc.retryable else None
    if isinstance(exc, google.auth.exceptions.TransportError | httplib2.HttpLib2Error | OSError):
        return CONNECTION_LOST
    return None


def _status(exc: Exception) -> int | None:
    return exc.resp.status if isinstance(exc, HttpError) else None


def _rate_limit_reason(exc: HttpError) -> bool:
    details = exc.error_details if isinstance(exc.error_details, list) else []
    return any(isinstance(item, dict) and item.get("reason") in RATE_LIMIT_REASONS for item in details)


def _detail(exc: Exception) -> str:
    """A plain description of a failure, for people and logs; never a token or key."""
    if isinstance(exc, HttpError):
        return f"HTTP {exc.resp.status}: {exc.reason}"
    if isinstance(exc, google.auth.exceptions.RefreshError):
        reason = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "no reason given"
        return f"could not get an access token ({reason})"
    if isinstance(exc, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS:.0f} s"
    return f"cannot reach Google ({type(exc).__name__}: {exc})"


class GoogleDocuments:
    """`Documents` on Google Drive and Docs."""

    name = "google"

    def __init__(self, settings: GoogleSettings, credentials: Any, policy: RetryPolicy) -> None:
        self._settings = settings
        self._credentials = credentials
        self._policy = policy

    async def _run(self, what: str, work: Callable[[_Session], T], *, idempotent: bool = True) -> T:
        """Run `work` in a thread, retried per the policy; `idempotent=False` for a call that makes
        something (a folder, a copy, a reply), which a repeat after a lost answer would make twice."""

        def in_thread(checkpoint: Checkpoint) -> T:
            session = _Session(self._credentials, self._settings.api_url, checkpoint)
            try:
                return work(session)
            finally:
                session.close()

        return await run_blocking(
            in_thread,
            provider=PROVIDER,
            name=self.name,
            what=what,
            policy=self._policy,
            failures=(HttpError, google.auth.exceptions.GoogleAuthError, httplib2.HttpLib2Error, OSError),
            translate=lambda exc: failed(PROVIDER, self.name, what, _detail(exc), status=_status(exc)),
            classify=_refusal,
            idempotent=idempotent,
        )

    async def create_folder(self, name: str) -> StoredFile:
        body: dict[str, Any] = {"name": name, "mimeType": FOLDER_MIME_TYPE}
        if self._settings.root_folder_id:
            body["parents"] = [self._settings.root_folder_id]

        def work(session: _Session) -> StoredFile:
            files = session.service("drive", "v3").files()
            request = files.create(body=body, supportsAllDrives=True, fields="id,webViewLink")
            return _stored(session.execute(request))

        return await self._run(f"could not create the folder {name!r}", work, idempotent=False)

    async def copy_template(self, template_id: str, name: str, folder_id: str) -> StoredFile:
        def work(session: _Session) -> StoredFile:
            files = session.service("drive", "v3").files()
            request = files.copy(
                fileId=template_id,
                body={"name": name, "parents": [folder_id]},
                supportsAllDrives=True,
                fields="id,webViewLink",
            )
            return _stored(session.execute(request))

        return await self._run(f"could not copy the template {template_id}", work, idempotent=False)

    async def fill(self, file_id: str, values: dict[str, str]) -> None:
        if not values:
            return
        requests = [
            {
                "replaceAllText": {
                    "containsText": {"text": f"{{{{{key}}}}}", "matchCase": True},
                    "replaceText": value,
                }
            }
            for key, value in values.items()
        ]

        def work(session: _Session) -> None:
            documents = session.service("docs", "v1").documents()
            session.execute(documents.batchUpdate(documentId=file_id, body={"requests": requests}))

        await self._run(f"could not fill in the document {file_id}", work)

    async def share(self, file_id: str, emails: list[str]) -> None:
        """Share with each person separately, so one address Google refuses does not stop the others;
        creating a permission someone already has just succeeds again."""

        def work(session: _Session) -> None:
            permissions = session.service("drive", "v3").permissions()
            refused: list[str] = []
            for email in dict.fromkeys(emails):
                request = permissions.create(
                    fileId=file_id,
                    body={"type": "user", "role": "writer", "emailAddress": email},
                    sendNotificationEmail=False,
                    supportsAllDrives=True,
                    fields="id",
                )
                try:
                    session.execute(request)
                except HttpError as exc:
                    if exc.resp.status not in {400, 403}:
                        raise
                    refused.append(f"{email} ({_detail(exc)})")
            if refused:
                raise ProviderError(PROVIDER, f"could not share {file_id} with {', '.join(refused)}")

        await self._run(f"could not share {file_id}", work)

    async def open_to_domain(self, file_id: str, domain: str) -> None:
        def work(session: _Session) -> None:
            permissions = session.service("drive", "v3").permissions()
            request = permissions.create(
                fileId=file_id,
                body={"type": "domain", "role": "commenter", "domain": domain},
                supportsAllDrives=True,
                fields="id",
            )
            session.execute(request)

        await self._run(f"could not open {file_id} to {domain}", work)

    async def assigned_comments(self, file_id: str, since: datetime) -> list[AssignedComment]:
        """Drive Activity names the comments whose assignment changed (added, reassigned, resolved,
        reopened) since `since`; each comment's current state then comes from Drive, and email
        addresses Drive leaves out from People."""

        def work(session: _Session) -> list[AssignedComment]:
            threads = _comment_activity(session, file_id, since)
            people: dict[str, str | None] = {}
            found: list[AssignedComment] = []
            for comment_id, activity in threads.items():
                comment = _current_comment(session, file_id, comment_id)
                if comment is None:
                    continue
                assignee = comment.get("assigneeEmailAddress") or _email(
                    session, people, activity.assignee_person
                )
                if not assignee:
                    continue
                author = (comment.get("author") or {}).get("emailAddress") or _email(
                    session, people, activity.author_person
                )
                found.append(
                    AssignedComment(
                        id=comment_id,
                        content=str(comment.get("content") or ""),
                        assignee_email=assignee,
                        author_email=author,
                        resolved=bool(comment.get("resolved")),
                    )
                )
            return found

        return await self._run(f"could not read the comments of {file_id}", work)

    async def set_comment_resolved(self, file_id: str, comment_id: str, resolved: bool) -> None:
        """Reply with a resolve or reopen action, unless the comment is already that way: a redelivered
        request must not add a second reply."""

        def work(session: _Session) -> None:
            comments = session.service("drive", "v3").comments()
            current = session.execute(
                comments.get(fileId=file_id, commentId=comment_id, fields="id,resolved")
            )
            if bool(current.get("resolved")) == resolved:
                return
            body = (
                {"content": RESOLVED_REPLY, "action": "resolve"}
                if resolved
                else {
                    "content": REOPENED_REPLY,
                    "action": "reopen",
                }
            )
            replies = session.service("drive", "v3").replies()
            request = replies.create(fileId=file_id, commentId=comment_id, body=body, fields="id")
            session.execute(request)

        verb = "resolve" if resolved else "reopen"
        await self._run(f"could not {verb} comment {comment_id} in {file_id}", work)

    # -------------------------------------------------------- health (doctor)

    async def check_access(self) -> str:
        """A token grant (the key, and the domain-wide delegation when `delegated_user` is set), then the
        root folder when one is configured."""
        acting_as = self._settings.delegated_user or "the service account"
        folder_id = self._settings.root_folder_id

        def work(session: _Session) -> str:
            if not folder_id:
                self._credentials.refresh(
                    google_auth_httplib2.Request(httplib2.Http(timeout=TIMEOUT_SECONDS))
                )
                return f"token granted to {acting_as}"
            files = session.service("drive", "v3").files()
            folder = session.execute(files.get(fileId=folder_id, supportsAllDrives=True, fields="id,name"))
            return f"token granted to {acting_as}; root folder {folder.get('name')!r} readable"

        return await self._run("could not reach Drive", work)

    async def check_file(self, file_id: str) -> str:
        def work(session: _Session) -> str:
            files = session.service("drive", "v3").files()
            found = session.execute(
                files.get(fileId=file_id, supportsAllDrives=True, fields="id,name,mimeType")
            )
            if found.get("mimeType") != DOCUMENT_MIME_TYPE:
                raise ProviderError(
                    PROVIDER,
                    f"{file_id} is a {found.get('mimeType')}, not a Google Doc: it cannot be filled in",
                )
            return repr(str(found.get("name") or file_id))

        return await self._run(f"could not read the template {file_id}", work)


def _stored(resource: dict[str, Any]) -> StoredFile:
    return StoredFile(id=str(resource["id"]), weblink=str(resource.get("webViewLink") or ""))


def _rfc3339(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _person(user: dict[str, Any] | None) -> str | None:
    known = (user or {}).get("knownUser") or {}
    name = known.get("personName")
    return str(name) if name else None


def _comment_activity(session: _Session, file_id: str, since: datetime) -> dict[str, _CommentActivity]:
    """Comment threads with assignment actions since `since`, oldest first. Activities come newest
    first, so the first assignee seen is the current one and the last ADDED actor is the author."""
    activity = session.service("driveactivity", "v2").activity()
    body: dict[str, Any] = {
        "itemName": f"items/{file_id}",
        "filter": f'time >= "{_rfc3339(since)}" AND detail.action_detail_case:COMMENT',
    }
    threads: dict[str, _CommentActivity] = {}
    while True:
        page = session.execute(activity.query(body=body))
        for entry in page.get("activities") or []:
            for action in entry.get("actions") or []:
                assignment = ((action.get("detail") or {}).get("comment") or {}).get("assignment")
                target = (action.get("target") or (entry.get("targets") or [{}])[0]).get("fileComment") or {}
                comment_id = target.get("legacyDiscussionId")
                if assignment is None or not comment_id:
                    continue
                thread = threads.get(str(comment_id))
                if thread is None:
                    thread = threads[str(comment_id)] = _CommentActivity(
                        _person(assignment.get("assignedUser"))
                    )
                if assignment.get("subtype") == "ADDED":
                    actor = action.get("actor") or (entry.get("actors") or [{}])[0]
                    thread.author_person = _person(actor.get("user"))
        token = page.get("nextPageToken")
        if not token:
            return dict(reversed(threads.items()))
        body["pageToken"] = token


def _current_comment(session: _Session, file_id: str, comment_id: str) -> dict[str, Any] | None:
    """The comment as it is now, or None once it is deleted."""
    comments = session.service("drive", "v3").comments()
    try:
        comment = session.execute(comments.get(fileId=file_id, commentId=comment_id, fields=_COMMENT_FIELDS))
    except HttpError as exc:
        if exc.resp.status == 404:
            return None
        raise
    return None if comment.get("deleted") else comment


def _email(session: _Session, cache: dict[str, str | None], person: str | None) -> str | None:
    """A person's primary email from People (`people/<id>` as Drive Activity names them)."""
    if person is None:
        return None
    if person not in cache:
        people = session.service("people", "v1").people()
        found = session.execute(people.get(resourceName=person, personFields="emailAddresses"))
        addresses = found.get("emailAddresses") or []
        primary = next((a for a in addresses if (a.get("metadata") or {}).get("primary")), None)
        chosen = primary or (addresses[0] if addresses else None)
        cache[person] = str(chosen["value"]) if chosen and chosen.get("value") else None
    return cache[person]
