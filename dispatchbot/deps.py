"""The dependency container handed to handlers and flows; built only by `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from dispatchbot.background import Background
from dispatchbot.catalog import Catalog
from dispatchbot.clock import Clock
from dispatchbot.config import Settings
from dispatchbot.flows.runner import FlowRunner
from dispatchbot.metrics import Metrics
from dispatchbot.providers.registry import Providers
from dispatchbot.providers.slack import BotIdentity, SlackGateway
from dispatchbot.services.alerts import AlertService
from dispatchbot.services.cases import CaseService
from dispatchbot.services.costs import CostService
from dispatchbot.services.deliveries import DeliveryService
from dispatchbot.services.documents import DocumentService
from dispatchbot.services.feedback import FeedbackService
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.notification_group import NotificationGroupService
from dispatchbot.services.oncall import OncallService
from dispatchbot.services.participants import ParticipantService
from dispatchbot.services.reminders import ReminderService
from dispatchbot.services.reports import ReportService
from dispatchbot.services.sent_once import SentOnceService
from dispatchbot.services.snoozes import SnoozeService
from dispatchbot.services.tasks import TaskService
from dispatchbot.services.workflow_runs import WorkflowRunService
from dispatchbot.storage.engine import Database


@dataclass(frozen=True)
class Deps:
    settings: Settings
    clock: Clock
    database: Database
    metrics: Metrics
    slack: SlackGateway
    identity: BotIdentity
    runs: FlowRunner[Deps]
    deliveries: DeliveryService
    background: Background
    catalog: Catalog
    incidents: IncidentService
    participants: ParticipantService
    notification_group: NotificationGroupService
    reminders: ReminderService
    reports: ReportService
    tasks: TaskService
    costs: CostService
    feedback: FeedbackService
    sent_once: SentOnceService
    oncall: OncallService
    documents: DocumentService
    providers: Providers
    """The configured on-call adapters (by name) and documents adapter, found through entry points."""
    alerts: AlertService
    cases: CaseService
    snoozes: SnoozeService
    workflow_runs: WorkflowRunService
