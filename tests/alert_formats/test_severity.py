"""Severity names: built-in aliases, case-insensitive, extended or overridden by a source's map."""

from __future__ import annotations

import pytest

from dispatchbot.alert_formats import SEVERITY_ALIASES, Severity, parse
from tests.alert_formats.samples import generic_firing


def _severity(name: object, severity_map: dict[str, Severity] | None = None) -> Severity:
    body = generic_firing()
    body["severity"] = name
    return parse(body, "generic", severity_map, default_severity=Severity.INFO).alerts[0].severity


@pytest.mark.parametrize(
    ("severity", "names"),
    [
        (Severity.CRITICAL, "critical crit fatal emergency page p1 sev1 disaster"),
        (Severity.ERROR, "error err high major p2 sev2"),
        (Severity.WARNING, "warning warn medium moderate minor p3 sev3 average"),
        (Severity.INFO, "info low informational information notice p4 p5 sev4 none ok"),
    ],
)
def test_the_built_in_aliases(severity: Severity, names: str) -> None:
    assert {name: SEVERITY_ALIASES[name] for name in names.split()} == dict.fromkeys(names.split(), severity)
    assert all(_severity(name.upper()) is severity for name in names.split())


def test_names_are_read_whatever_their_case_and_surrounding_spaces() -> None:
    assert _severity(" Sev1 ") is Severity.CRITICAL


def test_a_missing_or_unknown_name_is_the_default() -> None:
    assert _severity(None) is Severity.INFO
    assert _severity("") is Severity.INFO
    assert _severity("purple") is Severity.INFO


def test_a_source_map_adds_names_and_overrides_aliases() -> None:
    severity_map = {"Purple": Severity.CRITICAL, "HIGH": Severity.CRITICAL}

    assert _severity("purple", severity_map) is Severity.CRITICAL
    assert _severity("high", severity_map) is Severity.CRITICAL
    assert _severity("high") is Severity.ERROR
