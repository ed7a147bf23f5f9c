"""PagerDuty Events API v2: one event per request, `trigger`, `acknowledge` or `resolve`.

Tools that already page PagerDuty can point the same integration at us. A trigger without `dedup_key`
gets one made from the event itself (PagerDuty invents a random one and returns it): a sender that
retries a POST whose answer it never saw then lands on the same alert instead of opening a second.
`routing_key` is left out of that hash, so it is the event, not the credential, that names the alert.
Acknowledge and resolve name an existing alert, so they need the key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
    label_value,
)
from dispatchbot.alert_formats.model import AlertFormat, InboundAlert, InboundStatus, ParsedPayload, Severity
from dispatchbot.alert_formats.severity import SeverityScale

_ACTIONS = {
    "trigger": InboundStatus.FIRING,
    "acknowledge": InboundStatus.ACKNOWLEDGED,
    "resolve": InboundStatus.RESOLVED,
}
_PAYLOAD_LABELS = ("source", "component", "group", "class")
_NESTING_LIMIT = 4
"""How deep `custom_details` objects are flattened into dotted label names; deeper parts stay JSON."""


def parse(body: Mapping[str, Any], scale: SeverityScale) -> ParsedPayload:
    event = Fields.of(AlertFormat.PAGERDUTY, body)
    action = event.text("event_action")
    status = _ACTIONS.get(action)
    if status is None:
        raise event.error("event_action", "must be trigger, acknowledge or resolve")
    payload = event.child("payload")
    dedup_key = event.identifier("dedup_key")
    if not dedup_key:
        if status is not InboundStatus.FIRING:
            raise event.error("dedup_key", f"is required to {action}")
        dedup_key = digest({key: value for key, value in body.items() if key != "routing_key"}, 32)
    if status is InboundStatus.FIRING:
        payload.required("summary", "is required to trigger")
    notes = Notes()
    labels, description = _details(payload)
    labels.update({key: value for key in _PAYLOAD_LABELS if (value := payload.text(key))})
    links = event.children("links")
    url = links[0].text("href") if links else ""
    alert = InboundAlert(
        dedup_key=bounded_key(dedup_key),
        status=status,
        title=clip(payload.text("summary"), TITLE_LIMIT),
        severity=_severity(payload, status, scale),
        description=clip(description, DESCRIPTION_LIMIT),
        labels=bounded_labels(labels, payload.path, notes),
        source_url=bounded_url(url or event.text("client_url"), "links", notes),
        occurred_at=payload.time("timestamp"),
        raw=body,
    )
    routing_key = event.text("routing_key") or None
    return ParsedPayload(AlertFormat.PAGERDUTY, (alert,), routing_key=routing_key, warnings=notes.warnings())


def _severity(payload: Fields, status: InboundStatus, scale: SeverityScale) -> Severity:
    """Required on a trigger and refused when unknown, as PagerDuty does; acknowledge and resolve may
    leave it out (the receiver keeps the alert's own)."""
    name = payload.text("severity")
    if status is not InboundStatus.FIRING:
        return scale.read(name)
    severity = scale.known(name)
    if severity is None:
        raise payload.error("severity", "must be critical, error, warning or info")
    return severity


def _details(payload: Fields) -> tuple[dict[str, str], str]:
    """`custom_details` as labels (an object, flattened) or as the description (anything else)."""
    details = payload.data.get("custom_details")
    if isinstance(details, Mapping):
        return dict(_flattened(details, "", 0)), ""
    return {}, label_value(details) or ""


def _flattened(values: Mapping[str, Any], prefix: str, depth: int) -> Iterator[tuple[str, str]]:
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth < _NESTING_LIMIT:
            yield from _flattened(value, f"{name}.", depth + 1)
        elif (text := label_value(value)) is not None:
            yield name, text
