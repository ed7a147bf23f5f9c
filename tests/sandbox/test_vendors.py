"""The sandbox's vendor configuration: offered section by section, standing down wherever the user's
config file or environment sets a section (and wherever a section would name one the user set), and
valid as the bot loads it. That the bot then reaches the fakes is shown by tests/sandbox/test_panels.py
(a High incident pages alice at the PagerDuty fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from dispatchbot.config.loading import load_settings
from dispatchbot.sandbox.vendors import ALERT_SOURCE, Vendors, overlay

OFFERED = {
    name: {}
    for name in (
        "oncall",
        "scheduler",
        "pagerduty",
        "opsgenie",
        "google",
        "webhook",
        "github_actions",
        "incident_types",
        "alert_sources",
        "workflows",
        "services",
        "role_policies",
        "signals",
    )
}


def test_with_no_config_of_the_users_every_section_is_offered() -> None:
    assert overlay(OFFERED, {}, {}) == OFFERED


def test_a_section_in_the_users_file_is_theirs_and_so_are_the_sections_naming_it() -> None:
    kept = overlay(OFFERED, {"services": [{"name": "Mine"}], "google": {}}, {})
    assert set(OFFERED) - set(kept) == {"services", "role_policies", "signals", "google", "incident_types"}


def test_a_variable_setting_a_section_or_one_key_of_it_is_the_users_too() -> None:
    kept = overlay(OFFERED, {}, {"DISPATCHBOT_PAGERDUTY__API_KEY": "k", "dispatchbot_alert_sources": "[]"})
    assert set(OFFERED) - set(kept) == {"pagerduty", "alert_sources", "services", "role_policies", "signals"}


@pytest.fixture
async def vendors() -> AsyncIterator[Vendors]:
    running = Vendors(announce_channel="C0INCIDENTS")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_the_bot_loads_the_sandbox_configuration(
    vendors: Vendors, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in vendors.bot_environment({}, {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir("/")  # no ./config.toml

    settings = load_settings()

    assert settings.pagerduty.api_url == vendors.pagerduty.api_url
    assert settings.pagerduty.ca_file == vendors.pagerduty.ca_file
    assert [(s.name, s.provider) for s in settings.services] == [
        ("Database", "pagerduty"),
        ("Payments", "opsgenie"),
    ]
    assert [s.name for s in settings.alert_sources] == [ALERT_SOURCE]
    assert {w.provider for w in settings.workflows} == {"webhook", "github_actions"}
    assert [n.channel for n in settings.notifications] == ["C0INCIDENTS"]  # new incidents announced there
    emails = {user.email for user in vendors.pagerduty.users.values()}
    assert emails == {"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com"}
