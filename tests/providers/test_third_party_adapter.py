"""A third-party adapter shipped as its own package is found through the entry point, like Cabot's
alert plugins: an installed distribution whose entry_points.txt names a `dispatchbot.providers` factory."""

from __future__ import annotations

import importlib
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from dispatchbot.config import ServiceSettings, Settings
from dispatchbot.config.workflows import GitHubActionsSettings, WorkflowSettings
from dispatchbot.errors import StartupError
from dispatchbot.providers.oncall import Oncall
from dispatchbot.providers.registry import load_providers
from dispatchbot.providers.workflows import WorkflowRequest, Workflows, WorkflowStatus

RESOURCE = "acme/ops:diagnostics.yml@main"

ADAPTER = """
from dispatchbot.providers.oncall import OncallPerson, PageState, PageStatus


class AcmeOncall:
    name = "acme"

    def __init__(self, options):
        self.options = options

    async def current(self, service_id):
        return OncallPerson(email=f"{service_id}@acme.example", name="Acme Person")

    async def next(self, service_id):
        return None

    async def page(self, service_id, *, dedup_key, title, description):
        return dedup_key

    async def status(self, page_id):
        return PageState(PageStatus.TRIGGERED)

    async def escalate(self, page_id, *, service_id):
        return None

    async def resolve(self, page_id):
        return None

    async def shifts_ended(self, service_id, since, until):
        return []


def build(settings):
    options = settings.plugins.get("acme")
    return AcmeOncall(options) if options else None
"""


WORKFLOWS_ADAPTER = """
from dispatchbot.providers.workflows import Artifact, WorkflowInstance, WorkflowState, WorkflowStatus


class RundeckWorkflows:
    name = "rundeck"

    def __init__(self, options):
        self.options = options
        self.started = {}

    async def run(self, request):
        self.started[request.key] = dict(request.params)
        return WorkflowInstance(f"job-{request.key}", f"https://rundeck.example/{request.key}")

    async def find(self, request, since):
        if request.key not in self.started:
            return None
        return WorkflowInstance(f"job-{request.key}")

    async def get_instance(self, request, instance_id):
        return WorkflowState(
            WorkflowStatus.COMPLETED, artifacts=(Artifact("log", f"https://rundeck.example/{instance_id}.log"),)
        )


def build(settings):
    options = settings.plugins.get("rundeck")
    return RundeckWorkflows(options) if options else None
"""


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, source: str, entry: str) -> None:
    """Install `module` the way pip leaves a package: module + dist-info on sys.path, its entry point
    `entry` (`name = module:build`) in the `dispatchbot.providers` group."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
    dist_info = tmp_path / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    name = module.replace("_", "-")
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[dispatchbot.providers]\n{entry}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()


@pytest.fixture
def installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(tmp_path, monkeypatch, "acme_dispatch_oncall", ADAPTER, "acme = acme_dispatch_oncall:build")


@pytest.fixture
def installed_workflows_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(
        tmp_path,
        monkeypatch,
        "rundeck_dispatch_workflows",
        WORKFLOWS_ADAPTER,
        "rundeck = rundeck_dispatch_workflows:build",
    )


@pytest.mark.usefixtures("installed_package")
async def test_an_installed_third_party_adapter_serves_its_services() -> None:
    settings = Settings(
        plugins={"acme": {"region": "eu"}},
        services=[ServiceSettings(name="Payments", provider="acme", external_id="payments")],
    )
    providers = load_providers(settings)
    adapter = providers.oncall["acme"]
    assert isinstance(adapter, Oncall)
    assert (await adapter.current("payments")).email == "payments@acme.example"
    assert adapter.options == {"region": "eu"}  # type: ignore[attr-defined]


@pytest.mark.usefixtures("installed_package")
def test_an_installed_adapter_without_its_options_stays_off() -> None:
    assert "acme" not in load_providers(Settings()).oncall


@pytest.mark.usefixtures("installed_workflows_package")
async def test_an_installed_third_party_workflows_adapter_runs_its_workflows() -> None:
    settings = Settings(
        plugins={"rundeck": {"url": "https://rundeck.example"}},
        workflows=[WorkflowSettings(name="Snapshot host", provider="rundeck", resource_id="snapshot")],
    )
    adapter = load_providers(settings).workflows["rundeck"]
    assert isinstance(adapter, Workflows)
    request = WorkflowRequest("snapshot", key="run-1", params={"host": "db1"})
    assert await adapter.find(request, datetime.now(UTC)) is None
    assert (await adapter.run(request)).instance_id == "job-run-1"
    state = await adapter.get_instance(request, "job-run-1")
    assert (state.status, state.artifacts[0].name) == (WorkflowStatus.COMPLETED, "log")


def test_start_up_refuses_a_workflow_whose_provider_is_not_configured() -> None:
    settings = Settings(
        workflows=[
            WorkflowSettings(name="Collect diagnostics", provider="github_actions", resource_id=RESOURCE)
        ]
    )
    with pytest.raises(StartupError) as refused:
        load_providers(settings)
    assert str(refused.value) == (
        "workflows[0] (Collect diagnostics): the workflow provider 'github_actions' is not configured — "
        "configured: none (see [webhook], [github_actions])"
    )
    configured = settings.model_copy(
        update={"github_actions": GitHubActionsSettings(token=SecretStr("ghp_x"))}
    )
    assert sorted(load_providers(configured).workflows) == ["github_actions"]
