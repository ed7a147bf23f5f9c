"""The case catalog in config: what a signal or case type names must exist, and a signal that opens
cases needs somewhere to post them; each problem is one line at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatchbot.config import ConfigError, load_settings

SOURCE = '[[alert_sources]]\nname = "prometheus"\ntoken = "0123456789abcdef0123"\n'


def problems(tmp_path: Path, toml: str) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(SOURCE + toml)
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    return raised.value.problems


def test_an_unknown_case_type_or_priority_is_one_line_each(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '[[signals]]\nname = "Logins"\nroute = "case"\nchannel = "#triage"\n'
        'case_type = "Nope"\ncase_priority = "Urgent"\n',
    )
    assert any("signals[0] (Logins).case_type: no case type 'Nope'" in line for line in found)
    assert any("signals[0] (Logins).case_priority: no case priority 'Urgent'" in line for line in found)


def test_a_case_route_needs_a_channel(tmp_path: Path) -> None:
    found = problems(tmp_path, '[[signals]]\nname = "Logins"\nroute = "case"\n')
    assert any('route "case" needs a channel' in line for line in found)


def test_case_types_refer_to_services_and_incident_types_that_exist(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '[[case_types]]\nname = "Security triage"\noncall_service = "Nobody"\nincident_type = "Nope"\n'
        '[[case_priorities]]\nname = "A"\ndefault = true\n[[case_priorities]]\nname = "B"\ndefault = true\n',
    )
    assert any(
        "case_types[0] (Security triage).oncall_service: no service named 'Nobody'" in p for p in found
    )
    assert any("case_types[0] (Security triage).incident_type: no incident type 'Nope'" in p for p in found)
    assert any("case_priorities: more than one is marked default = true" in p for p in found)


def test_a_case_channel_may_come_from_the_case_type(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        SOURCE + '[[case_types]]\nname = "Triage"\nchannel = "#triage"\n'
        '[[signals]]\nname = "Logins"\nroute = "case"\n'
    )
    assert load_settings(config).signals[0].route == "case"


def test_engage_names_one_of_the_signals_entities_on_a_case_route(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '[[signals]]\nname = "Logins"\nroute = "case"\nchannel = "#triage"\n'
        'entities = { host = "labels.instance" }\nengage = "user"\n'
        '[[signals]]\nname = "Deploys"\nentities = { user = "labels.user" }\nengage = "user"\n',
    )
    assert any("signals[0] (Logins).engage: no entity 'user' in its entities" in p for p in found)
    assert any('signals[1] (Deploys).engage: only signals with route "case"' in p for p in found)


def test_dedup_entities_must_be_entities_of_a_case_signal(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        '[[signals]]\nname = "Logins"\nchannel = "#x"\nentities = { host = "labels.instance" }\n'
        'dedup_entities = ["host", "user"]\n',
    )
    assert any(
        "signals[0] (Logins).dedup_entities: not among its entities ['user']" in line for line in found
    )
    assert any('signals[0] (Logins).dedup_entities: only for route "case"' in line for line in found)
