"""``FakeOpsgenie``: the slice of Opsgenie's v2 API (alerts, schedule on-calls) the adapter uses.

Like Opsgenie, ``POST /v2/alerts`` answers 202 "Request will be processed", and an alert created with
the alias of an open alert is not a new alert: the open one's ``count`` goes up. Every answer is JSON,
errors included, because opsgenie-sdk decodes every body before it looks at the status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from dispatchbot.config import OpsgenieSettings
from dispatchbot.testing.vendor_server import VendorServer, json_body

JSON = dict[str, Any]


@dataclass
class FakeAlert:
    id: str
    tiny_id: str
    alias: str
    message: str
    description: str
    responders: list[JSON]
    """As the creator sent them, e.g. [{"name": "sre-primary", "type": "schedule"}]."""
    created_at: datetime
    priority: str = "P3"
    status: str = "open"
    acknowledged: bool = False
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    escalated_to: str | None = None
    """The name (or id) of the last escalation the alert was escalated to."""
    count: int = 1
    notes: list[str] = field(default_factory=list)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _acknowledge(alert: FakeAlert, by: str, at: datetime) -> None:
    alert.acknowledged = True
    alert.acknowledged_by = by
    alert.acknowledged_at = at


class FakeOpsgenie(VendorServer):
    def __init__(self, api_key: str = "og-test-key") -> None:
        super().__init__(api_key)
        self.schedules: dict[str, list[str]] = {}
        self.alerts: list[FakeAlert] = []

    def settings(self) -> OpsgenieSettings:
        return OpsgenieSettings(api_url=self.api_url, api_key=SecretStr(self.api_key))

    # ------------------------------------------------------------------- setup

    def add_schedule(self, identifier: str, oncall: list[str]) -> None:
        """A schedule whose name (also its id here) has `oncall` (emails) on call now, in order."""
        self.schedules[identifier] = list(oncall)

    def acknowledge(self, alias: str, by: str, *, at: datetime | None = None) -> None:
        """Someone acknowledges the alert in the Opsgenie app."""
        alert = self.alert(alias)
        if alert is None:
            raise KeyError(alias)
        _acknowledge(alert, by, at or datetime.now(UTC))

    def alert(self, alias: str) -> FakeAlert | None:
        """The newest alert with `alias`, the one Opsgenie resolves an alias to."""
        return next((a for a in reversed(self.alerts) if a.alias == alias), None)

    # ---------------------------------------------------------------- plumbing

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/alerts", self._create_alert)
        app.router.add_get("/v2/alerts", self._list_alerts)
        app.router.add_get("/v2/alerts/{identifier}", self._get_alert)
        app.router.add_post("/v2/alerts/{identifier}/close", self._close_alert)
        app.router.add_post("/v2/alerts/{identifier}/escalate", self._escalate_alert)
        app.router.add_post("/v2/alerts/{identifier}/acknowledge", self._acknowledge_alert)
        app.router.add_get("/v2/schedules/{identifier}/on-calls", self._oncalls)

    def authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"GenieKey {self.api_key}"

    def error(self, status: int, message: str) -> web.Response:
        return web.json_response(self._envelope(message=message), status=status)

    @staticmethod
    def _envelope(**fields: Any) -> JSON:
        return {**fields, "took": 0.001, "requestId": str(uuid.uuid4())}

    def _accepted(self) -> web.Response:
        return web.json_response(self._envelope(result="Request will be processed"), status=202)

    def _find(self, request: web.Request) -> FakeAlert | None:
        identifier = request.match_info["identifier"]
        kind = request.query.get("identifierType", "id")
        if kind == "alias":
            return self.alert(identifier)
        attribute = "tiny_id" if kind == "tiny" else "id"
        return next((a for a in self.alerts if getattr(a, attribute) == identifier), None)

    def _alert_json(self, alert: FakeAlert) -> JSON:
        report: JSON = {}
        if alert.acknowledged and alert.acknowledged_at is not None:
            elapsed = alert.acknowledged_at - alert.created_at
            report = {"ackTime": int(elapsed.total_seconds() * 1000), "acknowledgedBy": alert.acknowledged_by}
        return {
            "id": alert.id,
            "tinyId": alert.tiny_id,
            "alias": alert.alias,
            "message": alert.message,
            "description": alert.description,
            "status": alert.status,
            "acknowledged": alert.acknowledged,
            "isSeen": alert.acknowledged,
            "tags": [],
            "snoozed": False,
            "count": alert.count,
            "createdAt": _iso(alert.created_at),
            "updatedAt": _iso(alert.acknowledged_at or alert.created_at),
            "lastOccurredAt": _iso(alert.created_at),
            "source": "dispatchbot",
            "owner": alert.acknowledged_by or "",
            "priority": alert.priority,
            "responders": [
                {"type": r.get("type", "schedule"), "id": r.get("id") or r.get("name", "")}
                for r in alert.responders
            ],
            "integration": {"id": "fake-integration", "name": "Default API", "type": "API"},
            "report": report,
            "actions": [],
            "entity": "",
            "details": {},
        }

    # ------------------------------------------------------------------ alerts

    async def _create_alert(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        message = str(body.get("message") or "")
        if not message:
            return self.error(422, "Message can not be empty.")
        alias = str(body.get("alias") or uuid.uuid4())
        existing = self.alert(alias)
        if existing is not None and existing.status == "open":
            existing.count += 1
            return self._accepted()
        number = len(self.alerts) + 1
        self.alerts.append(
            FakeAlert(
                id=str(uuid.uuid4()),
                tiny_id=str(number),
                alias=alias,
                message=message,
                description=str(body.get("description") or ""),
                responders=[r for r in body.get("responders") or [] if isinstance(r, dict)],
                created_at=datetime.now(UTC),
                priority=str(body.get("priority") or "P3"),
            )
        )
        return self._accepted()

    async def _list_alerts(self, request: web.Request) -> web.Response:
        """Newest first, ``limit`` of them (no query language: every alert matches)."""
        limit = int(request.query.get("limit", "20"))
        newest = [self._alert_json(alert) for alert in reversed(self.alerts)][:limit]
        return web.json_response(self._envelope(data=newest, paging={}))

    async def _get_alert(self, request: web.Request) -> web.Response:
        alert = self._find(request)
        if alert is None:
            return self.error(404, "Alert does not exist")
        return web.json_response(self._envelope(data=self._alert_json(alert)))

    async def _close_alert(self, request: web.Request) -> web.Response:
        alert = self._find(request)
        if alert is None:
            return self.error(404, "Alert does not exist")
        alert.status = "closed"
        return self._accepted()

    async def _escalate_alert(self, request: web.Request) -> web.Response:
        alert = self._find(request)
        if alert is None:
            return self.error(404, "Alert does not exist")
        escalation = (await json_body(request)).get("escalation")
        if not isinstance(escalation, dict) or not (escalation.get("name") or escalation.get("id")):
            return self.error(422, "Escalation should be provided.")
        alert.escalated_to = str(escalation.get("name") or escalation.get("id"))
        return self._accepted()

    async def _acknowledge_alert(self, request: web.Request) -> web.Response:
        alert = self._find(request)
        if alert is None:
            return self.error(404, "Alert does not exist")
        _acknowledge(alert, str((await json_body(request)).get("user") or "API"), datetime.now(UTC))
        return self._accepted()

    # --------------------------------------------------------------- schedules

    async def _oncalls(self, request: web.Request) -> web.Response:
        name = request.match_info["identifier"]
        oncall = self.schedules.get(name)
        if oncall is None:
            return self.error(404, f"No schedule exists with identifier [{name}]")
        parent = {"id": name, "name": name, "enabled": True}
        if request.query.get("flat") == "true":
            data: JSON = {"_parent": parent, "onCallRecipients": list(oncall)}
        else:
            data = {
                "_parent": parent,
                "onCallParticipants": [{"id": email, "name": email, "type": "user"} for email in oncall],
            }
        return web.json_response(self._envelope(data=data))
