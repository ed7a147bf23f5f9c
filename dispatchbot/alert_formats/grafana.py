"""Grafana alerting's webhook contact point: Alertmanager's format plus `orgId`, `state` and links.

Grafana builds its payload from its embedded Alertmanager, so the alerts are read the same way. Its
`generatorURL` opens the alert rule; when a sender leaves it empty, the dashboard or panel the rule
belongs to is the next best link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dispatchbot.alert_formats.alertmanager import read_group
from dispatchbot.alert_formats.fields import Fields
from dispatchbot.alert_formats.model import AlertFormat, ParsedPayload
from dispatchbot.alert_formats.severity import SeverityScale

_URL_KEYS = ("generatorURL", "dashboardURL", "panelURL")


def parse(body: Mapping[str, Any], scale: SeverityScale) -> ParsedPayload:
    return read_group(Fields.of(AlertFormat.GRAFANA, body), scale, _URL_KEYS)
