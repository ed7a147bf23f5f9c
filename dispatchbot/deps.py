"""The dependency container handed to handlers and flows; built only by `app.py`."""

from __future__ import annotations

from dataclasses import dataclass

from dispatchbot.background import Background
from dispatchbot.catalog import Catalog
from dispatchbot.clock import Clock
from dispatchbot.config import Settings
from dispatchbot.flows.runner import FlowRunner
from dispatchbot.metrics import Metrics
from dispatchbot.providers.slack import BotIdentity, SlackGateway
from dispatchbot.services.deliveries import DeliveryService
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.notification_group import NotificationGroupService
from dispatchbot.services.participants import ParticipantService
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
