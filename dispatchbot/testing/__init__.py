"""Test support that ships with dispatchbot, like ``structlog.testing``: fakes of the vendors.

``FakeSlack`` is a local Slack (Web API, Socket Mode, HTTP events delivery, response URLs) that the real
slack_sdk and slack-bolt talk to over 127.0.0.1, with workspace state to assert on, fault injection,
and ``Person`` drivers that act as people do (slash commands, modals, buttons, posts, reactions).
``FakeGoogle`` plays Google's token endpoint, Drive, Docs, Drive Activity and People the same way;
``FakePagerDuty`` (HTTPS, throwaway CA) and ``FakeOpsgenie`` play the on-call providers,
``FakeWorkflowWebhook`` (Dispatch's generic workflow protocol) and ``FakeGitHub`` (Actions) the workflow ones.
"""

from dispatchbot.testing.github import FakeGitHub, FakeRun, GitHubDispatch
from dispatchbot.testing.google import FakeGoogle
from dispatchbot.testing.opsgenie import FakeAlert, FakeOpsgenie
from dispatchbot.testing.pagerduty import FakePagerDuty, FakePdIncident
from dispatchbot.testing.slack.block_kit import ClientRefused
from dispatchbot.testing.slack.delivery import EVENTS_API, INTERACTIVE, SLASH_COMMANDS, Ack
from dispatchbot.testing.slack.driver import Person
from dispatchbot.testing.slack.faults import Faults
from dispatchbot.testing.slack.http_mode import HttpDelivery
from dispatchbot.testing.slack.modal import View
from dispatchbot.testing.slack.server import FakeSlack
from dispatchbot.testing.slack.socket_mode import SocketMode
from dispatchbot.testing.slack.state import (
    Bookmark,
    Change,
    Channel,
    Ephemeral,
    Message,
    Pin,
    StoredView,
    User,
    Workspace,
)
from dispatchbot.testing.slack.web_api import ApiCall
from dispatchbot.testing.workflow_webhook import FakeWorkflowWebhook, WebhookArtifact, WebhookRun

__all__ = [
    "EVENTS_API",
    "INTERACTIVE",
    "SLASH_COMMANDS",
    "Ack",
    "ApiCall",
    "Bookmark",
    "Change",
    "Channel",
    "ClientRefused",
    "Ephemeral",
    "FakeAlert",
    "FakeGitHub",
    "FakeGoogle",
    "FakeOpsgenie",
    "FakePagerDuty",
    "FakePdIncident",
    "FakeRun",
    "FakeSlack",
    "FakeWorkflowWebhook",
    "Faults",
    "GitHubDispatch",
    "HttpDelivery",
    "Message",
    "Person",
    "Pin",
    "SocketMode",
    "StoredView",
    "User",
    "View",
    "WebhookArtifact",
    "WebhookRun",
    "Workspace",
]
