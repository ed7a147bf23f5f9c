"""Settings: a TOML file overridden by `DISPATCHBOT_<SECTION>__<KEY>` environment variables.

The environment names are a public interface (operators, Helm charts and Procfiles set them), so the
section and key names below must not change. Loading never raises a raw pydantic error: every problem
becomes one line naming the key and how to fix it, because the first person to read it is an operator
at start-up, not a Python developer.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from dispatchbot.commands import COMMANDS, Command

ENV_PREFIX = "DISPATCHBOT_"
CONFIG_PATH_ENV = "DISPATCHBOT_CONFIG"
DEFAULT_CONFIG_FILE = Path("config.toml")
PLATFORM_DATABASE_URL_ENV = "DATABASE_URL"
"""The conventional variable Heroku, Render, Dokku and Fly set; `DISPATCHBOT_DATABASE__URL` wins over it."""
NON_SETTING_VARIABLES = frozenset({CONFIG_PATH_ENV})
"""`DISPATCHBOT_*` variables that are not settings; any other name with the prefix must name a setting."""
_SERVICE_LINK_SUFFIX = re.compile(r"SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?")
"""What Kubernetes adds after `<SERVICE>_` besides `SERVICE_HOST`, for every Service in the namespace."""


class SlackMode(StrEnum):
    SOCKET = "socket"
    HTTP = "http"


class Section(BaseModel):
    """A config section: unknown keys are errors, so a typo is caught at start-up, not at 3 a.m."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
    url: str = "sqlite+aiosqlite:///./dispatchbot.db"
    migrate_on_start: bool = True

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)


DATABASE_URL_FORMS = "sqlite:///PATH.db or postgresql://USER:PASSWORD@HOST:PORT/NAME"
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",  # Heroku's and many platforms' DATABASE_URL
}


def normalise_database_url(value: str) -> str:
    """The URL with the async driver we ship, whichever of the usual spellings an operator pasted.

    Platforms hand out `postgres://…?sslmode=require` and people copy `sqlite:///x.db` from
    SQLAlchemy's docs; both name a database we support, so they are completed, not refused.
    asyncpg takes libpq's `sslmode` values under the name `ssl`. Messages never echo the URL,
    which may hold a password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"not a database URL — use {DATABASE_URL_FORMS}") from None
    backend, _, driver = url.drivername.partition("+")
    target = _ASYNC_DRIVERS.get(backend)
    if target is None:
        raise ValueError(f"unsupported database {backend!r} — use {DATABASE_URL_FORMS}")
    if driver and driver != target.partition("+")[2]:
        raise ValueError(f"driver {driver!r} is not supported — use {target}:// or just {backend}://")
    libpq_ssl = target == "postgresql+asyncpg" and "sslmode" in url.query
    if url.drivername == target and not libpq_ssl:
        return value
    url = url.set(drivername=target)
    if libpq_ssl:
        mode = url.query["sslmode"]
        url = url.difference_update_query(["sslmode"])
        if "ssl" not in url.query:
            url = url.update_query_dict({"ssl": mode})
    return url.render_as_string(hide_password=False)


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

    @model_validator(mode="after")
    def _catalog_is_consistent(self) -> Settings:
        problems: list[str] = []
        for label, entries in (
            ("incident_types", self.incident_types),
            ("priorities", self.priorities),
            ("severities", self.severities),
        ):
            names = [entry.name for entry in entries]
            if not names:
                problems.append(f"{label}: at least one is needed")
            duplicates = sorted({name for name in names if names.count(name) > 1})
            if duplicates:
                problems.append(f"{label}: duplicate names {duplicates}")
        for label, entries in (("priorities", self.priorities), ("severities", self.severities)):
            if sum(1 for entry in entries if entry.default) > 1:
                problems.append(f"{label}: more than one is marked default = true")
        known = {
            "incident_types": {entry.name for entry in self.incident_types},
            "priorities": {entry.name for entry in self.priorities},
            "severities": {entry.name for entry in self.severities},
        }
        service_names = [service.name for service in self.services]
        duplicate_services = sorted({name for name in service_names if service_names.count(name) > 1})
        if duplicate_services:
            problems.append(f"services: duplicate names {duplicate_services}")
        for index, policy in enumerate(self.role_policies):
            for field_name in ("incident_types", "priorities"):
                unknown = sorted(set(getattr(policy, field_name)) - known[field_name])
                if unknown:
                    problems.append(f"role_policies[{index}].{field_name}: unknown {unknown}")
            if policy.oncall_service and policy.oncall_service not in service_names:
                problems.append(
                    f"role_policies[{index}].oncall_service: no service named {policy.oncall_service!r}"
                )
        unknown_shifts = sorted(set(self.feedback.shift_services) - set(service_names))
        if unknown_shifts:
            problems.append(f"feedback.shift_services: unknown services {unknown_shifts}")
        for index, target in enumerate(self.notifications):
            for field_name in ("incident_types", "severities", "priorities"):
                unknown = sorted(set(getattr(target, field_name)) - known[field_name])
                if unknown:
                    problems.append(f"notifications[{index}].{field_name}: unknown {unknown}")
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
        values = [
            self.slack.bot_token,
            self.slack.app_token,
            self.slack.signing_secret,
            self.pagerduty.api_key,
            self.opsgenie.api_key,
        ]
        found = [secret.get_secret_value() for secret in values if secret is not None]
        password = _database_password(self.database.url)
        if password:
            found.append(password)
        return [value for value in found if len(value) >= 4]


class ConfigError(Exception):
    """Configuration that cannot work; `problems` holds one operator-readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def resolve_config_path(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """`--config`, else `DISPATCHBOT_CONFIG`, else `./config.toml` when it exists."""
    if explicit is not None:
        return explicit
    from_env = environ.get(CONFIG_PATH_ENV)
    if from_env:
        return Path(from_env)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(path: Path | None = None) -> Settings:
    """Read the file and the process environment; raise `ConfigError` listing every problem at once.

    Precedence, highest first: `DISPATCHBOT_*` variables, `DATABASE_URL` (database.url only), the
    file, the defaults. `DATABASE_URL` beats the file because platforms set it and rotate its
    credentials, while a file baked into an image often carries a development URL.
    """
    environ = os.environ
    config_path = resolve_config_path(path, environ)
    unknown = unknown_variables(environ)
    problems = [_unknown_variable(name) for name in unknown]
    file_values: dict[str, Any] = {}
    if config_path is not None:
        origin = "--config" if path is not None else CONFIG_PATH_ENV if environ.get(CONFIG_PATH_ENV) else ""
        try:
            file_values = _read_toml(config_path, origin)
        except ConfigError as exc:
            raise ConfigError(exc.problems + problems) from None
    platform_url = _platform_database_url(environ)
    if platform_url is not None:
        file_values = _with_database_url(file_values, platform_url)
    source = f" (in {config_path} or the environment)" if config_path is not None else ""
    said = {tuple(name.lower().removeprefix(ENV_PREFIX.lower()).split("__")) for name in unknown}
    try:
        settings = Settings(**file_values)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "extra_forbidden" and tuple(error["loc"]) in said:
                continue  # an unknown variable, reported above with a did-you-mean
            if platform_url is not None and tuple(error["loc"]) == ("database", "url"):
                problems.append(f"{PLATFORM_DATABASE_URL_ENV}: {_message(error)}")
            else:
                problems.append(_describe(error, source))
    except SettingsError as exc:  # a whole section given as JSON that does not parse
        problems.append(f"environment: {exc} — a whole section set from the environment must be JSON")
    if problems:
        raise ConfigError(problems)
    return settings


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """`DISPATCHBOT_*` variables that name no setting.

    pydantic-settings silently ignores most of them, so `DISPATCHBOT_LOG_LEVEL=DEBUG` (one underscore)
    would leave the level unchanged with no hint. Names are compared case-insensitively, as they are read.
    """
    known, open_prefixes = _setting_variables()
    return sorted(
        name
        for name in environ
        if name.upper().startswith(ENV_PREFIX)
        and name.upper() not in known
        and not name.upper().startswith(open_prefixes)
        and not _kubernetes_service_link(name, environ)
    )


def _kubernetes_service_link(name: str, environ: Mapping[str, str]) -> bool:
    """`DISPATCHBOT_SERVICE_HOST`, `DISPATCHBOT_PORT_8080_TCP`, ...: injected into every pod for a Service
    named `dispatchbot` (or `dispatchbot-web`, ...) unless `enableServiceLinks: false`. They come with a
    `<SERVICE>_SERVICE_HOST`, which is how they are told from a typo such as `DISPATCHBOT_HTTP_PORT`."""
    for host in (other for other in environ if other.endswith("_SERVICE_HOST")):
        service = host.removesuffix("SERVICE_HOST")
        if name == host or (
            name.startswith(service) and _SERVICE_LINK_SUFFIX.fullmatch(name[len(service) :])
        ):
            return True
    return False


def _unknown_variable(name: str) -> str:
    known, _ = _setting_variables()
    stems = {candidate.removeprefix(ENV_PREFIX): candidate for candidate in known}
    close = difflib.get_close_matches(name.upper().removeprefix(ENV_PREFIX), list(stems), n=1, cutoff=0.75)
    hint = (
        f"did you mean {stems[close[0]]}?"
        if close
        else "unset it, or see config.example.toml: settings are DISPATCHBOT_<SECTION>__<KEY>"
    )
    return f"{name}: unknown environment variable — {hint}"


def _setting_variables() -> tuple[set[str], tuple[str, ...]]:
    """Every variable name that sets something, and the prefixes under which any name goes (free tables)."""
    known = set(NON_SETTING_VARIABLES)
    open_prefixes: list[str] = []
    for field_name, field in Settings.model_fields.items():
        section = ENV_PREFIX + field_name.upper()
        known.add(section)  # the whole section or list as JSON
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            known.update(f"{section}__{key.upper()}" for key in annotation.model_fields)
        elif getattr(annotation, "__origin__", None) is dict:
            open_prefixes.append(f"{section}__")
    return known, tuple(open_prefixes)


def _platform_database_url(environ: Mapping[str, str]) -> str | None:
    own = ENV_PREFIX + "DATABASE__URL"
    if any(name.upper() == own for name in environ):
        return None
    return environ.get(PLATFORM_DATABASE_URL_ENV) or None


def _with_database_url(file_values: dict[str, Any], url: str) -> dict[str, Any]:
    database = file_values.get("database", {})
    if not isinstance(database, dict):
        return file_values  # the file's own mistake is reported as it is
    return {**file_values, "database": {**database, "url": url}}


def runtime_problems(settings: Settings) -> list[str]:
    """What `dispatchbot run` needs beyond a well-formed file: tokens of the right kind for the mode."""
    problems: list[str] = []
    slack = settings.slack
    bot = slack.bot_token.get_secret_value() if slack.bot_token else ""
    if not bot:
        problems.append(
            _missing("slack.bot_token", "the Bot User OAuth Token (xoxb-...) from OAuth & Permissions")
        )
    elif not bot.startswith("xoxb-"):
        problems.append(
            f"slack.bot_token: expected a bot token starting with 'xoxb-' but got one starting with "
            f"'{bot[:5]}' — use the Bot User OAuth Token (set {_env_name('slack.bot_token')})"
        )
    if slack.mode is SlackMode.SOCKET:
        app = slack.app_token.get_secret_value() if slack.app_token else ""
        if not app:
            problems.append(
                _missing(
                    "slack.app_token", "an app-level token (xapp-...) with connections:write, for Socket Mode"
                )
            )
        elif not app.startswith("xapp-"):
            problems.append(
                "slack.app_token: expected an app-level token starting with 'xapp-' but got one starting "
                f"with '{app[:5]}' — create one under Basic Information > App-Level Tokens "
                f"(set {_env_name('slack.app_token')})"
            )
    elif not (slack.signing_secret and slack.signing_secret.get_secret_value()):
        problems.append(
            _missing("slack.signing_secret", "the Signing Secret from Basic Information, for HTTP mode")
        )
    return problems


def masked_dict(settings: Settings) -> dict[str, Any]:
    """The effective configuration as plain data, secrets replaced, for `dispatchbot config show`."""
    data = settings.model_dump(mode="json")
    data["database"]["url"] = _mask_url_password(settings.database.url)
    for section, key in (
        ("slack", "bot_token"),
        ("slack", "app_token"),
        ("slack", "signing_secret"),
        ("pagerduty", "api_key"),
        ("opsgenie", "api_key"),
    ):
        secret = getattr(getattr(settings, section), key)
        data[section][key] = "********" if secret is not None and secret.get_secret_value() else ""
    return data


def _read_toml(path: Path, origin: str) -> dict[str, Any]:
    """The file's tables; every way reading it can fail becomes one line naming the file (and line)."""
    where = f"config file {path}"
    given = origin or "the config path"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problem = f"not found — {given} must name an existing file"
    except IsADirectoryError:
        problem = f"is a directory — {given} must name the TOML file itself, e.g. {path / 'config.toml'}"
    except PermissionError:
        problem = "permission denied — make it readable by the user that runs dispatchbot"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    else:
        return _parse_toml(raw, where)
    raise ConfigError([f"{where}: {problem}"])


def _parse_toml(raw: bytes, where: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (some Windows editors) is harmless
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            [f"{where}, line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x}) — save the file as UTF-8"]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{where}: invalid TOML ({exc}) — fix the syntax at that line"]) from None


def _describe(error: Any, source: str) -> str:
    key = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key{source} — remove it or check its spelling against config.example.toml"
    if kind == "model_type" or kind == "dict_type":
        return f"{key}: must be a table of settings{source} — see config.example.toml"
    message = _message(error)
    return f"{key}: {message}{source} (set {_env_name(key)} or [{key.rsplit('.', 1)[0]}] in the config file)"


def _message(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _missing(key: str, what: str) -> str:
    return f"{key}: missing — set {_env_name(key)} (or {key.split('.')[-1]} in the [slack] table) to {what}"


def _env_name(key: str) -> str:
    return ENV_PREFIX + key.upper().replace(".", "__")


def _database_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None


def _mask_url_password(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
