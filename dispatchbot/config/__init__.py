"""Settings: a TOML file overridden by `DISPATCHBOT_<SECTION>__<KEY>` environment variables.

- `sections`: one pydantic model per table, and `Settings`, the whole, with the catalog a fresh install
  starts with; secrets are typed `SecretStr` (or annotated `SecretWithin`).
- `catalog_checks`: cross-checks between sections (unique names, references that resolve).
- `secret_fields`: finds the secrets by their type, for masking (`config show`) and log redaction.
- `loading`: file and environment in, `Settings` or a `ConfigError` of operator-readable lines out.
- `runtime_checks`: what `dispatchbot run` needs beyond a well-formed file.
- `workflows`: `[[workflows]]` and the built-in workflow providers' sections.
- `database_url`: database URLs completed to our async drivers, their password found or hidden.

Everything public is re-exported here: `from dispatchbot.config import Settings` is the way in.
"""

from dispatchbot.config.alerting import (
    AlertSettings,
    AlertSourceSettings,
    CasePrioritySettings,
    CaseTypeSettings,
    SignalSettings,
)
from dispatchbot.config.base import Section
from dispatchbot.config.database_url import DATABASE_URL_FORMS, normalise_database_url
from dispatchbot.config.loading import (
    CONFIG_PATH_ENV,
    DEFAULT_CONFIG_FILE,
    NON_SETTING_VARIABLES,
    PLATFORM_DATABASE_URL_ENV,
    ConfigError,
    load_settings,
    resolve_config_path,
    unknown_variables,
)
from dispatchbot.config.runtime_checks import runtime_problems
from dispatchbot.config.secret_fields import masked_dict
from dispatchbot.config.sections import (
    DEFAULT_INCIDENT_TYPES,
    DEFAULT_PRIORITIES,
    DEFAULT_SEVERITIES,
    ENV_PREFIX,
    CommandSettings,
    CostSettings,
    DatabaseSettings,
    FeedbackSettings,
    GoogleSettings,
    HealthSettings,
    HttpSettings,
    IncidentSettings,
    IncidentTypeSettings,
    LogSettings,
    NotificationSettings,
    OncallSettings,
    OpsgenieSettings,
    PagerDutySettings,
    PrioritySettings,
    ProviderSettings,
    RolePolicySettings,
    RunsSettings,
    SchedulerSettings,
    ServiceSettings,
    Settings,
    SeveritySettings,
    SlackMode,
    SlackSettings,
    SummarySettings,
    TaskSettings,
    TimelineSettings,
)
from dispatchbot.config.workflows import (
    GitHubActionsSettings,
    WebhookSettings,
    WorkflowParameterSettings,
    WorkflowSettings,
)

__all__ = [
    "CONFIG_PATH_ENV",
    "DATABASE_URL_FORMS",
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_INCIDENT_TYPES",
    "DEFAULT_PRIORITIES",
    "DEFAULT_SEVERITIES",
    "ENV_PREFIX",
    "NON_SETTING_VARIABLES",
    "PLATFORM_DATABASE_URL_ENV",
    "AlertSettings",
    "AlertSourceSettings",
    "CasePrioritySettings",
    "CaseTypeSettings",
    "CommandSettings",
    "ConfigError",
    "CostSettings",
    "DatabaseSettings",
    "FeedbackSettings",
    "GitHubActionsSettings",
    "GoogleSettings",
    "HealthSettings",
    "HttpSettings",
    "IncidentSettings",
    "IncidentTypeSettings",
    "LogSettings",
    "NotificationSettings",
    "OncallSettings",
    "OpsgenieSettings",
    "PagerDutySettings",
    "PrioritySettings",
    "ProviderSettings",
    "RolePolicySettings",
    "RunsSettings",
    "SchedulerSettings",
    "Section",
    "ServiceSettings",
    "Settings",
    "SeveritySettings",
    "SignalSettings",
    "SlackMode",
    "SlackSettings",
    "SummarySettings",
    "TaskSettings",
    "TimelineSettings",
    "WebhookSettings",
    "WorkflowParameterSettings",
    "WorkflowSettings",
    "load_settings",
    "masked_dict",
    "normalise_database_url",
    "resolve_config_path",
    "runtime_problems",
    "unknown_variables",
]
