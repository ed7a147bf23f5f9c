"""The sandbox's vendors: the PagerDuty, Opsgenie, Google, workflow webhook and GitHub fakes from
`dispatchbot.testing`, started on 127.0.0.1, and the configuration that points the bot at them.

The rule for that configuration: **the user's config wins, section by section**. The sandbox offers
whole sections (`[pagerduty]`, `[[services]]`, `[[signals]]`, ...) as `DISPATCHBOT_<SECTION>` JSON
variables, and since the environment beats the file, it leaves out every section the user's config
file sets or a `DISPATCHBOT_<SECTION>...` variable already sets. A section that names another
(`[[signals]]` name `[[alert_sources]]` and `[[services]]`, `[[services]]` name their providers) is
offered only when everything it names is the sandbox's too, so a mixed configuration never fails the
bot's start-up checks: with your own `[[services]]`, the sandbox's signals and role policies stand
down, and the bot runs on your settings.

The people the fakes know are the workspace's (alice, bob, carol, dave, by email), so paging the
on-call or a commander reaches someone who exists in Slack. PagerDuty serves HTTPS with a throwaway CA
(its client refuses anything else). Workflow runs move on by themselves (Submitted, Running, Completed a
few seconds apart), as a real workflow server's would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dispatchbot.config.sections import DEFAULT_INCIDENT_TYPES, ENV_PREFIX
from dispatchbot.sandbox.people import PEOPLE
from dispatchbot.testing.github import FakeGitHub
from dispatchbot.testing.google import FakeGoogle
from dispatchbot.testing.local_server import LocalServer
from dispatchbot.testing.opsgenie import FakeOpsgenie
from dispatchbot.testing.pagerduty import FakePagerDuty
from dispatchbot.testing.workflow_webhook import FakeWorkflowWebhook

JSON = dict[str, Any]

ALERT_SOURCE = "sandbox"
ALERT_TOKEN = "sandbox-alerts-token-not-a-secret"
"""The sandbox's alert source and its token, which the alerts panel sends with."""
PAGERDUTY_SERVICE = ("PSANDBOX", "Database")
OPSGENIE_SCHEDULE = ("payments-primary", "Payments")
BOT_EMAIL = "dispatchbot@example.com"
TEMPLATES = {
    "document_template": (
        "tpl-incident",
        "Incident document template",
        "{{name}}: {{title}}\n{{description}}",
    ),
    "review_template": ("tpl-review", "Review template", "Review of {{name}} ({{title}})\n{{timeline}}"),
    "executive_template": ("tpl-executive", "Executive report template", "{{name}}: {{current_status}}"),
}
WEBHOOK_WORKFLOW = "restart-service"
GITHUB_REPO, GITHUB_FILE = "example/ops", "rollback.yml"
POLL_SECONDS = 5.0
"""How often the bot reads its pages and workflow runs, so what happens at the fakes (an acknowledgement
in the pager panel, a run moving on) shows within seconds."""
RUN_STEP_SECONDS = 5.0
"""How long a sandbox workflow run stays Submitted, then Running, before it completes."""

NEEDS = {
    "services": ("pagerduty", "opsgenie"),
    "role_policies": ("services",),
    "signals": ("alert_sources", "services"),
    "incident_types": ("google",),
    "workflows": ("webhook", "github_actions"),
}
"""Sections that name others: offered only when the sandbox offers each one named (that it has)."""


def overlay(offered: Mapping[str, Any], file_values: Mapping[str, Any], environ: Mapping[str, str]) -> JSON:
    """The sections of ``offered`` the sandbox may set: not in the user's file, not set by a variable,
    and (see NEEDS) not naming a section the user set."""
    set_by_user = {
        section
        for section in offered
        if section in file_values
        or any(
            name.upper() == ENV_PREFIX + section.upper()
            or name.upper().startswith(f"{ENV_PREFIX}{section.upper()}__")
            for name in environ
        )
    }
    kept = {name: value for name, value in offered.items() if name not in set_by_user}
    for section, needs in NEEDS.items():  # in dependency order: a section dropped here drops its dependants
        if section in kept and any(
            need in set_by_user or (need in NEEDS and need not in kept) for need in needs
        ):
            del kept[section]
    return kept


def environment(sections: Mapping[str, Any]) -> dict[str, str]:
    return {f"{ENV_PREFIX}{name.upper()}": json.dumps(value) for name, value in sections.items()}


class Vendors:
    """Every fake the sandbox runs, with the people and services of its configuration."""

    def __init__(self, announce_channel: str = "") -> None:
        """`announce_channel`: the id of the channel where new incidents are announced (#incidents)."""
        self.announce_channel = announce_channel
        self.pagerduty = FakePagerDuty()
        self.opsgenie = FakeOpsgenie()
        self.google = FakeGoogle()
        self.webhook = FakeWorkflowWebhook()
        self.github = FakeGitHub()
        self._files = tempfile.TemporaryDirectory(prefix="dispatchbot-sandbox-")
        self._runs: asyncio.Task[None] | None = None

    @property
    def servers(self) -> list[LocalServer]:
        return [self.pagerduty, self.opsgenie, self.google, self.webhook, self.github]

    async def start(self) -> None:
        for server in self.servers:
            await server.start()
        # level 1 is the schedule's current on-call: alice, then bob, ...
        self.pagerduty.add_service(*PAGERDUTY_SERVICE, oncall=[(p.email, p.real_name) for p in PEOPLE])
        alice, bob = PEOPLE[0], PEOPLE[1]
        self.opsgenie.add_schedule(OPSGENIE_SCHEDULE[0], oncall=[bob.email, alice.email])
        for file_id, name, text in TEMPLATES.values():
            self.google.add_template(file_id, name, text)
        self.github.declare_workflow(GITHUB_REPO, GITHUB_FILE, {"reason": False}, name="Roll back")
        self._runs = asyncio.create_task(self._move_runs_on())

    async def stop(self) -> None:
        if self._runs is not None:
            self._runs.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runs
        for server in reversed(self.servers):
            await server.stop()
        self._files.cleanup()

    async def _move_runs_on(self) -> None:
        while True:
            await asyncio.sleep(RUN_STEP_SECONDS)
            for instance in self.webhook.instances.values():
                if instance.status in ("Submitted", "Running"):
                    done = instance.status == "Running"
                    self.webhook.set_status(instance.instance_id, "Completed" if done else "Running")
            for run in self.github.runs.values():
                if run.status in ("queued", "in_progress"):
                    done = run.status == "in_progress"
                    self.github.advance(
                        run.id, "completed" if done else "in_progress", "success" if done else None
                    )

    def sections(self) -> JSON:
        """Everything the sandbox would configure, section by section, as the bot's settings read it."""
        google = self.google.settings(Path(self._files.name)).model_dump(mode="json")
        sections: JSON = {
            "oncall": {"poll_seconds": POLL_SECONDS},
            "scheduler": {"workflow_poll_seconds": POLL_SECONDS},
            "opsgenie": {"api_url": self.opsgenie.api_url, "api_key": self.opsgenie.api_key},
            "google": google,
            "webhook": {
                "api_url": f"{self.webhook.api_url}/workflows",
                "auth_header": self.webhook.auth_header,
            },
            "github_actions": {"api_url": self.github.api_url, "token": self.github.token},
            "incident_types": [
                _with_documents(kind.model_dump(mode="json")) for kind in DEFAULT_INCIDENT_TYPES
            ],
            "alert_sources": [{"name": ALERT_SOURCE, "format": "auto", "token": ALERT_TOKEN}],
            "workflows": [
                {
                    "name": "Restart a service",
                    "description": "Rolling restart through the workflow server",
                    "provider": "webhook",
                    "resource_id": WEBHOOK_WORKFLOW,
                    "parameters": [{"key": "service", "default": "checkout", "required": True}],
                },
                {
                    "name": "Roll back",
                    "description": "The last deploy, through GitHub Actions",
                    "provider": "github_actions",
                    "resource_id": f"{GITHUB_REPO}:{GITHUB_FILE}@main",
                    "parameters": [{"key": "reason", "description": "why, for the run's log"}],
                },
            ],
        }
        sections["pagerduty"] = {
            "api_url": self.pagerduty.api_url,
            "api_key": self.pagerduty.api_key,
            "from_email": BOT_EMAIL,
            "ca_file": self.pagerduty.ca_file,
        }
        service_id, oncall_service = PAGERDUTY_SERVICE
        sections["services"] = [
            {"name": oncall_service, "provider": "pagerduty", "external_id": service_id},
            {"name": OPSGENIE_SCHEDULE[1], "provider": "opsgenie", "external_id": OPSGENIE_SCHEDULE[0]},
        ]
        sections["role_policies"] = [
            {"role": "commander", "oncall_service": oncall_service, "priorities": ["High"]}
        ]
        sections["signals"] = _signals(oncall_service)
        if self.announce_channel:
            sections["notifications"] = [{"channel": self.announce_channel}]
        return sections

    def bot_environment(
        self, file_values: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """The variables that point the bot at these fakes, where the user's configuration leaves room."""
        return environment(overlay(self.sections(), file_values, os.environ if environ is None else environ))


def _with_documents(incident_type: JSON) -> JSON:
    """The built-in type, its documents made from the Google fake's templates."""
    return incident_type | {field: file_id for field, (file_id, _, _) in TEMPLATES.items()}


def _signals(oncall_service: str) -> Sequence[JSON]:
    """mapbox messages keep their own route (self-service, broadcast) with the on-call behind a "No";
    checkout errors open a case; everything else is a message in #alerts."""
    return [
        {
            "name": "Security messages",
            "source": ALERT_SOURCE,
            "match": {"type": "~."},
            "oncall_service": oncall_service,
        },
        {
            "name": "Checkout errors",
            "source": ALERT_SOURCE,
            "match": {"service": "checkout"},
            "route": "case",
            "channel": "#alerts",
            "oncall_service": oncall_service,
        },
        {
            "name": "Everything else",
            "source": ALERT_SOURCE,
            "channel": "#alerts",
            "oncall_service": oncall_service,
        },
    ]
