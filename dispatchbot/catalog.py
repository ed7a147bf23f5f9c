"""The incident catalog (types, priorities, severities) and role policies, read from the settings.

Pure: no I/O. The config is the source of truth; `services/catalog.py` mirrors it into the database
so reports can join on it, but every decision is made from this object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dispatchbot.config import NotificationSettings, RolePolicySettings, Settings
from dispatchbot.domain import (
    CostModel,
    DocumentKind,
    Incident,
    IncidentType,
    Priority,
    Role,
    Severity,
    Status,
    Visibility,
)


@dataclass(frozen=True)
class Catalog:
    incident_types: tuple[IncidentType, ...]
    priorities: tuple[Priority, ...]
    severities: tuple[Severity, ...]
    role_policies: tuple[RolePolicySettings, ...]
    notifications: tuple[NotificationSettings, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Catalog:
        return cls(
            incident_types=tuple(
                IncidentType(
                    t.name,
                    t.description,
                    Visibility(t.default_visibility),
                    t.channel_description,
                    cost_model=CostModel(t.cost_model),
                    templates={
                        DocumentKind.INCIDENT: t.document_template,
                        DocumentKind.REVIEW: t.review_template,
                        DocumentKind.EXECUTIVE: t.executive_template,
                    },
                )
                for t in settings.incident_types
            ),
            priorities=tuple(
                sorted(
                    (
                        Priority(
                            p.name,
                            p.description,
                            p.tactical_report_reminder_hours,
                            p.executive_report_reminder_hours,
                            p.page_commander,
                            p.default,
                            p.order,
                            ack_timeout_minutes=p.ack_timeout_minutes,
                        )
                        for p in settings.priorities
                    ),
                    key=lambda p: p.order,
                )
            ),
            severities=tuple(
                sorted(
                    (
                        Severity(s.name, s.description, s.allowed_for_stable, s.default, s.order)
                        for s in settings.severities
                    ),
                    key=lambda s: s.order,
                )
            ),
            role_policies=tuple(settings.role_policies),
            notifications=tuple(settings.notifications),
        )

    def incident_type(self, name: str) -> IncidentType | None:
        return next((entry for entry in self.incident_types if entry.name == name), None)

    def priority(self, name: str) -> Priority | None:
        return next((entry for entry in self.priorities if entry.name == name), None)

    def severity(self, name: str) -> Severity | None:
        return next((entry for entry in self.severities if entry.name == name), None)

    @property
    def default_incident_type(self) -> IncidentType:
        return self.incident_types[0]

    @property
    def default_priority(self) -> Priority:
        return next((p for p in self.priorities if p.default), self.priorities[0])

    @property
    def default_severity(self) -> Severity:
        return next((s for s in self.severities if s.default), self.severities[0])

    def role_policy(self, role: Role, incident_type: str, priority: str) -> RolePolicySettings | None:
        """The policy that says who takes `role` (a user, or a service's on-call); the first match wins."""
        for policy in self.role_policies:
            if policy.role != role.value:
                continue
            if policy.incident_types and incident_type not in policy.incident_types:
                continue
            if policy.priorities and priority not in policy.priorities:
                continue
            return policy
        return None

    def notification_channels(self, incident: Incident) -> list[str]:
        """Channels told about `incident` by the `[[notifications]]` filters; never for restricted ones."""
        if incident.restricted:
            return []
        return [
            target.channel
            for target in self.notifications
            if _matches(target.incident_types, incident.incident_type)
            and _matches(target.severities, incident.severity)
            and _matches(target.priorities, incident.priority)
            and _matches(target.statuses, incident.status.value)
        ]

    def severity_allowed(self, severity: str, status: Status) -> bool:
        found = self.severity(severity)
        return status is Status.ACTIVE or found is None or found.allowed_for_stable


def _matches(allowed: Sequence[str], value: str) -> bool:
    return not allowed or value in allowed
