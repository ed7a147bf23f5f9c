"""The generic JSON shape, for senders with a configurable webhook body (incident.io's HTTP source style).

`{"title", "status", "deduplication_key", "severity", "description", "source_url", "runbook_url",
"metadata"}`: the sender chooses the key, so it is required. A resolve or acknowledge may leave the
title out (the alert it names has one); a missing status means firing, the reason anyone posts.
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
)
from dispatchbot.alert_formats.model import AlertFormat, InboundAlert, InboundStatus, ParsedPayload
from dispatchbot.alert_formats.severity import SeverityScale


def parse(body: Mapping[str, Any], scale: SeverityScale) -> ParsedPayload:
    alert = Fields.of(AlertFormat.GENERIC, body)
    try:
        status = InboundStatus(alert.text("status").lower() or InboundStatus.FIRING)
    except ValueError:
        raise alert.error("status", "must be firing, resolved or acknowledged") from None
    dedup_key = alert.required("deduplication_key", "is required (a non-empty string)")
    if status is InboundStatus.FIRING:
        alert.required("title", "is required when firing")
    notes = Notes()
    inbound = InboundAlert(
        dedup_key=bounded_key(dedup_key),
        status=status,
        title=clip(alert.text("title"), TITLE_LIMIT),
        severity=scale.read(alert.text("severity")),
        description=clip(alert.text("description"), DESCRIPTION_LIMIT),
        labels=bounded_labels(alert.labels("metadata"), "metadata", notes),
        source_url=bounded_url(alert.text("source_url"), "source_url", notes),
        runbook_url=bounded_url(alert.text("runbook_url"), "runbook_url", notes),
        occurred_at=alert.time("occurred_at"),
        raw=body,
    )
    return ParsedPayload(AlertFormat.GENERIC, (inbound,), warnings=notes.warnings())
