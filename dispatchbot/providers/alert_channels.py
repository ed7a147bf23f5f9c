"""Alert plugins (Cabot's model, seed 003): where an alert goes besides dispatchbot's own Slack message
and pages. A team ships one as a package registering a factory in the `dispatchbot.alert_channels`
entry-point group; a signal lists the plugins its alerts use (`alert_channels = ["slack", "sms"]`).

A plugin has a `name` and an `author`, and `send_alert(alert, users, duty_officers)`, called when an
alert fires, re-alerts (C3 to C5) and recovers (C6: `alert.state` says which); optionally
`send_alert_update(...)`, called instead of a re-alert while the alert is acknowledged (C7). Delivery is
at least once: a plugin is called again if the process dies before its call is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from dispatchbot.alerting.model import Alert
from dispatchbot.config import Settings
from dispatchbot.errors import StartupError
from dispatchbot.logs import get_logger

log = get_logger(__name__)

ENTRY_POINT_GROUP = "dispatchbot.alert_channels"


@dataclass(frozen=True)
class Person:
    """Someone to notify: as configured or sent (`given`), and their Slack id when we found one."""

    given: str
    slack_id: str | None
    email: str = ""
    name: str = ""


@runtime_checkable
class AlertChannel(Protocol):
    name: str
    author: str

    async def send_alert(
        self, alert: Alert, users: Sequence[Person], duty_officers: Sequence[Person]
    ) -> None: ...


@runtime_checkable
class UpdatingAlertChannel(AlertChannel, Protocol):
    async def send_alert_update(
        self, alert: Alert, users: Sequence[Person], duty_officers: Sequence[Person]
    ) -> None: ...


Factory = Callable[[Settings], object | None]


def load_alert_channels(settings: Settings, built_in: Sequence[str]) -> dict[str, AlertChannel]:
    """Third-party plugins by name; a broken one, or a signal naming one that is not installed, stops
    start-up with one line (an alert silently going nowhere is found at 3 a.m.)."""
    plugins: dict[str, AlertChannel] = {}
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        try:
            factory: Factory = entry_point.load()
            plugin = factory(settings)
        except Exception as exc:
            raise StartupError(
                f"alert plugin {entry_point.name!r} ({entry_point.value}) failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if plugin is None:
            continue
        if not isinstance(plugin, AlertChannel):
            raise StartupError(f"alert plugin {entry_point.name!r} has no name, author and send_alert")
        plugins[plugin.name] = plugin
        log.info("alert_plugin.loaded", plugin=plugin.name, author=plugin.author)
    known = set(plugins) | set(built_in)
    for index, signal in enumerate(settings.signals):
        unknown = sorted(set(signal.alert_channels) - known)
        if unknown:
            raise StartupError(
                f"signals[{index}] ({signal.name}).alert_channels: {unknown} are not installed "
                f"— installed: {sorted(known)}"
            )
    return plugins
