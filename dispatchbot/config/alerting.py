"""The alert half's settings: `[alerts]`, `[[alert_sources]]` (who may send) and `[[signals]]` (where
alerts go). Kept apart from `sections` because they are read by a different half of the bot and grow
with it (cases and workflows add to signals)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from dispatchbot.config.base import Section

SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""A source's name is a URL path segment (`/alerts/{name}`): no escaping, no surprises."""

AlertFormatName = Literal["auto", "alertmanager", "grafana", "pagerduty", "generic", "mapbox"]
SeverityName = Literal["critical", "error", "warning", "info"]
ENTITY_FIELDS = ("title", "description", "dedup_key", "source_url", "runbook_url", "severity")
"""An alert's own fields a signal's `entities` may name, besides labels and payload paths."""
RouteName = Literal["channel", "broadcast", "self_service", "page", "record", "case"]


class AlertSettings(Section):
    """How alerts are taken in and how often firing ones are repeated (Cabot's intervals, C3/C4/C7)."""

    max_body_bytes: int = Field(default=512 * 1024, ge=1024, description="larger POSTs get 413")
    rate_limit_per_second: float = Field(
        default=200.0, gt=0, description="POSTs per second one source may send before getting 429"
    )
    rate_limit_burst: int = Field(default=1000, ge=1, description="POSTs a source may send at once")
    realert_interval_seconds: float = Field(
        default=600.0, gt=0, description="re-alert period of firing critical/error alerts"
    )
    notification_interval_seconds: float = Field(
        default=7200.0, gt=0, description="re-alert period of firing warning/info alerts"
    )
    ack_expiry_seconds: float = Field(
        default=1200.0, gt=0, description="how long an acknowledgement keeps re-alerts quiet"
    )
    retry_window_seconds: float = Field(
        default=300.0,
        ge=0,
        description="the same body again within this window is a sender's retry and changes nothing",
    )
    default_channel: str = Field(
        default="", description="where alerts no signal routes elsewhere are posted; empty: record only"
    )
    fallback_channel: str = Field(
        default="", description="where a message for someone not found in Slack goes, with a note"
    )
    fallback_users: list[str] = Field(
        default=[], description="duty officers of signals without an on-call service (Slack ids or emails)"
    )
    severity_map: dict[str, SeverityName] = Field(
        default={}, description='extra severity names: {"P0" = "critical"}'
    )
    default_severity: SeverityName = "warning"
    storm_threshold: int = Field(
        default=5,
        ge=1,
        description="new alerts waiting for one channel beyond which they are posted as one grouped message",
    )
    delivery_poll_seconds: float = Field(
        default=0.5, gt=0, description="how often a replica looks for alert work another replica took in"
    )


class AlertSourceSettings(Section):
    """A monitoring system allowed to POST alerts, and the token it must present."""

    name: str = Field(description="the {source} of POST /alerts/{source}")
    format: AlertFormatName = "auto"
    token: SecretStr = Field(description="Bearer token, Basic auth password or PagerDuty routing_key")
    rate_limit_per_second: float | None = Field(default=None, gt=0, description="overrides [alerts]")

    @field_validator("name")
    @classmethod
    def _url_safe(cls, name: str) -> str:
        if not SOURCE_NAME.match(name):
            raise ValueError("use letters, digits, '.', '_' and '-' (it is part of a URL), at most 64")
        return name

    @field_validator("token")
    @classmethod
    def _long_enough(cls, token: SecretStr) -> SecretStr:
        if len(token.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (try `openssl rand -hex 24`)")
        return token


class SignalSettings(Section):
    """A routing rule: the first signal whose source and `match` fit an alert decides what happens."""

    name: str = Field(min_length=1, max_length=80)
    source: str = Field(default="", description="an [[alert_sources]] name; empty: any source")
    match: dict[str, str] = Field(
        default={}, description='labels or fields (title, severity, ...) to equal, or "~regex" to search'
    )
    route: RouteName | None = Field(
        default=None, description="channel | broadcast | self_service | page | record | case; unset: channel"
    )
    channel: str = Field(default="", description="a channel name (#alerts) or id")
    users: list[str] = Field(default=[], description="people to notify: Slack ids or emails")
    oncall_service: str = Field(default="", description="a [[services]] name: its on-call are duty officers")
    alert_channels: list[str] = Field(
        default=[], description="alert plugins to call (slack, oncall, third-party); empty: by route"
    )
    declare: Literal["manual", "auto"] = Field(
        default="manual", description="auto: declare an incident at once for a critical alert"
    )
    realert_interval_seconds: float | None = Field(default=None, gt=0)
    notification_interval_seconds: float | None = Field(default=None, gt=0)
    ack_expiry_seconds: float | None = Field(default=None, gt=0)
    case_type: str = Field(default="", description='route "case": a [[case_types]] name; empty: the first')
    case_priority: str = Field(
        default="", description='route "case": a [[case_priorities]] name; empty: the default one'
    )
    dedup_window_seconds: float = Field(
        default=3600.0,
        ge=0,
        description='route "case": an alert joins the open case whose last alert is at most this old',
    )
    dedup_entities: list[str] = Field(
        default=[],
        description='route "case": entity names; an alert joins the open case whose alerts shared one '
        "of their values within dedup_window_seconds, else opens its own (instead of joining the latest)",
    )
    entities: dict[str, str] = Field(
        default={},
        description='values a snooze can match on: { host = "labels.instance" } (labels.<name>, a field '
        "such as title, or payload.<dotted.path>)",
    )
    engage: str = Field(
        default="",
        description='route "case": the entity naming whom to ask to confirm or deny (a Slack id or email)',
    )
    engage_page_on_deny: bool = Field(
        default=False, description="page the case's on-call service when the person asked denies"
    )
    workflows: list[str] = Field(
        default=[],
        description="[[workflows]] names to run for each new alert (or new case), parameters filled from "
        "its labels and entities",
    )

    @field_validator("entities")
    @classmethod
    def _entity_paths(cls, entities: dict[str, str]) -> dict[str, str]:
        for name, path in entities.items():
            head, _, rest = path.partition(".")
            if not (head in ENTITY_FIELDS and not rest) and not (head in ("labels", "payload") and rest):
                known = f"labels.<name>, payload.<path> or one of {ENTITY_FIELDS}"
                raise ValueError(f"entities.{name}: {path!r} is not {known}")
        return entities

    @field_validator("match")
    @classmethod
    def _patterns_compile(cls, match: dict[str, str]) -> dict[str, str]:
        for key, wanted in match.items():
            if wanted.startswith("~"):
                try:
                    re.compile(wanted[1:])
                except re.error as exc:
                    raise ValueError(f"match.{key}: not a regular expression ({exc})") from exc
        return match


class CaseTypeSettings(Section):
    """A kind of case: where its cases are discussed, who is assigned, what it becomes when escalated."""

    name: str = Field(min_length=1, max_length=60)
    description: str = ""
    channel: str = Field(default="", description="where its cases' messages go unless the signal says")
    oncall_service: str = Field(default="", description="a [[services]] name: its on-call is the assignee")
    incident_type: str = Field(
        default="", description="an [[incident_types]] name for escalation; empty: the first"
    )
    visibility: Literal["open", "restricted"] = "open"


class CasePrioritySettings(Section):
    name: str = Field(min_length=1, max_length=60)
    description: str = ""
    default: bool = False
    page_assignee: bool = Field(default=False, description="page the assignee when a case of it opens")


DEFAULT_CASE_TYPES = [CaseTypeSettings(name="Default", description="Alerts that need a look.")]
DEFAULT_CASE_PRIORITIES = [
    CasePrioritySettings(name="Low", description="Look at it this week."),
    CasePrioritySettings(name="Medium", description="Look at it today.", default=True),
    CasePrioritySettings(name="High", description="Look at it now.", page_assignee=True),
]
