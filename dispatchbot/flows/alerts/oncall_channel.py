"""The built-in `oncall` alert channel: page the signal's on-call service through the configured on-call
provider, and resolve the page when the alert recovers. The provider de-duplicates on the key we give
it, so a retried notice never pages twice."""

from __future__ import annotations

from dispatchbot.alerting.model import Alert, Route
from dispatchbot.blocks.alerts.prompts import fallback_note
from dispatchbot.deps import Deps
from dispatchbot.logs import get_logger

log = get_logger(__name__)

NAME = "oncall"


def page_key(alert: Alert, *, escalation: bool = False) -> str:
    """mapbox pages on its request id (a self-service No, M5) or its PagerDuty title (M7); other alerts
    on the alert itself (a firing after recovery is a new alert, so a new page)."""
    message = alert.mapbox
    if message is not None and escalation:
        return message.request_id
    if message is not None and alert.route is Route.PAGE:
        return message.pagerduty_title or alert.title
    return f"alert:{alert.source}:{alert.dedup_key}:{alert.id}"


async def page(deps: Deps, alert: Alert, *, escalation: bool = False) -> None:
    if alert.page_id is not None and not escalation:
        return
    service = next((s for s in deps.settings.services if s.name == alert.oncall_service), None)
    adapter = deps.providers.oncall.get(service.provider) if service is not None else None
    if service is None or adapter is None:
        await _cannot_page(deps, alert, "no on-call service is configured for this alert's signal")
        return
    page_id = await adapter.page(
        service.external_id,
        dedup_key=page_key(alert, escalation=escalation),
        title=alert.title[:1024],
        description=alert.description[:3000],
    )
    await deps.alerts.record(alert.id, action="paged", detail=service.name, page_id=page_id)


async def resolve(deps: Deps, alert: Alert) -> None:
    if alert.page_id is None:
        return
    service = next((s for s in deps.settings.services if s.name == alert.oncall_service), None)
    adapter = deps.providers.oncall.get(service.provider) if service is not None else None
    if adapter is not None:
        await adapter.resolve(alert.page_id)
        await deps.alerts.record(alert.id, action="page_resolved", detail=alert.page_id)


async def _cannot_page(deps: Deps, alert: Alert, reason: str) -> None:
    """Said where people look (M9's fallback channel), and in the audit trail; never dropped silently."""
    log.warning("alerts.cannot_page", alert_id=alert.id)
    await deps.alerts.record(alert.id, action="page_failed", detail=reason)
    target = deps.settings.alerts.fallback_channel or deps.settings.alerts.default_channel
    channel = await deps.slack.channel_id_for(target) if target else None
    if channel:
        await deps.slack.post_message(
            channel, *fallback_note(alert, alert.oncall_service or "on-call", reason)
        )
