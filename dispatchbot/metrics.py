"""Prometheus metrics, one registry per bot instance so several bots can live in one test process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

ACK_BUCKETS = (0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.envelopes = Counter(
            "dispatchbot_envelopes", "Slack requests received, by type", ["type"], registry=self.registry
        )
        self.duplicates = Counter(
            "dispatchbot_duplicate_deliveries",
            "Slack requests dropped as repeats, by type",
            ["type"],
            registry=self.registry,
        )
        self.ack_latency = Histogram(
            "dispatchbot_ack_latency_seconds",
            "Time from receiving a Slack request to acknowledging it",
            ["type"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.api_calls = Counter(
            "dispatchbot_slack_api_calls",
            "Slack Web API calls, by method and outcome (ok or the error code)",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.flow_runs = Counter(
            "dispatchbot_flow_runs",
            "Flow runs that ended, by kind and status",
            ["kind", "status"],
            registry=self.registry,
        )
        self.alerts = Counter(
            "dispatchbot_alerts",
            "Inbound alerts, by source, format and what they did",
            ["source", "format", "action"],
            registry=self.registry,
        )
        self.alert_requests = Counter(
            "dispatchbot_alert_requests",
            "POSTs to /alerts/{source}, by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.alert_notices = Counter(
            "dispatchbot_alert_notices",
            "Alert notices delivered, by kind and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.slack_connected = Gauge(
            "dispatchbot_slack_connected", "1 while the Slack connection is up", registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
