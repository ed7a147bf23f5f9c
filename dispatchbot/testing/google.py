"""``FakeGoogle``: one aiohttp server on 127.0.0.1 playing Google's OAuth token endpoint, Drive v3, Docs
v1, Drive Activity v2 and People v1, with the state tests assert on.

The real google-auth and google-api-python-client talk to it (``api_url`` as the endpoint override,
``token_uri`` for the JWT grant), so a test exercises the same signing, discovery, encodings and error
handling as production. It is strict where a lenient fake would hide a bug: the JWT grant is verified
against the key's public half, every API call needs a token it issued with a fitting scope, shared-drive
files are invisible without ``supportsAllDrives``, and comments need ``fields`` as on Google. Outages
(503) and rate limits (429, with ``Retry-After`` when asked) can be injected per API or per request.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import google.auth.exceptions
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

from dispatchbot.config import GoogleSettings
from dispatchbot.testing.http_faults import HttpFaults
from dispatchbot.testing.local_server import LocalServer

JSON = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FOLDER_MIME_TYPE = "application/vnd.google-apps.folder"
DOCUMENT_MIME_TYPE = "application/vnd.google-apps.document"
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ROOT_FOLDER_ID = "root-folder"
SHARED_DRIVE_ID = "shared-drive"
KEY_ID = "fake-key-1"
CLIENT_EMAIL = "dispatchbot@fake-project.iam.gserviceaccount.com"
APIS = ("drive", "docs", "activity", "people", "token")
_API_PATHS = {
    "token": "/token",
    "drive": "/drive/v3/*",
    "docs": "/v1/documents*",
    "activity": "/v2/activity*",
    "people": "/v1/people*",
}
_SCOPE = "https://www.googleapis.com/auth/"
_ACCEPTED_SCOPES = {
    "drive": {f"{_SCOPE}drive", f"{_SCOPE}drive.file"},
    "docs": {f"{_SCOPE}documents", f"{_SCOPE}drive", f"{_SCOPE}drive.file"},
    "activity": {f"{_SCOPE}drive.activity", f"{_SCOPE}drive.activity.readonly"},
    "people": {f"{_SCOPE}directory.readonly", f"{_SCOPE}contacts.readonly", f"{_SCOPE}contacts"},
}
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
}
_TIME_TERM = re.compile(r'^time\s*(>=|<=|>|<)\s*(?:"([^"]+)"|(\d+))$')
_CASE_TERM = re.compile(r"^detail\.action_detail_case\s*:\s*(?:\(([A-Z_ ]+)\)|([A-Z_]+))$")
_DEFAULT_ACTIVITY_PAGE = 10


@dataclass
class FakeComment:
    """A comment thread; ``replies`` are those made through the API (``{"content", "action"}``)."""

    id: str
    content: str
    author_email: str
    assignee_email: str | None
    created: datetime
    resolved: bool = False
    deleted: bool = False
    replies: list[dict[str, str | None]] = field(default_factory=list)


@dataclass
class FakeFile:
    """A Drive file. ``permissions`` hold ``{"type", "role", "emailAddress" | "domain"}``;
    ``notified`` lists the people a sharing email went to (the bot should send none)."""

    id: str
    name: str
    mime_type: str
    parents: list[str]
    web_view_link: str
    text: str = ""
    drive_id: str | None = None
    permissions: list[dict[str, str]] = field(default_factory=list)
    comments: dict[str, FakeComment] = field(default_factory=dict)
    notified: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Grant:
    subject: str | None
    scopes: frozenset[str]


@dataclass(frozen=True)
class _Activity:
    """One Drive Activity COMMENT action on an assigned comment."""

    file_id: str
    comment_id: str
    time: datetime
    actor_email: str
    subtype: str
    assignee_email: str | None


_GRANT = web.RequestKey("grant", _Grant)


class _GoogleError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error_response(status: int, message: str) -> web.Response:
    """Google's JSON error body; googleapiclient's ``HttpError`` reads ``error.message`` from it."""
    name = _STATUS_NAMES.get(status, "UNKNOWN")
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": name,
            "errors": [{"message": message, "domain": "global", "reason": name.lower()}],
        }
    }
    return web.json_response(body, status=status)


def _api_path(api: str | None) -> str | None:
    """The path glob of one of ``APIS``; None (every path) for None."""
    if api is None:
        return None
    if api not in _API_PATHS:
        raise ValueError(f"unknown api {api!r}; expected one of {APIS}")
    return _API_PATHS[api]


def _api_of(path: str) -> str | None:
    if path == "/token":
        return "token"
    if path.startswith("/drive/v3/"):
        return "drive"
    if path.startswith("/v1/documents"):
        return "docs"
    if path.startswith("/v2/activity"):
        return "activity"
    if path.startswith("/v1/people"):
        return "people"
    return None


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _top_level_fields(fields: str) -> set[str]:
    """``"id,author(displayName),files/name"`` -> ``{"id", "author", "files"}``: a coarse field mask."""
    depth, flat = 0, []
    for char in fields:
        depth += char == "("
        if depth == 0:
            flat.append(char)
        depth -= char == ")"
    return {part.split("/")[0].strip() for part in "".join(flat).split(",") if part.strip()}


def _select(resource: JSON, fields: str | None, default: tuple[str, ...]) -> JSON:
    """Answer with the fields asked for, as Drive does (only a few without ``fields``)."""
    if fields is not None and fields.strip() == "*":
        return resource
    wanted = set(default) if fields is None else _top_level_fields(fields)
    return {key: value for key, value in resource.items() if key in wanted}


def _is_true(request: web.Request, name: str) -> bool:
    return request.query.get(name, "false").lower() == "true"


async def _json_body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise _GoogleError(400, "Invalid JSON payload received.") from exc
    if not isinstance(body, dict):
        raise _GoogleError(400, "Invalid JSON payload received.")
    return body


def _time_filter(operator: str, quoted: str | None, millis: str | None) -> Callable[[_Activity], bool]:
    try:
        bound = (
            datetime.fromisoformat(quoted)
            if quoted is not None
            else datetime.fromtimestamp(int(millis or "0") / 1000, UTC)
        )
    except ValueError as exc:
        raise _GoogleError(400, f"Invalid time in filter: {quoted}") from exc
    if bound.tzinfo is None:
        raise _GoogleError(400, f"Invalid time in filter (no offset): {quoted}")
    comparisons: dict[str, Callable[[_Activity], bool]] = {
        ">=": lambda activity: activity.time >= bound,
        ">": lambda activity: activity.time > bound,
        "<=": lambda activity: activity.time <= bound,
        "<": lambda activity: activity.time < bound,
    }
    return comparisons[operator]


def _activity_filter(text: str) -> Callable[[_Activity], bool]:
    """Drive Activity's filter language, the part the bot uses: ``time`` bounds (RFC 3339 in quotes or
    epoch milliseconds) and ``detail.action_detail_case``, joined by ``AND``. Every recorded activity is
    a COMMENT action, so a case filter either keeps them all or none."""
    checks: list[Callable[[_Activity], bool]] = []
    for term in (part.strip() for part in text.split(" AND ") if part.strip()):
        if match := _TIME_TERM.match(term):
            checks.append(_time_filter(match[1], match[2], match[3]))
        elif match := _CASE_TERM.match(term):
            if "COMMENT" not in (match[1] or match[2]).split():
                checks.append(lambda _activity: False)
        else:
            raise _GoogleError(400, f"Invalid filter: {term}")
    return lambda activity: all(check(activity) for check in checks)


class FakeGoogle(LocalServer):
    """Google Workspace for one domain, with a shared drive whose folder ``root-folder`` holds incidents."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.files: dict[str, FakeFile] = {}
        self.token_grants: list[JSON] = []
        """The verified claims (iss, sub, scope, aud, ...) of every JWT grant the token endpoint accepted."""
        self.requests: list[tuple[str, str]] = []
        """(HTTP method, path) of every request, faulted or not, in order."""
        self.omit_assignee_emails = False
        """Leave ``assigneeEmailAddress`` out of comments, so clients must ask People about the assignee."""
        self.accounts_without_google: set[str] = set()
        """Addresses with no Google account: Drive refuses to share with them without a notification email."""
        self._clock = clock or (lambda: datetime.now(UTC))
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = self._private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self._certs = {KEY_ID: public_pem.decode()}
        self._tokens: dict[str, _Grant] = {}
        self._faults = HttpFaults()
        self._activities: list[_Activity] = []
        self._people: dict[str, str] = {}
        """Email -> People resource name."""
        self._counter = 0
        self.files[ROOT_FOLDER_ID] = FakeFile(
            id=ROOT_FOLDER_ID,
            name="Incidents",
            mime_type=FOLDER_MIME_TYPE,
            parents=[SHARED_DRIVE_ID],
            web_view_link=f"https://drive.google.com/drive/folders/{ROOT_FOLDER_ID}",
            drive_id=SHARED_DRIVE_ID,
        )

    # --------------------------------------------------------------- lifecycle

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        routes = app.router
        routes.add_post("/token", self._token)
        routes.add_post("/drive/v3/files", self._files_create)
        routes.add_get("/drive/v3/files/{file_id}", self._files_get)
        routes.add_post("/drive/v3/files/{file_id}/copy", self._files_copy)
        routes.add_get("/drive/v3/files/{file_id}/permissions", self._permissions_list)
        routes.add_post("/drive/v3/files/{file_id}/permissions", self._permissions_create)
        routes.add_get("/drive/v3/files/{file_id}/comments", self._comments_list)
        routes.add_get("/drive/v3/files/{file_id}/comments/{comment_id}", self._comments_get)
        routes.add_post("/drive/v3/files/{file_id}/comments/{comment_id}/replies", self._replies_create)
        routes.add_get("/v1/documents/{document_id}", self._documents_get)
        routes.add_post("/v1/documents/{document_id}:batchUpdate", self._documents_batch_update)
        routes.add_post("/v2/activity:query", self._activity_query)
        routes.add_get("/v1/people/{person_id}", self._people_get)
        return app

    @property
    def token_uri(self) -> str:
        return f"{self.api_url}/token"

    def settings(self, directory: Path, **overrides: Any) -> GoogleSettings:
        """Write a service-account key into ``directory`` and return settings that use this fake."""
        key_file = directory / "google-service-account.json"
        self.write_key_file(key_file)
        values: JSON = {
            "api_url": self.api_url,
            "token_uri": self.token_uri,
            "service_account_file": str(key_file),
            "delegated_user": "dispatchbot@example.com",
            "root_folder_id": ROOT_FOLDER_ID,
            "domain": "example.com",
        }
        return GoogleSettings(**(values | overrides))

    def write_key_file(self, path: Path, private_key: rsa.RSAPrivateKey | None = None) -> None:
        """A service-account JSON key file; pass another ``private_key`` to forge one the fake rejects."""
        pem = (private_key or self._private_key).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        info = {
            "type": "service_account",
            "project_id": "fake-project",
            "private_key_id": KEY_ID,
            "private_key": pem.decode(),
            "client_email": CLIENT_EMAIL,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
        }
        path.write_text(json.dumps(info))

    # ------------------------------------------------------------------- setup

    def add_template(self, file_id: str, name: str, text: str) -> None:
        """A Google Doc on the shared drive whose body is ``text``."""
        self.files[file_id] = self._new_file(file_id, name, DOCUMENT_MIME_TYPE, [ROOT_FOLDER_ID], text)

    def add_comment(
        self, file_id: str, content: str, assignee_email: str, author_email: str = "author@example.com"
    ) -> str:
        """A comment assigned to someone, as a person adds it in Docs; returns the comment id."""
        comment = FakeComment(
            id=self._new_id("comment"),
            content=content,
            author_email=author_email,
            assignee_email=assignee_email,
            created=self._clock(),
        )
        self.files[file_id].comments[comment.id] = comment
        self._record(file_id, comment, "ADDED", author_email)
        return comment.id

    def reassign_comment(self, file_id: str, comment_id: str, assignee_email: str) -> None:
        comment = self.comment(file_id, comment_id)
        comment.assignee_email = assignee_email
        self._record(file_id, comment, "REASSIGNED", comment.author_email)

    def resolve_comment(self, file_id: str, comment_id: str) -> None:
        comment = self.comment(file_id, comment_id)
        comment.resolved = True
        self._record(file_id, comment, "RESOLVED", comment.assignee_email or comment.author_email)

    def reopen_comment(self, file_id: str, comment_id: str) -> None:
        comment = self.comment(file_id, comment_id)
        comment.resolved = False
        self._record(file_id, comment, "REOPENED", comment.author_email)

    # ------------------------------------------------------------------ faults

    def down(
        self, api: str | None = None, times: int | None = None, *, retry_after: float | str | None = None
    ) -> None:
        """Answer 503 for ``api`` (one of ``APIS``; None: all), ``times`` times or until ``up()``."""
        self._faults.add(503, times=times, retry_after=retry_after, path=_api_path(api))

    def rate_limit(
        self,
        api: str | None = None,
        times: int | None = 1,
        *,
        retry_after: float | str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer 429 (``Retry-After`` when given) for ``api`` (None: all) or for the requests ``method``
        and ``path`` (a glob, e.g. ``/drive/v3/files/*/copy``) match, ``times`` times or until ``up()``."""
        where = path or _api_path(api)
        self._faults.add(429, times=times, retry_after=retry_after, method=method, path=where)

    def up(self) -> None:
        self._faults.clear()

    # ----------------------------------------------------------------- reading

    def document_text(self, file_id: str) -> str:
        return self.files[file_id].text

    def comment(self, file_id: str, comment_id: str) -> FakeComment:
        return self.files[file_id].comments[comment_id]

    def person_name(self, email: str) -> str:
        """The People resource name (``people/...``) Drive Activity uses for this person."""
        if email not in self._people:
            self._people[email] = f"people/{110000000000000000000 + len(self._people) + 1}"
        return self._people[email]

    # -------------------------------------------------------------- internals

    def _new_id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}-{self._counter}"

    def _new_file(self, file_id: str, name: str, mime_type: str, parents: list[str], text: str) -> FakeFile:
        link = (
            f"https://drive.google.com/drive/folders/{file_id}"
            if mime_type == FOLDER_MIME_TYPE
            else f"https://docs.google.com/document/d/{file_id}/edit?usp=drivesdk"
        )
        drive_id = next((self.files[p].drive_id for p in parents if p in self.files), None)
        return FakeFile(file_id, name, mime_type, list(parents), link, text, drive_id)

    def _record(self, file_id: str, comment: FakeComment, subtype: str, actor_email: str) -> None:
        self._activities.append(
            _Activity(file_id, comment.id, self._clock(), actor_email, subtype, comment.assignee_email)
        )

    def _authorize(self, request: web.Request, api: str) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        grant = self._tokens.get(token)
        if grant is None:
            return _error_response(401, "Request had invalid authentication credentials.")
        if not grant.scopes & _ACCEPTED_SCOPES[api]:
            return _error_response(403, "Request had insufficient authentication scopes.")
        request[_GRANT] = grant
        return None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        api = _api_of(request.path)
        if api is None:
            return _error_response(404, f"The requested URL {request.path} was not found on this server.")
        fault = self._faults.take(request.method, request.path)
        if fault is not None:
            if api == "token":
                faulted = web.json_response({"error": "temporarily_unavailable"}, status=fault.status)
            elif fault.status == 429:
                faulted = _error_response(429, "Quota exceeded: too many requests.")
            else:
                faulted = _error_response(fault.status, "The service is currently unavailable.")
            if fault.retry_after is not None:
                faulted.headers["Retry-After"] = fault.retry_after
            return faulted
        if api != "token" and (refusal := self._authorize(request, api)) is not None:
            return refusal
        try:
            return await handler(request)
        except _GoogleError as exc:
            return _error_response(exc.status, exc.message)

    def _file(self, request: web.Request, file_id: str, *, drive_call: bool = True) -> FakeFile:
        """A file the caller may see: shared-drive items need ``supportsAllDrives`` on Drive calls."""
        found = self.files.get(file_id)
        hidden = (
            drive_call and found is not None and found.drive_id and not _is_true(request, "supportsAllDrives")
        )
        if found is None or hidden:
            raise _GoogleError(404, f"File not found: {file_id}.")
        return found

    def _comment(self, request: web.Request) -> FakeComment:
        file = self._file(request, request.match_info["file_id"], drive_call=False)
        comment_id = request.match_info["comment_id"]
        comment = file.comments.get(comment_id)
        if comment is None or (comment.deleted and not _is_true(request, "includeDeleted")):
            raise _GoogleError(404, f"Comment not found: {comment_id}.")
        return comment

    @staticmethod
    def _require_fields(request: web.Request) -> str:
        fields = request.query.get("fields")
        if not fields:
            raise _GoogleError(400, "The 'fields' parameter is required for this method.")
        return fields

    def _actor(self, request: web.Request) -> str:
        grant = request[_GRANT]
        return grant.subject or CLIENT_EMAIL

    # ------------------------------------------------------------------- token

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != JWT_BEARER_GRANT:
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        assertion = form.get("assertion")
        try:
            if not isinstance(assertion, str):
                raise ValueError("no assertion")
            claims: JSON = jwt.decode(  # type: ignore[no-untyped-call]
                assertion, certs=self._certs, audience=TOKEN_AUDIENCE
            )
        except (ValueError, google.auth.exceptions.GoogleAuthError):
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, status=401
            )
        if claims.get("iss") != CLIENT_EMAIL or not claims.get("scope"):
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Invalid JWT: unknown issuer or no scope."},
                status=401,
            )
        self.token_grants.append(claims)
        token = f"ya29.fake-{secrets.token_urlsafe(16)}"
        self._tokens[token] = _Grant(claims.get("sub"), frozenset(str(claims["scope"]).split()))
        return web.json_response({"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    # ------------------------------------------------------------------- drive

    def _file_resource(self, file: FakeFile) -> JSON:
        resource: JSON = {
            "kind": "drive#file",
            "id": file.id,
            "name": file.name,
            "mimeType": file.mime_type,
            "parents": file.parents,
            "webViewLink": file.web_view_link,
        }
        if file.drive_id:
            resource["driveId"] = file.drive_id
        return resource

    def _respond_file(self, request: web.Request, file: FakeFile) -> web.Response:
        resource = self._file_resource(file)
        return web.json_response(
            _select(resource, request.query.get("fields"), ("kind", "id", "name", "mimeType"))
        )

    def _parents(self, request: web.Request, parents: Any) -> list[str]:
        if parents is None:
            return []
        if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
            raise _GoogleError(400, "Invalid value for parents.")
        for parent in parents:
            if self._file(request, parent).mime_type != FOLDER_MIME_TYPE:
                raise _GoogleError(400, f"The parent {parent} is not a folder.")
        return list(parents)

    async def _files_create(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        parents = self._parents(request, body.get("parents"))
        mime_type = str(body.get("mimeType") or "application/octet-stream")
        file = self._new_file(
            self._new_id("file"), str(body.get("name") or "Untitled"), mime_type, parents, ""
        )
        self.files[file.id] = file
        return self._respond_file(request, file)

    async def _files_get(self, request: web.Request) -> web.Response:
        return self._respond_file(request, self._file(request, request.match_info["file_id"]))

    async def _files_copy(self, request: web.Request) -> web.Response:
        source = self._file(request, request.match_info["file_id"])
        if source.mime_type == FOLDER_MIME_TYPE:
            raise _GoogleError(403, "This file cannot be copied by the user.")
        body = await _json_body(request)
        parents = self._parents(request, body.get("parents")) or list(source.parents)
        name = str(body.get("name") or f"Copy of {source.name}")
        copy = self._new_file(self._new_id("file"), name, source.mime_type, parents, source.text)
        self.files[copy.id] = copy
        return self._respond_file(request, copy)

    @staticmethod
    def _permission_resource(index: int, permission: dict[str, str]) -> JSON:
        return {"kind": "drive#permission", "id": f"permission-{index}", **permission}

    async def _permissions_list(self, request: web.Request) -> web.Response:
        file = self._file(request, request.match_info["file_id"])
        listed = [self._permission_resource(i, p) for i, p in enumerate(file.permissions)]
        return web.json_response({"kind": "drive#permissionList", "permissions": listed})

    async def _permissions_create(self, request: web.Request) -> web.Response:
        file = self._file(request, request.match_info["file_id"])
        body = await _json_body(request)
        kind, role = body.get("type"), body.get("role")
        if kind not in {"user", "group", "domain", "anyone"}:
            raise _GoogleError(400, f"Invalid permission type: {kind}.")
        if role not in {"owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"}:
            raise _GoogleError(400, f"Invalid permission role: {role}.")
        permission = {"type": kind, "role": role}
        if kind in {"user", "group"}:
            if not body.get("emailAddress"):
                raise _GoogleError(400, "The permission requires an emailAddress.")
            permission["emailAddress"] = str(body["emailAddress"])
            notify = (
                _is_true(request, "sendNotificationEmail") or "sendNotificationEmail" not in request.query
            )
            if permission["emailAddress"] in self.accounts_without_google and not notify:
                raise _GoogleError(
                    400,
                    f"You are trying to invite {permission['emailAddress']}. Since there is no Google "
                    "account associated with this email address, you must check the 'Notify people' box.",
                )
            if notify:
                file.notified.append(permission["emailAddress"])
        elif kind == "domain":
            if not body.get("domain"):
                raise _GoogleError(400, "The permission requires a domain.")
            permission["domain"] = str(body["domain"])
        same_grantee = [
            i
            for i, p in enumerate(file.permissions)
            if {k: v for k, v in p.items() if k != "role"}
            == {k: v for k, v in permission.items() if k != "role"}
        ]
        if same_grantee:
            index = same_grantee[0]
            file.permissions[index] = permission
        else:
            index = len(file.permissions)
            file.permissions.append(permission)
        resource = self._permission_resource(index, permission)
        return web.json_response(
            _select(resource, request.query.get("fields"), ("kind", "id", "type", "role"))
        )

    def _comment_resource(self, comment: FakeComment) -> JSON:
        resource: JSON = {
            "kind": "drive#comment",
            "id": comment.id,
            "createdTime": _rfc3339(comment.created),
            "modifiedTime": _rfc3339(comment.created),
            "author": {"kind": "drive#user", "displayName": comment.author_email.split("@")[0], "me": False},
            "deleted": comment.deleted,
            "resolved": comment.resolved,
            "content": "" if comment.deleted else comment.content,
            "mentionedEmailAddresses": [comment.assignee_email] if comment.assignee_email else [],
            "replies": [
                {"kind": "drive#reply", "id": f"{comment.id}-reply-{i}", **reply}
                for i, reply in enumerate(comment.replies)
            ],
        }
        if comment.assignee_email and not self.omit_assignee_emails:
            resource["assigneeEmailAddress"] = comment.assignee_email
        return resource

    async def _comments_list(self, request: web.Request) -> web.Response:
        fields = self._require_fields(request)
        file = self._file(request, request.match_info["file_id"], drive_call=False)
        include_deleted = _is_true(request, "includeDeleted")
        listed = [
            self._comment_resource(c) for c in file.comments.values() if include_deleted or not c.deleted
        ]
        return web.json_response(_select({"kind": "drive#commentList", "comments": listed}, fields, ()))

    async def _comments_get(self, request: web.Request) -> web.Response:
        fields = self._require_fields(request)
        return web.json_response(_select(self._comment_resource(self._comment(request)), fields, ()))

    async def _replies_create(self, request: web.Request) -> web.Response:
        fields = self._require_fields(request)
        file_id = request.match_info["file_id"]
        comment = self._comment(request)
        body = await _json_body(request)
        action, content = body.get("action"), str(body.get("content") or "")
        if action not in {None, "resolve", "reopen"}:
            raise _GoogleError(400, f"Invalid reply action: {action}.")
        if not content and action is None:
            raise _GoogleError(400, "A reply needs content or an action.")
        comment.replies.append({"content": content, "action": action})
        if action is not None:
            comment.resolved = action == "resolve"
            if comment.assignee_email:
                subtype = "RESOLVED" if comment.resolved else "REOPENED"
                self._record(file_id, comment, subtype, self._actor(request))
        reply = {
            "kind": "drive#reply",
            "id": f"{comment.id}-reply-{len(comment.replies) - 1}",
            "content": content,
            "action": action,
        }
        return web.json_response(_select(reply, fields, ()))

    # -------------------------------------------------------------------- docs

    def _document(self, request: web.Request) -> FakeFile:
        document_id = request.match_info["document_id"]
        file = self.files.get(document_id)
        if file is None:
            raise _GoogleError(404, "Requested entity was not found.")
        if file.mime_type != DOCUMENT_MIME_TYPE:
            raise _GoogleError(400, "This operation is not supported for this document.")
        return file

    async def _documents_get(self, request: web.Request) -> web.Response:
        file = self._document(request)
        content = [{"paragraph": {"elements": [{"textRun": {"content": file.text}}]}}]
        return web.json_response({"documentId": file.id, "title": file.name, "body": {"content": content}})

    async def _documents_batch_update(self, request: web.Request) -> web.Response:
        file = self._document(request)
        body = await _json_body(request)
        text, replies = file.text, []
        for item in body.get("requests") or []:
            replace = item.get("replaceAllText") if isinstance(item, dict) else None
            if not isinstance(replace, dict):
                raise _GoogleError(400, f"Unsupported request (the fake supports replaceAllText): {item}")
            contains = replace.get("containsText") or {}
            needle = str(contains.get("text") or "")
            if not needle:
                raise _GoogleError(400, "replaceAllText needs containsText.text.")
            match_case = contains.get("matchCase") in {True, "true"}
            pattern = re.compile(re.escape(needle), 0 if match_case else re.IGNORECASE)
            replacement = str(replace.get("replaceText") or "")
            text, count = pattern.subn(replacement.replace("\\", "\\\\"), text)
            replies.append({"replaceAllText": {"occurrencesChanged": count} if count else {}})
        file.text = text
        return web.json_response({"documentId": file.id, "replies": replies, "writeControl": {}})

    # ---------------------------------------------------------------- activity

    def _activity_resource(self, activity: _Activity) -> JSON:
        file = self.files[activity.file_id]
        assignment: JSON = {"subtype": activity.subtype}
        if activity.assignee_email:
            assignment["assignedUser"] = {
                "knownUser": {"personName": self.person_name(activity.assignee_email)}
            }
        detail = {"comment": {"assignment": assignment}}
        actor = {"user": {"knownUser": {"personName": self.person_name(activity.actor_email)}}}
        target = {
            "fileComment": {
                "legacyCommentId": activity.comment_id,
                "legacyDiscussionId": activity.comment_id,
                "linkToDiscussion": f"{file.web_view_link}&disco={activity.comment_id}",
                "parent": {"name": f"items/{file.id}", "title": file.name, "mimeType": file.mime_type},
            }
        }
        timestamp = _rfc3339(activity.time)
        return {
            "primaryActionDetail": detail,
            "actors": [actor],
            "actions": [{"detail": detail, "actor": actor, "target": target, "timestamp": timestamp}],
            "targets": [target],
            "timestamp": timestamp,
        }

    async def _activity_query(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        item_name = str(body.get("itemName") or "")
        if not item_name.startswith("items/"):
            raise _GoogleError(400, "The fake supports itemName=items/<file id> queries only.")
        file_id = item_name.removeprefix("items/")
        matches = _activity_filter(str(body.get("filter") or ""))
        found = [a for a in reversed(self._activities) if a.file_id == file_id and matches(a)]
        try:
            start = int(body.get("pageToken") or 0)
            size = int(body.get("pageSize") or _DEFAULT_ACTIVITY_PAGE)
        except ValueError as exc:
            raise _GoogleError(400, "Invalid pageToken or pageSize.") from exc
        page = found[start : start + size]
        answer: JSON = {"activities": [self._activity_resource(a) for a in page]} if page else {}
        if start + size < len(found):
            answer["nextPageToken"] = str(start + size)
        return web.json_response(answer)

    # ------------------------------------------------------------------ people

    async def _people_get(self, request: web.Request) -> web.Response:
        if "emailAddresses" not in request.query.get("personFields", ""):
            raise _GoogleError(400, "personFields mask is required. Please specify one or more valid paths.")
        resource_name = f"people/{request.match_info['person_id']}"
        if resource_name == "people/me":
            resource_name = self.person_name(self._actor(request))
        email = next((e for e, name in self._people.items() if name == resource_name), None)
        if email is None:
            raise _GoogleError(404, "Requested entity was not found.")
        address = {"metadata": {"primary": True, "source": {"type": "DOMAIN_PROFILE"}}, "value": email}
        return web.json_response({"resourceName": resource_name, "etag": "fake", "emailAddresses": [address]})
