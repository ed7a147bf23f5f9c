"""Prometheus Alertmanager's webhook (version 4): a group of alerts, each read on its own.

Alertmanager posts a whole group every `group_interval` and again every `repeat_interval`, so the same
alert arrives many times; its `fingerprint` (a hash of its labels) is the dedup key, and when a proxy
dropped it a hash of the sorted labels stands in, which is just as stable. Each alert carries its own
status: one request can resolve one alert of a group while the others keep firing. Grafana's webhook is
this format with a few fields more, so `read_group` serves both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dispatchbot.alert_formats.fields import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    Fields,
    Notes,
    bounded_key,
    bounded_labels,
    bounded_url,
    clip,
    digest,
)
from dispatchbot.alert_formats.model import AlertFormat, InboundAlert, InboundStatus, ParsedPayload
from dispatchbot.alert_formats.severity import SeverityScale

_STATUSES = {"firing": InboundStatus.FIRING, "resolved": InboundStatus.RESOLVED}


def parse(body: Mapping[str, Any], scale: SeverityScale) -> ParsedPayload:
    return read_group(Fields.of(AlertFormat.ALERTMANAGER, body), scale, ("generatorURL",))


def read_group(group: Fields, scale: SeverityScale, url_keys: tuple[str, ...]) -> ParsedPayload:
    """Every alert of `group`; `url_keys` are the alert fields tried, in order, for its source URL."""
    if "alerts" not in group.data:
        raise group.error("alerts", "is required")
    items = group.children("alerts")
    if not items:
        raise group.error("alerts", "has no alerts")
    notes = Notes()
    group_status = group.text("status")
    alerts = tuple(_alert(item, group_status, scale, url_keys, notes) for item in items)
    truncated = group.whole_number("truncatedAlerts")
    if truncated > 0:
        notes.add(f"{truncated} alerts of this group were left out by the sender (its max_alerts)")
    return ParsedPayload(group.format, alerts, warnings=notes.warnings())


def _alert(
    item: Fields, group_status: str, scale: SeverityScale, url_keys: tuple[str, ...], notes: Notes
) -> InboundAlert:
    labels = item.labels("labels")
    annotations = item.child("annotations")
    status = _STATUSES.get((item.text("status") or group_status).lower())
    if status is None:
        raise item.error("status", "must be firing or resolved")
    fingerprint = item.identifier("fingerprint")
    url = next((value for key in url_keys if (value := item.text(key))), "")
    return InboundAlert(
        dedup_key=bounded_key(fingerprint) if fingerprint else digest(labels, 16),
        status=status,
        title=clip(annotations.text("summary") or labels.get("alertname") or "Alert", TITLE_LIMIT),
        severity=scale.read(labels.get("severity", "")),
        description=clip(annotations.text("description"), DESCRIPTION_LIMIT),
        labels=bounded_labels(labels, item.at("labels"), notes),
        source_url=bounded_url(url, item.path, notes),
        runbook_url=bounded_url(annotations.text("runbook_url"), annotations.at("runbook_url"), notes),
        occurred_at=item.time("endsAt" if status is InboundStatus.RESOLVED else "startsAt"),
        raw=item.data,
    )
