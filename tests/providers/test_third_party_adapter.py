"""A third-party adapter shipped as its own package is found through the entry point, like Cabot's
alert plugins: an installed distribution whose entry_points.txt names a `dispatchbot.providers` factory."""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path

import pytest

from dispatchbot.config import ServiceSettings, Settings
from dispatchbot.providers.oncall import Oncall
from dispatchbot.providers.registry import load_providers

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


@pytest.fixture
def installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install `acme_dispatch_oncall` the way pip leaves a package: module + dist-info on sys.path."""
    (tmp_path / "acme_dispatch_oncall.py").write_text(textwrap.dedent(ADAPTER))
    dist_info = tmp_path / "acme_dispatch_oncall-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-dispatch-oncall\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[dispatchbot.providers]\nacme = acme_dispatch_oncall:build\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()


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
