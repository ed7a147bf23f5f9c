"""Severity names as monitoring systems spell them, read into our four (`Severity`).

Senders disagree: Zabbix says `disaster` and `average`, PagerDuty-style tools `P1`..`P5`, Opsgenie and
many dashboards `high`/`low`, Prometheus rules whatever their authors typed. A built-in alias table
covers the common spellings so most sources need no configuration; a source's `severity_map` adds to it
or overrides it; anything still unknown (or missing) becomes the source's default rather than a refusal,
because a sender cannot be told to rename its severities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from dispatchbot.alert_formats.model import Severity

_SPELLINGS: Mapping[Severity, tuple[str, ...]] = {
    Severity.CRITICAL: ("critical", "crit", "fatal", "emergency", "page", "p1", "sev1", "disaster"),
    Severity.ERROR: ("error", "err", "high", "major", "p2", "sev2"),
    Severity.WARNING: ("warning", "warn", "medium", "moderate", "minor", "p3", "sev3", "average"),
    Severity.INFO: (
        "info",
        "low",
        "informational",
        "information",
        "notice",
        "p4",
        "p5",
        "sev4",
        "none",
        "ok",
    ),
}

SEVERITY_ALIASES: Mapping[str, Severity] = MappingProxyType(
    {name: severity for severity, names in _SPELLINGS.items() for name in names}
)
"""Every built-in spelling (lower case, our own four names included) and the severity it means."""


@dataclass(frozen=True)
class SeverityScale:
    """A reading of severity names, built once per severity map and shared (never changed)."""

    names: Mapping[str, Severity]
    default: Severity

    @classmethod
    def build(
        cls, severity_map: Mapping[str, Severity] | None = None, default: Severity = Severity.WARNING
    ) -> SeverityScale:
        names = dict(SEVERITY_ALIASES)
        names.update({name.strip().lower(): Severity(value) for name, value in (severity_map or {}).items()})
        return cls(names, Severity(default))

    def known(self, name: str) -> Severity | None:
        """The severity `name` spells (case-insensitive), or None when neither table knows it."""
        return self.names.get(name.strip().lower())

    def read(self, name: str) -> Severity:
        """The severity `name` spells, else the default (an empty name included)."""
        return self.known(name) or self.default
