"""The configuration's models: one section per TOML table (`[slack]`, `[[services]]`, ...), the
catalog a fresh install starts with, and `Settings`, the whole (construct it with `load_settings`).

The environment names are a public interface (operators, Helm charts and Procfiles set them), so the
section and key names below must not change. Secrets are typed `SecretStr` (or annotated
`SecretWithin`): that type is all masking and log redaction need to find them (see `secret_fields`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from dispatchbot.commands import COMMANDS, Command
from dispatchbot.config.alerting import (
    DEFAULT_CASE_PRIORITIES,
    DEFAULT_CASE_TYPES,
    AlertSettings,
    AlertSourceSettings,
    CasePrioritySettings,
    CaseTypeSettings,
    SignalSettings,
)
from dispatchbot.config.base import Section
from dispatchbot.config.catalog_checks import catalog_problems
from dispatchbot.config.database_url import database_password, mask_url_password, normalise_database_url
from dispatchbot.config.secret_fields import SecretWithin, secret_values
from dispatchbot.config.workflows import GitHubActionsSettings, WebhookSettings, WorkflowSettings


class SlackMode(StrEnum):
    SOCKET = "socket"
    HTTP = "http"


class SlackSettings(Section):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    mode: SlackMode = SlackMode.SOCKET
    api_url: str = "https://slack.com/api/"
    app_name: str = "dispatchbot"
    public_url: str = ""
    ping_interval_seconds: float = Field(default=10.0, gt=0)

    @field_validator("api_url")
    @classmethod
    def _api_url_has_trailing_slash(cls, value: str) -> str:
        # slack_sdk joins method names onto the base URL, so ".../api" and ".../api/" must behave alike.
        return value if value.endswith("/") else value + "/"


class DatabaseSettings(Section):
    url: Annotated[str, SecretWithin(reveal=database_password, mask=mask_url_password)] = (
        "sqlite+aiosqlite:///./dispatchbot.db"
    )
    migrate_on_start: bool = True

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)


class HttpSettings(Section):
    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=0, le=65535)


class LogSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "console"] = "auto"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class HealthSettings(Section):
    slack_disconnect_grace_seconds: float = Field(default=60.0, ge=0)


class RunsSettings(Section):
    lease_seconds: float = Field(default=30.0, gt=0)
    sweep_interval_seconds: float = Field(default=1.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    retry_backoff_seconds: float = Field(default=1.0, ge=0)
    shutdown_timeout_seconds: float = Field(default=20.0, ge=0)
    delivery_retention_hours: float = Field(default=24.0, gt=0)


class CommandSettings(Section):
    """Slash-command names, keyed like `dispatchbot.commands.Command`."""

    report_incident: str = COMMANDS[Command.REPORT_INCIDENT].default_name
    list_incidents: str = COMMANDS[Command.LIST_INCIDENTS].default_name
    update_incident: str = COMMANDS[Command.UPDATE_INCIDENT].default_name
    assign_role: str = COMMANDS[Command.ASSIGN_ROLE].default_name
    list_participants: str = COMMANDS[Command.LIST_PARTICIPANTS].default_name
    update_participant: str = COMMANDS[Command.UPDATE_PARTICIPANT].default_name
    notifications_group: str = COMMANDS[Command.NOTIFICATIONS_GROUP].default_name
    report_tactical: str = COMMANDS[Command.REPORT_TACTICAL].default_name
    report_executive: str = COMMANDS[Command.REPORT_EXECUTIVE].default_name
    add_timeline_event: str = COMMANDS[Command.ADD_TIMELINE_EVENT].default_name
    create_task: str = COMMANDS[Command.CREATE_TASK].default_name
    list_tasks: str = COMMANDS[Command.LIST_TASKS].default_name
    list_my_tasks: str = COMMANDS[Command.LIST_MY_TASKS].default_name
    engage_oncall: str = COMMANDS[Command.ENGAGE_ONCALL].default_name
    list_cases: str = COMMANDS[Command.LIST_CASES].default_name
    list_signals: str = COMMANDS[Command.LIST_SIGNALS].default_name
    create_case: str = COMMANDS[Command.CREATE_CASE].default_name
    update_case: str = COMMANDS[Command.UPDATE_CASE].default_name
    escalate_case: str = COMMANDS[Command.ESCALATE_CASE].default_name
    run_workflow: str = COMMANDS[Command.RUN_WORKFLOW].default_name
    list_workflows: str = COMMANDS[Command.LIST_WORKFLOWS].default_name

    @field_validator("*")
    @classmethod
    def _slash_name(cls, value: str) -> str:
        if not value.startswith("/") or len(value) > 32 or value != value.lower() or " " in value:
            raise ValueError("must start with '/', be lowercase, have no spaces and be at most 32 characters")
        return value

    def name(self, command: Command) -> str:
        return str(getattr(self, command.value))


class IncidentTypeSettings(Section):
    name: str = Field(min_length=1, max_length=60)
    description: str = ""
    default_visibility: Literal["open", "restricted"] = "open"
    channel_description: str = Field(default="", max_length=250)
    cost_model: Literal["classic", "activity"] = "classic"
    document_template: str = Field(default="", description="Google Docs id of the incident document template")
    review_template: str = Field(
        default="", description="Google Docs id of the post-incident review template"
    )
    executive_template: str = Field(default="", description="Google Docs id of the executive report template")


class PrioritySettings(Section):
    name: str = Field(min_length=1, max_length=60)
    description: str = ""
    tactical_report_reminder_hours: float = Field(default=24.0, gt=0)
    executive_report_reminder_hours: float = Field(default=24.0, gt=0)
    page_commander: bool = False
    ack_timeout_minutes: float = Field(default=15.0, gt=0)
    default: bool = False
    order: int = 0


class SeveritySettings(Section):
    name: str = Field(min_length=1, max_length=60)
    description: str = ""
    allowed_for_stable: bool = True
    default: bool = False
    order: int = 0


class RolePolicySettings(Section):
    """Who takes a role for matching incidents; the first matching policy in file order wins."""

    role: Literal["commander", "scribe", "liaison"]
    user: str = Field(default="", description="a Slack user id (U...) or an email address")
    oncall_service: str = Field(default="", description="a [[services]] name: whoever is on call for it")
    incident_types: list[str] = []
    priorities: list[str] = []

    @model_validator(mode="after")
    def _one_holder(self) -> RolePolicySettings:
        if bool(self.user) == bool(self.oncall_service):
            raise ValueError("set exactly one of user and oncall_service")
        return self


class NotificationSettings(Section):
    """A Slack channel told about incidents; empty filters match everything. Restricted incidents never go."""

    channel: str = Field(min_length=1, description="a channel id (C...)")
    incident_types: list[str] = []
    severities: list[str] = []
    priorities: list[str] = []
    statuses: list[Literal["active", "stable", "closed"]] = []


class IncidentSettings(Section):
    channel_name_template: str = "inc-{number}-{slug}"
    private_channels: bool = False
    archive_on_close: bool = True
    observer_promotion_messages: int = Field(default=3, ge=1)
    ban_threads: bool = False
    after_hours_warning: bool = False
    working_hours_start: int = Field(default=9, ge=0, le=23)
    working_hours_end: int = Field(default=17, ge=1, le=24)
    list_limit: int = Field(default=20, ge=1, le=40)

    @field_validator("channel_name_template")
    @classmethod
    def _template_has_number(cls, value: str) -> str:
        if "{number}" not in value:
            raise ValueError("must contain {number} so every incident gets its own channel name")
        try:
            value.format(number=1, slug="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{number}} and {{slug}} may be used ({exc})") from None
        return value


class TimelineSettings(Section):
    reaction: str = Field(default="stopwatch", description="emoji name that adds a message to the timeline")
    page_size: int = Field(default=20, ge=5, le=40)

    @field_validator("reaction")
    @classmethod
    def _bare_emoji_name(cls, value: str) -> str:
        return value.strip(":")


class SchedulerSettings(Section):
    reminder_tick_seconds: float = Field(default=30.0, gt=0)
    workflow_poll_seconds: float = Field(
        default=30.0, gt=0, description="how often open workflow runs are read"
    )
    leader_retry_seconds: float = Field(default=2.0, gt=0)


class TaskSettings(Section):
    default_due_hours: float = Field(default=24.0, gt=0)
    overdue_reminder_hours: float = Field(default=24.0, gt=0)


def _clock_time(value: str) -> str:
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ValueError("must be a time of day as HH:MM, e.g. 18:00")
    return f"{int(hours):02d}:{int(minutes):02d}"


def _time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone name, e.g. Europe/Berlin or UTC") from None
    return value


class CostSettings(Section):
    annual_employee_cost: float = Field(default=50_000.0, gt=0)
    business_year_hours: float = Field(default=2_080.0, gt=0)
    activity_window_seconds: float = Field(default=300.0, gt=0)
    accrual_interval_seconds: float = Field(default=300.0, gt=0)

    @property
    def hourly_rate(self) -> float:
        return self.annual_employee_cost / self.business_year_hours


class FeedbackSettings(Section):
    enabled: bool = True
    digest_time: str = "18:00"
    digest_timezone: str = "UTC"
    shift_services: list[str] = Field(default=[], description="[[services]] names whose shifts get feedback")
    shift_reminder_hours: float = Field(default=23.0, gt=0)

    _valid_time = field_validator("digest_time")(_clock_time)
    _valid_zone = field_validator("digest_timezone")(_time_zone)


class SummarySettings(Section):
    daily_enabled: bool = True
    daily_time: str = "18:00"
    daily_timezone: str = "UTC"
    close_reminder_after_days: float = Field(default=7.0, gt=0)
    close_reminder_every_days: float = Field(default=7.0, gt=0)

    _valid_time = field_validator("daily_time")(_clock_time)
    _valid_zone = field_validator("daily_timezone")(_time_zone)


class ServiceSettings(Section):
    """An on-call service people can engage or page; `provider` names an installed on-call adapter."""

    name: str = Field(min_length=1, max_length=75)
    provider: str = Field(min_length=1, description="pagerduty, opsgenie, or a third-party adapter's name")
    external_id: str = Field(min_length=1, description="the service (PagerDuty) or schedule (Opsgenie) id")
    description: str = ""
    escalation: str = Field(default="", description="Opsgenie: the escalation to use when a page is unacked")


class OncallSettings(Section):
    poll_seconds: float = Field(default=60.0, gt=0)


class PagerDutySettings(Section):
    api_url: str = "https://api.pagerduty.com"
    api_key: SecretStr | None = None
    from_email: str = ""
    ca_file: str = Field(
        default="", description="extra CA bundle (PEM) to trust, e.g. a TLS-inspecting proxy"
    )


class OpsgenieSettings(Section):
    api_url: str = "https://api.opsgenie.com"
    api_key: SecretStr | None = None


class GoogleSettings(Section):
    api_url: str = Field(default="", description="one base URL for every Google API; empty: Google's own")
    token_uri: str = "https://oauth2.googleapis.com/token"
    service_account_file: str = ""
    delegated_user: str = ""
    root_folder_id: str = ""
    domain: str = ""
    open_on_close: bool = False
    task_sync_seconds: float = Field(default=30.0, gt=0)


class ProviderSettings(Section):
    """How calls to PagerDuty, Opsgenie, Google and third-party adapters ride out rate limits and outages
    (see `providers/retries.py`)."""

    retry_deadline_seconds: float = Field(
        default=30.0, gt=0, description="longest one provider call may take, waits for Retry-After included"
    )
    error_retries: int = Field(
        default=2, ge=0, description="retries of a 5xx without Retry-After or a dropped connection, per call"
    )
    retry_backoff_seconds: float = Field(
        default=0.5,
        ge=0,
        description="first wait when the provider sends no Retry-After; doubles, with jitter",
    )


ENV_PREFIX = "DISPATCHBOT_"

SHORTEST_REDACTED_SECRET = 4
"""Shorter secret values are not scrubbed from logs: they would blank out ordinary words."""


def env_name(key: str) -> str:
    """The environment variable that sets `key` ("slack.bot_token" → DISPATCHBOT_SLACK__BOT_TOKEN)."""
    return ENV_PREFIX + key.upper().replace(".", "__")


DEFAULT_INCIDENT_TYPES = [
    IncidentTypeSettings(name="Default", description="Anything that is not one of the other types."),
    IncidentTypeSettings(
        name="Security",
        description="A suspected or confirmed security breach.",
        default_visibility="restricted",
    ),
]
DEFAULT_PRIORITIES = [
    PrioritySettings(
        name="Low",
        description="Business as usual; respond during working hours.",
        tactical_report_reminder_hours=12,
        executive_report_reminder_hours=48,
        order=1,
    ),
    PrioritySettings(
        name="Medium",
        description="Noticeable impact; respond within the hour.",
        tactical_report_reminder_hours=6,
        executive_report_reminder_hours=24,
        default=True,
        order=2,
    ),
    PrioritySettings(
        name="High",
        description="Severe impact; all hands, now.",
        tactical_report_reminder_hours=2,
        executive_report_reminder_hours=6,
        page_commander=True,
        order=3,
    ),
]
DEFAULT_SEVERITIES = [
    SeveritySettings(name="Undetermined", description="Impact not known yet.", default=True, order=1),
    SeveritySettings(name="Low", description="Minor impact on few users.", order=2),
    SeveritySettings(name="Medium", description="Degraded service for many users.", order=3),
    SeveritySettings(
        name="High", description="Major outage or data at risk.", allowed_for_stable=False, order=4
    ),
    SeveritySettings(
        name="Critical", description="Company-wide outage or breach.", allowed_for_stable=False, order=5
    ),
]


class Settings(BaseSettings):
    """The whole configuration. Construct it with `load_settings`, which turns errors into `ConfigError`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    slack: SlackSettings = SlackSettings()
    database: DatabaseSettings = DatabaseSettings()
    http: HttpSettings = HttpSettings()
    log: LogSettings = LogSettings()
    health: HealthSettings = HealthSettings()
    runs: RunsSettings = RunsSettings()
    commands: CommandSettings = CommandSettings()
    incidents: IncidentSettings = IncidentSettings()
    timeline: TimelineSettings = TimelineSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    tasks: TaskSettings = TaskSettings()
    cost: CostSettings = CostSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    summaries: SummarySettings = SummarySettings()
    oncall: OncallSettings = OncallSettings()
    pagerduty: PagerDutySettings = PagerDutySettings()
    opsgenie: OpsgenieSettings = OpsgenieSettings()
    google: GoogleSettings = GoogleSettings()
    webhook: WebhookSettings = WebhookSettings()
    github_actions: GitHubActionsSettings = GitHubActionsSettings()
    providers: ProviderSettings = ProviderSettings()
    plugins: dict[str, dict[str, Any]] = Field(
        default={}, description="options for third-party provider adapters, one table per adapter name"
    )
    services: list[ServiceSettings] = []
    incident_types: list[IncidentTypeSettings] = Field(default_factory=lambda: list(DEFAULT_INCIDENT_TYPES))
    priorities: list[PrioritySettings] = Field(default_factory=lambda: list(DEFAULT_PRIORITIES))
    severities: list[SeveritySettings] = Field(default_factory=lambda: list(DEFAULT_SEVERITIES))
    role_policies: list[RolePolicySettings] = []
    notifications: list[NotificationSettings] = []
    alerts: AlertSettings = AlertSettings()
    alert_sources: list[AlertSourceSettings] = []
    signals: list[SignalSettings] = []
    case_types: list[CaseTypeSettings] = Field(default_factory=lambda: list(DEFAULT_CASE_TYPES))
    case_priorities: list[CasePrioritySettings] = Field(default_factory=lambda: list(DEFAULT_CASE_PRIORITIES))
    workflows: list[WorkflowSettings] = []

    def workflow(self, name: str) -> WorkflowSettings | None:
        """The workflow called `name`, if it is (still) configured."""
        return next((entry for entry in self.workflows if entry.name == name), None)

    def case_type(self, name: str) -> CaseTypeSettings:
        """The case type called `name`; the first one for "" (a signal that names none)."""
        return next((entry for entry in self.case_types if entry.name == name), self.case_types[0])

    def case_channel(self, signal: SignalSettings) -> str:
        """Where a case signal's cases are posted: its own channel, its case type's, else the default."""
        return signal.channel or self.case_type(signal.case_type).channel or self.alerts.default_channel

    def case_priority(self, name: str) -> CasePrioritySettings:
        """The case priority called `name`; the default one (else the first) for ""."""
        found = next((entry for entry in self.case_priorities if entry.name == name), None)
        return found or next(
            (entry for entry in self.case_priorities if entry.default), self.case_priorities[0]
        )

    @model_validator(mode="after")
    def _catalog_is_consistent(self) -> Settings:
        problems = catalog_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init kwargs; the environment must win over it.
        return (env_settings, init_settings)

    def secrets(self) -> list[str]:
        """Every secret value in force, so the log redactor can scrub them wherever they appear."""
        return [value for value in secret_values(self) if len(value) >= SHORTEST_REDACTED_SECRET]
