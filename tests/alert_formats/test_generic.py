"""The generic JSON shape: the sender names the alert with `deduplication_key`."""

from __future__ import annotations

from typing import Any

import pytest

from dispatchbot.alert_formats import AlertFormat, InboundAlert, InboundStatus, ParsedPayload, Severity, parse
from tests.alert_formats.samples import generic_firing, generic_resolved, refusal


def test_a_firing_alert_is_read_into_our_shape() -> None:
    body = generic_firing()

    assert parse(body, "generic") == ParsedPayload(
        AlertFormat.GENERIC,
        (
            InboundAlert(
                dedup_key="checkout-5xx",
                status=InboundStatus.FIRING,
                title="Checkout 5xx > 2%",
                severity=Severity.CRITICAL,
                description="...",
                labels={"service": "checkout"},
                source_url="https://grafana/d/x",
                raw=body,
            ),
        ),
    )


def test_a_resolve_needs_only_the_key() -> None:
    (alert,) = parse(generic_resolved(), "generic").alerts

    assert (alert.dedup_key, alert.status, alert.title) == ("checkout-5xx", InboundStatus.RESOLVED, "")


@pytest.mark.parametrize(
    ("status", "read"),
    [
        (None, InboundStatus.FIRING),
        ("Acknowledged", InboundStatus.ACKNOWLEDGED),
        ("RESOLVED", InboundStatus.RESOLVED),
    ],
)
def test_status_is_case_insensitive_and_defaults_to_firing(status: str | None, read: InboundStatus) -> None:
    body = generic_firing()
    body["status"] = status

    assert parse(body, "generic").alerts[0].status is read


def test_metadata_values_become_text_labels() -> None:
    body = generic_firing()
    body["metadata"] = {"replicas": 3, "canary": True, "zones": ["a", "b"], "owner": None, "team": "pay"}

    assert parse(body, "generic").alerts[0].labels == {
        "canary": "true",
        "replicas": "3",
        "team": "pay",
        "zones": '["a","b"]',
    }


def _with(**fields: Any) -> dict[str, Any]:
    return {**generic_firing(), **fields}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "status": "firing"}, "deduplication_key"),
        (_with(deduplication_key=""), "deduplication_key"),
        (_with(deduplication_key=["a"]), "deduplication_key"),
        (_with(title=None), "title"),
        (_with(title="  "), "title"),
        (_with(title=5), "title"),
        (_with(status="open"), "status"),
        (_with(status=1), "status"),
        (_with(severity={"level": 1}), "severity"),
        (_with(description=["a"]), "description"),
        (_with(metadata="service=checkout"), "metadata"),
        (_with(source_url=False), "source_url"),
    ],
)
def test_a_malformed_alert_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    error = refusal(body, "generic")

    assert (error.format, error.field) == ("generic", field)
