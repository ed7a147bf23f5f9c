"""Fixtures of the workflow commands' end-to-end tests: a bot with `ui_support.WORKFLOWS` on the webhook
fake, and an incident Alice reported from #general."""

from __future__ import annotations

import pytest

from dispatchbot.app import Running
from dispatchbot.domain import Incident
from dispatchbot.testing import Channel, FakeSlack, FakeWorkflowWebhook, User
from tests.e2e.conftest import StartBot
from tests.e2e.workflows.ui_support import settings_for
from tests.support.incidents import report_incident


@pytest.fixture
async def workflow_bot(
    slack: FakeSlack, database_url: str, start_bot: StartBot, workflow_webhook: FakeWorkflowWebhook
) -> Running:
    return await start_bot(settings_for(slack, database_url, workflow_webhook))


@pytest.fixture
async def reported(
    workflow_bot: Running, slack: FakeSlack, alice: User, general: Channel
) -> tuple[Incident, Channel]:
    """INC-1, which Alice (its commander) reported, and its channel."""
    return await report_incident(workflow_bot, slack, alice, general)
