"""The documents provider role: incident folders, documents from templates, sharing, and comments.

The Google Drive/Docs adapter implements `Documents`; a third party may ship another through the
`dispatchbot.providers` entry-point group. Every method raises `ProviderError` on failure; callers
record the resource as failed (shown with a Retry button) rather than failing the incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class StoredFile:
    id: str
    weblink: str


@dataclass(frozen=True)
class AssignedComment:
    """A document comment assigned to someone: the source of a synced incident task."""

    id: str
    content: str
    assignee_email: str
    author_email: str | None
    resolved: bool


@runtime_checkable
class Documents(Protocol):
    name: str

    async def create_folder(self, name: str) -> StoredFile:
        """A folder for one incident under the configured root folder or shared drive."""
        ...

    async def copy_template(self, template_id: str, name: str, folder_id: str) -> StoredFile: ...

    async def fill(self, file_id: str, values: dict[str, str]) -> None:
        """Replace each `{{key}}` in the document with `values[key]`."""
        ...

    async def share(self, file_id: str, emails: list[str]) -> None:
        """Give these people edit access, without notification emails."""
        ...

    async def open_to_domain(self, file_id: str, domain: str) -> None:
        """Let everyone in the Workspace domain comment."""
        ...

    async def assigned_comments(self, file_id: str, since: datetime) -> list[AssignedComment]:
        """Comments with an assignee whose assignment or state changed since `since`."""
        ...

    async def set_comment_resolved(self, file_id: str, comment_id: str, resolved: bool) -> None:
        """Resolve or reopen a comment (when its task changes in Slack)."""
        ...
