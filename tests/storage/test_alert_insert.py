"""New alerts of one intake batch are inserted in bulk and each keeps its own id, including one that
was opened and resolved within the batch (it has no open key to be matched back by)."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatchbot.alert_formats.model import (
    AlertFormat,
    InboundAlert,
    InboundStatus,
    ParsedPayload,
    Severity,
)
from dispatchbot.alerting.model import Action, AlertState
from dispatchbot.alerting.routing import SignalRouter
from dispatchbot.config import Settings
from dispatchbot.services.alert_intake import AlertIntake
from dispatchbot.services.alerts import AlertService
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def inbound(key: str, status: InboundStatus = InboundStatus.FIRING) -> InboundAlert:
    return InboundAlert(key, status, f"Alert {key}", Severity.ERROR, raw={"key": key, "status": status.value})


async def test_each_new_alert_of_a_batch_gets_its_own_row(database: Database) -> None:
    settings = Settings.model_validate({"alerts": {"default_channel": "#alerts"}})
    router, clock = SignalRouter(settings), ManualClock(T0)
    intake = AlertIntake(database.sessions, clock, router, settings, on_stored=lambda: None)
    alerts = AlertService(database.sessions, clock, router)
    payload = ParsedPayload(
        AlertFormat.ALERTMANAGER,
        (
            inbound("a"),
            inbound("b"),
            inbound("a", InboundStatus.RESOLVED),
            inbound("a"),
            inbound("c"),
        ),
    )
    intake.start()
    try:
        outcomes = await intake.take("prometheus", payload)
    finally:
        await intake.stop()

    assert [o.action for o in outcomes] == [
        Action.CREATED,
        Action.CREATED,
        Action.RESOLVED,
        Action.CREATED,
        Action.CREATED,
    ]
    resolved, reopened = reversed(await alerts.find("prometheus", "a"))
    assert (resolved.state, reopened.state) == (AlertState.RESOLVED, AlertState.FIRING)
    assert [e.action for e in await alerts.audit_trail(resolved.id)] == ["created", "resolved"]
    assert [e.action for e in await alerts.audit_trail(reopened.id)] == ["created"]
    for key in ("b", "c"):
        (alert,) = await alerts.find("prometheus", key)
        assert alert.title == f"Alert {key}"
        assert [e.action for e in await alerts.audit_trail(alert.id)] == ["created"]
