"""Workflow settings: `[[workflows]]` (automation people may start from an incident, a case or a signal)
and the sections of the two built-in workflow providers, `[webhook]` and `[github_actions]`.

A workflow names its provider the way a `[[services]]` entry names its on-call provider: a built-in one,
or a third-party adapter installed as a package (options in `[plugins.<name>]`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import Field, SecretStr, field_validator

from dispatchbot.config.base import Section

PARAMETER_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")
"""A parameter key is a GitHub Actions input name and a JSON key: letters, digits, `_` and `-`."""


class WorkflowParameterSettings(Section):
    """One input of a workflow: asked for in the run modal, prefilled with `default`."""

    key: str = Field(description="the input's name as the workflow expects it")
    default: str = Field(default="", max_length=2000)
    required: bool = Field(default=False, description="a run without a value for it is refused")
    description: str = Field(default="", max_length=150, description="the hint under its input")

    @field_validator("key")
    @classmethod
    def _key_is_a_name(cls, key: str) -> str:
        if not PARAMETER_KEY.match(key):
            raise ValueError(f"{key!r} is not a parameter name (letters, digits, _ and -)")
        return key


class WorkflowSettings(Section):
    """A workflow people may run (`/dispatch-run-workflow`) or a signal starts (`[[signals]].workflows`)."""

    name: str = Field(min_length=1, max_length=75)
    description: str = Field(default="", max_length=300)
    provider: str = Field(
        min_length=1, description="webhook, github_actions, or a third-party adapter's name"
    )
    resource_id: str = Field(
        min_length=1,
        max_length=300,
        description='what the provider runs: "owner/repo:file.yml@ref" on GitHub',
    )
    parameters: list[WorkflowParameterSettings] = []


class WebhookSettings(Section):
    """The generic webhook provider, wire-compatible with Netflix Dispatch's generic workflow plugin."""

    api_url: str = Field(default="", description="POST starts a run, GET reads one; empty: not configured")
    auth_header: SecretStr | None = Field(
        default=None, description='the whole Authorization header value, e.g. "Bearer abc"'
    )


class GitHubActionsSettings(Section):
    """GitHub Actions (`workflow_dispatch`), on github.com or GitHub Enterprise Server."""

    api_url: str = Field(
        default="https://api.github.com", description="GitHub Enterprise: https://HOST/api/v3"
    )
    token: SecretStr | None = Field(
        default=None, description="a token allowed to dispatch and read Actions runs; empty: not configured"
    )


GITHUB_WORKFLOW = re.compile(
    r"^(?P<owner>[A-Za-z0-9][A-Za-z0-9-]*)/(?P<repo>[A-Za-z0-9._-]+):(?P<path>[^@\s]+\.ya?ml)@(?P<ref>\S+)$"
)


@dataclass(frozen=True)
class GitHubWorkflow:
    """A `github_actions` workflow's `resource_id`, ``owner/repo:file.yml@ref``, taken apart."""

    owner: str
    repo: str
    file: str
    """The file's name, what GitHub's API takes as the workflow id (a ``.github/workflows/`` path is cut)."""
    ref: str

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"


def parse_github_workflow(resource_id: str) -> GitHubWorkflow:
    """Parsed here, not in the adapter, so a config check catches a malformed one at start-up; ValueError
    says what is wrong in one line."""
    match = GITHUB_WORKFLOW.match(resource_id.strip())
    if match is None:
        raise ValueError(f"{resource_id!r} is not a GitHub workflow: write it as owner/repo:file.yml@ref")
    return GitHubWorkflow(match["owner"], match["repo"], match["path"].rsplit("/", 1)[-1], match["ref"])
