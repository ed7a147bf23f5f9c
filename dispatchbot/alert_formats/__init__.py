"""Inbound alert formats: a decoded JSON body in, `ParsedPayload` (our one shape) out.

`parse(body, format)` reads a body in a source's configured format, or detects it (`auto`). It is pure
and raises only `FormatError`, whose field path and reason become the 400 answer. One module per
format; `fields` holds the typed readers and the size bounds they share, `severity` the name mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from dispatchbot.alert_formats import alertmanager, generic, grafana, mapbox, pagerduty
from dispatchbot.alert_formats.fields import NESTING_LIMIT, too_deep
from dispatchbot.alert_formats.model import (
    AlertFormat,
    FormatError,
    InboundAlert,
    InboundStatus,
    MapboxMessage,
    MapboxRoute,
    MapboxUser,
    ParsedPayload,
    Severity,
)
from dispatchbot.alert_formats.severity import SEVERITY_ALIASES, SeverityScale

__all__ = [
    "SEVERITY_ALIASES",
    "AlertFormat",
    "FormatError",
    "InboundAlert",
    "InboundStatus",
    "MapboxMessage",
    "MapboxRoute",
    "MapboxUser",
    "ParsedPayload",
    "Severity",
    "detect",
    "parse",
]

AUTO = "auto"

_PARSERS: Mapping[AlertFormat, Callable[[Mapping[str, Any], SeverityScale], ParsedPayload]] = {
    AlertFormat.ALERTMANAGER: alertmanager.parse,
    AlertFormat.GRAFANA: grafana.parse,
    AlertFormat.PAGERDUTY: pagerduty.parse,
    AlertFormat.GENERIC: generic.parse,
    AlertFormat.MAPBOX: mapbox.parse,
}
_NAMES = ", ".join(format.value for format in AlertFormat)
_SNS_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")


def parse(
    body: object,
    format: str,
    severity_map: Mapping[str, Severity] | None = None,
    default_severity: Severity = Severity.WARNING,
) -> ParsedPayload:
    """Read `body` (decoded JSON) as `format` (an `AlertFormat` value or "auto"). `severity_map` adds
    to or overrides `SEVERITY_ALIASES`; unknown and missing severities read as `default_severity`."""
    if format == AUTO:
        chosen = detect(body)
    else:
        try:
            chosen = AlertFormat(format)
        except ValueError:
            raise FormatError(format, None, f"unknown format; expected {_NAMES} or {AUTO}") from None
    if not isinstance(body, dict):
        raise FormatError(chosen, None, "the payload must be a JSON object")
    if too_deep(body):
        raise FormatError(chosen, None, f"the payload nests deeper than {NESTING_LIMIT} levels")
    names = tuple(sorted(severity_map.items())) if severity_map else ()
    return _PARSERS[chosen](body, _scale(names, default_severity))


@lru_cache(maxsize=64)
def _scale(names: tuple[tuple[str, Severity], ...], default: Severity) -> SeverityScale:
    """Built once per severity map (a source's reading does not change while the bot runs): copying
    the alias table for every request was a measurable part of taking an alert in."""
    return SeverityScale.build(dict(names), default)


def detect(body: object) -> AlertFormat:
    """The format `body` is in, from the fields only that format has; most specific first (a Grafana
    body is an Alertmanager body with more, and has a `title` and `status` too)."""
    if not isinstance(body, dict):
        raise FormatError(AUTO, None, "the payload must be a JSON object")
    alerts = isinstance(body.get("alerts"), list)
    if body.get("Type") in _SNS_TYPES and "type" not in body:
        return AlertFormat.MAPBOX
    if "event_action" in body:
        return AlertFormat.PAGERDUTY
    if alerts and ("orgId" in body or "state" in body):
        return AlertFormat.GRAFANA
    if alerts:
        return AlertFormat.ALERTMANAGER
    if "type" in body and "body" in body:
        return AlertFormat.MAPBOX
    if any(key in body for key in ("title", "status", "deduplication_key")):
        return AlertFormat.GENERIC
    reason = f"could not recognise the payload as any of {_NAMES}; set the source's format to say which"
    raise FormatError(AUTO, None, reason)
