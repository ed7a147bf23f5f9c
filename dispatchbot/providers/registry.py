"""Find provider adapters through the `dispatchbot.providers` entry-point group.

Built-in adapters register the same way a third-party package would (see `pyproject.toml`), so a
team can ship its own on-call or documents adapter as a package without forking the bot. An entry
point names a factory `build(settings) -> adapter | None`; None means "not configured here" (no API
key, no service account), so unconfigured providers cost nothing. Options for third-party adapters
live in `[plugins.<entry point name>]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from dispatchbot.config import Settings
from dispatchbot.errors import StartupError
from dispatchbot.logs import get_logger
from dispatchbot.providers.documents import Documents
from dispatchbot.providers.oncall import Oncall
from dispatchbot.providers.workflows import Workflows

log = get_logger(__name__)

ENTRY_POINT_GROUP = "dispatchbot.providers"

Factory = Callable[[Settings], object | None]


@dataclass(frozen=True)
class Providers:
    oncall: dict[str, Oncall] = field(default_factory=dict)
    """On-call adapters by name (`[[services]].provider`)."""
    documents: Documents | None = None
    workflows: dict[str, Workflows] = field(default_factory=dict)
    """Workflow adapters by name (`[[workflows]].provider`)."""


def load_providers(settings: Settings) -> Providers:
    """Build every configured adapter; a broken adapter or an unusable `[[services]]` stops start-up."""
    oncall: dict[str, Oncall] = {}
    documents: Documents | None = None
    workflows: dict[str, Workflows] = {}
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        try:
            factory: Factory = entry_point.load()
            adapter = factory(settings)
        except StartupError:
            raise
        except Exception as exc:
            raise StartupError(
                f"provider adapter {entry_point.name!r} ({entry_point.value}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if adapter is None:
            continue
        if isinstance(adapter, Oncall):
            oncall[adapter.name] = adapter
        elif isinstance(adapter, Documents):
            if documents is not None:
                raise StartupError(
                    f"two documents providers are configured ({documents.name}, {adapter.name}); keep one"
                )
            documents = adapter
        elif isinstance(adapter, Workflows):
            workflows[adapter.name] = adapter
        else:
            raise StartupError(
                f"provider adapter {entry_point.name!r} is neither Oncall, Documents nor Workflows"
            )
        log.info("provider.loaded", provider=entry_point.name)
    for index, service in enumerate(settings.services):
        if service.provider not in oncall:
            raise StartupError(
                f"services[{index}] ({service.name}): the on-call provider {service.provider!r} is not "
                f"configured — configured: {sorted(oncall) or 'none'} (see [pagerduty])"
            )
    for index, workflow in enumerate(settings.workflows):
        if workflow.provider not in workflows:
            raise StartupError(
                f"workflows[{index}] ({workflow.name}): the workflow provider {workflow.provider!r} is not "
                f"configured — configured: {sorted(workflows) or 'none'} (see [webhook], [github_actions])"
            )
    return Providers(oncall=oncall, documents=documents, workflows=workflows)
