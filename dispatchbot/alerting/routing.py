"""Which `[[signals]]` entry an alert belongs to, and what that decides: route, channel, people, plugins.

Signals are tried in order and the first match wins; a signal naming a source with no `match` is that
source's catch-all. A mapbox message carries its own route and users: a signal that sets `route`,
`users` or `channel` overrides them, one that leaves them out keeps the message's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from dispatchbot.alert_formats.model import InboundAlert, MapboxRoute, Severity
from dispatchbot.alerting.model import Route
from dispatchbot.config import Settings, SignalSettings

_Test = Callable[[str | None], bool]
_Match = Callable[[InboundAlert], bool]

SLACK_CHANNEL = "slack"
ONCALL_CHANNEL = "oncall"
BUILT_IN_CHANNELS = (SLACK_CHANNEL, ONCALL_CHANNEL)

REMEMBERED_CHOICES = 1024
"""Signal choices `SignalRouter` keeps (by the values matched on) before starting afresh."""

_MAPBOX_ROUTES = {
    MapboxRoute.SELF_SERVICE: Route.SELF_SERVICE,
    MapboxRoute.BROADCAST: Route.BROADCAST,
    MapboxRoute.HIGH_PRIORITY: Route.PAGE,
    MapboxRoute.LOW_PRIORITY: Route.RECORD,
    MapboxRoute.NAG: Route.NAG,
}
_DEFAULT_CHANNELS = {
    Route.CHANNEL: (SLACK_CHANNEL,),
    Route.BROADCAST: (SLACK_CHANNEL,),
    Route.SELF_SERVICE: (SLACK_CHANNEL,),
    Route.NAG: (SLACK_CHANNEL,),
    Route.PAGE: (ONCALL_CHANNEL,),
    Route.RECORD: (),
    Route.CASE: (SLACK_CHANNEL,),
}


@dataclass(frozen=True)
class Policy:
    """Cabot's timing for one alert: the signal's own values over `[alerts]`."""

    realert_seconds: float
    notification_seconds: float
    ack_expiry_seconds: float

    def interval(self, severity: Severity) -> timedelta:
        """Critical/error repeat on the short interval (C3), warning/info on the long one (C4)."""
        return timedelta(seconds=self.realert_seconds if severity.urgent else self.notification_seconds)

    @property
    def ack_expiry(self) -> timedelta:
        return timedelta(seconds=self.ack_expiry_seconds)


@dataclass(frozen=True)
class Routed:
    signal: str
    route: Route
    channel: str
    users: tuple[str, ...]
    oncall_service: str
    alert_channels: tuple[str, ...]
    declare_auto: bool
    policy: Policy
    case_type: str = ""
    case_priority: str = ""
    dedup_window: timedelta = timedelta(0)
    """Route `case`: how recent the open case's last alert must be for this alert to join it."""
    entity_paths: Mapping[str, str] = field(default_factory=dict)
    """The signal's `entities`: what to extract from the alert for snoozes to match."""
    dedup_entities: tuple[str, ...] = ()
    """Route `case`: join the open case sharing one of these entities' values, else open one."""


class SignalRouter:
    """Built once from the settings; `route` is pure and cheap (it runs for every inbound alert).

    Which signal an alert belongs to depends only on its source and the fields the signals' `match`
    tables name, so that choice is remembered by those values: a storm of alerts that differ in key and
    title but share their labels is matched against the signals once, not once per alert."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._signals = [(signal, _matcher(signal.match)) for signal in settings.signals]
        self._matched_on = tuple(sorted({key for signal in settings.signals for key in signal.match}))
        self._chosen: dict[tuple[str, tuple[str | None, ...]], SignalSettings | None] = {}

    def route(self, source: str, alert: InboundAlert) -> Routed:
        facts = (source, tuple([_field(alert, key) for key in self._matched_on]))
        try:
            signal = self._chosen[facts]
        except KeyError:
            signal = self._first_match(source, alert)
            if len(self._chosen) >= REMEMBERED_CHOICES:  # matched on titles, say: nothing repeats
                self._chosen.clear()
            self._chosen[facts] = signal
        return self._routed(signal, alert)

    def _first_match(self, source: str, alert: InboundAlert) -> SignalSettings | None:
        for signal, matches in self._signals:
            if (not signal.source or signal.source == source) and matches(alert):
                return signal
        return None

    def policy(self, signal_name: str) -> Policy:
        """The timing for alerts of `signal_name` (the defaults when it is gone from the config)."""
        signal = next((entry for entry in self._settings.signals if entry.name == signal_name), None)
        return self._policy(signal)

    def _routed(self, signal: SignalSettings | None, alert: InboundAlert) -> Routed:
        message = alert.mapbox
        route = Route(signal.route) if signal and signal.route else None
        if route is None:
            route = _MAPBOX_ROUTES[message.route] if message else Route.CHANNEL
        users = tuple(signal.users) if signal and signal.users else ()
        if not users and message:
            # Someone given by GitHub name only is kept, to be reported as not found in Slack (M9).
            users = tuple(
                user.slack or f"github:{user.github}" for user in message.users if user.slack or user.github
            )
        case_type = self._settings.case_type(signal.case_type if signal else "")
        if signal and route is Route.CASE:
            channel = self._settings.case_channel(signal)
        else:
            channel = (signal.channel if signal else "") or self._settings.alerts.default_channel
        if route in (Route.CHANNEL, Route.CASE) and not channel:
            route = Route.RECORD  # nowhere to post: kept, listed by `dispatchbot alerts list`
        channels = _DEFAULT_CHANNELS[route]
        if signal and signal.alert_channels:
            channels = tuple(signal.alert_channels)
        return Routed(
            signal=signal.name if signal else "",
            route=route,
            channel=channel,
            users=users,
            oncall_service=(signal.oncall_service if signal else "")
            or (case_type.oncall_service if route is Route.CASE else ""),
            alert_channels=channels,
            declare_auto=bool(signal and signal.declare == "auto"),
            policy=self._policy(signal),
            case_type=case_type.name if route is Route.CASE else "",
            case_priority=self._settings.case_priority(signal.case_priority if signal else "").name
            if route is Route.CASE
            else "",
            dedup_window=timedelta(seconds=signal.dedup_window_seconds if signal else 0),
            entity_paths=signal.entities if signal else {},
            dedup_entities=tuple(signal.dedup_entities) if signal else (),
        )

    def _policy(self, signal: SignalSettings | None) -> Policy:
        defaults = self._settings.alerts
        return Policy(
            realert_seconds=(signal and signal.realert_interval_seconds) or defaults.realert_interval_seconds,
            notification_seconds=(signal and signal.notification_interval_seconds)
            or defaults.notification_interval_seconds,
            ack_expiry_seconds=(signal and signal.ack_expiry_seconds) or defaults.ack_expiry_seconds,
        )


def _matcher(match: dict[str, str]) -> _Match:
    tests = [(key, _value_test(wanted)) for key, wanted in match.items()]

    def matches(alert: InboundAlert) -> bool:
        return all(test(_field(alert, key)) for key, test in tests)

    return matches


def _value_test(wanted: str) -> _Test:
    if wanted.startswith("~"):
        pattern = re.compile(wanted[1:])
        return lambda value: value is not None and pattern.search(value) is not None
    return lambda value: value == wanted


def _field(alert: InboundAlert, key: str) -> str | None:
    """A label, else one of the alert's own fields (title, severity, status, ...)."""
    if key in alert.labels:
        return alert.labels[key]
    if key in ("title", "description", "dedup_key", "source_url", "runbook_url"):
        return str(getattr(alert, key))
    if key in ("severity", "status"):
        return str(getattr(alert, key).value)
    if key == "type" and alert.mapbox is not None:
        return alert.mapbox.route.value
    return None
