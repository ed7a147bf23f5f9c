"""The on-call adapters are found through the `dispatchbot.providers` entry points, like a plugin's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dispatchbot.config import ServiceSettings, Settings
from dispatchbot.errors import StartupError
from dispatchbot.providers.opsgenie import OpsgenieOncall
from dispatchbot.providers.pagerduty import PagerDutyOncall
from dispatchbot.providers.registry import load_providers
from dispatchbot.testing import FakeOpsgenie, FakePagerDuty


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakePagerDuty, FakeOpsgenie]]:
    async with FakePagerDuty() as pd, FakeOpsgenie() as og:
        yield pd, og


async def test_both_adapters_load_when_their_keys_are_set(fakes: tuple[FakePagerDuty, FakeOpsgenie]) -> None:
    pd, og = fakes
    pd.add_service("PSVC1", "Payments", [("alice@example.com", "Alice")])
    og.add_schedule("search-primary", ["bob@example.com"])
    settings = Settings(
        pagerduty=pd.settings(),
        opsgenie=og.settings(),
        services=[
            ServiceSettings(name="Payments", provider="pagerduty", external_id="PSVC1"),
            ServiceSettings(name="Search", provider="opsgenie", external_id="search-primary"),
        ],
    )
    oncall = load_providers(settings).oncall
    assert sorted(oncall) == ["opsgenie", "pagerduty"]
    assert isinstance(oncall["pagerduty"], PagerDutyOncall)
    assert isinstance(oncall["opsgenie"], OpsgenieOncall)
    assert (await oncall["pagerduty"].current("PSVC1")).email == "alice@example.com"
    assert (await oncall["opsgenie"].current("search-primary")).email == "bob@example.com"


def test_none_without_keys() -> None:
    assert load_providers(Settings()).oncall == {}


def test_a_service_naming_an_unconfigured_provider_stops_start_up() -> None:
    settings = Settings(
        services=[ServiceSettings(name="Payments", provider="pagerduty", external_id="PSVC1")]
    )
    with pytest.raises(StartupError, match=r"services\[0\] \(Payments\).*'pagerduty' is not configured"):
        load_providers(settings)
