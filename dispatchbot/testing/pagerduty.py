"""``FakePagerDuty``: the slice of PagerDuty's REST API v2 the on-call adapter uses, over HTTPS.

The `pagerduty` client refuses any base URL that is not ``https://``, so the fake serves TLS with a
certificate from a throwaway trustme CA and hands out the CA's PEM (`ca_file`) for the adapter's
`[pagerduty] ca_file` setting. The shapes (entity wrappers, offset pagination, the 400 for a duplicate
open ``incident_key``, the required ``From`` header) follow PagerDuty, so the real client and the real
adapter run unchanged.

Model: each service has an escalation policy; level 1 targets the schedule ``<service_id>-SCHED``
whose current on-call is settable (`set_oncall`), levels 2..n target users directly. `add_shift` adds
rendered schedule entries, which time-ranged on-call queries and ``GET /schedules/{id}`` answer from.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from dispatchbot.config import PagerDutySettings
from dispatchbot.testing.vendor_server import VendorServer, json_body

JSON = dict[str, Any]

DEDUP_CONFLICT = "Open incident with matching dedup key already exists on this service"
ALREADY_RESOLVED = "Incident Already Resolved"


@dataclass
class FakePdUser:
    id: str
    email: str
    name: str


@dataclass
class FakePdShift:
    """One rendered entry of a schedule's final layer."""

    user_id: str
    start: datetime
    end: datetime


@dataclass
class FakePdService:
    id: str
    name: str
    policy_id: str
    schedule_id: str
    level_user_ids: list[str]
    """The on-call user id per escalation level; index 0 is the schedule's current on-call."""
    shifts: list[FakePdShift] = field(default_factory=list)


@dataclass
class FakePdIncident:
    id: str
    number: int
    incident_key: str | None
    title: str
    service_id: str
    details: str
    urgency: str
    created_at: datetime
    status: str = "triggered"
    escalation_level: int = 1
    assignee_email: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    """The acknowledger's email."""


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _list_param(request: web.Request, name: str) -> list[str]:
    return request.query.getall(f"{name}[]", [])


class FakePagerDuty(VendorServer):
    scheme = "https"

    def __init__(self, api_key: str = "pd-test-key") -> None:
        super().__init__(api_key)
        self.users: dict[str, FakePdUser] = {}
        self.services: dict[str, FakePdService] = {}
        self.incidents: list[FakePdIncident] = []
        # trustme is a test extra; import it only when a fake is built, not with dispatchbot.testing.
        import trustme

        self._ca = trustme.CA()
        handle, self.ca_file = tempfile.mkstemp(prefix="fake-pagerduty-ca-", suffix=".pem")
        with os.fdopen(handle, "wb") as pem:
            pem.write(self._ca.cert_pem.bytes())

    async def stop(self) -> None:
        await super().stop()
        self._remove_ca_file()

    def _remove_ca_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.ca_file)

    def server_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        return context

    def settings(self, from_email: str = "bot@example.com") -> PagerDutySettings:
        return PagerDutySettings(
            api_url=self.api_url, api_key=SecretStr(self.api_key), from_email=from_email, ca_file=self.ca_file
        )

    # ------------------------------------------------------------------- setup

    def add_service(self, service_id: str, name: str, oncall: list[tuple[str, str]]) -> None:
        """`oncall` is [(email, name), ...] for escalation levels 1..n; level 1 is the schedule's current."""
        self.services[service_id] = FakePdService(
            id=service_id,
            name=name,
            policy_id=f"{service_id}-EP",
            schedule_id=f"{service_id}-SCHED",
            level_user_ids=[self._user(email, person).id for email, person in oncall],
        )

    def set_oncall(self, service_id: str, email: str, name: str) -> None:
        """Hand level 1 (the schedule's current on-call) to another person, as a shift change does."""
        service = self.services[service_id]
        user_id = self._user(email, name).id
        if service.level_user_ids:
            service.level_user_ids[0] = user_id
        else:
            service.level_user_ids.append(user_id)

    def add_shift(self, service_id: str, email: str, name: str, start: datetime, end: datetime) -> None:
        self.services[service_id].shifts.append(FakePdShift(self._user(email, name).id, start, end))

    def acknowledge(self, incident_id: str, by_email: str, *, at: datetime | None = None) -> None:
        """The on-call person acknowledges in the PagerDuty app."""
        incident = self._incident(incident_id)
        if incident is None:
            raise KeyError(incident_id)
        incident.status = "acknowledged"
        incident.acknowledged_by = by_email
        incident.acknowledged_at = at or datetime.now(UTC)

    def incident_by_key(self, incident_key: str) -> FakePdIncident | None:
        return next((i for i in self.incidents if i.incident_key == incident_key), None)

    def _user(self, email: str, name: str) -> FakePdUser:
        for user in self.users.values():
            if user.email == email:
                user.name = name
                return user
        user = FakePdUser(f"PU{len(self.users) + 1:05d}", email, name)
        self.users[user.id] = user
        return user

    def _user_by_email(self, email: str) -> FakePdUser | None:
        return next((user for user in self.users.values() if user.email == email), None)

    def _incident(self, incident_id: str) -> FakePdIncident | None:
        return next((i for i in self.incidents if i.id == incident_id), None)

    # ---------------------------------------------------------------- plumbing

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/abilities", self._abilities)
        app.router.add_get("/services/{id}", self._get_service)
        app.router.add_get("/escalation_policies/{id}", self._get_policy)
        app.router.add_get("/schedules/{id}", self._get_schedule)
        app.router.add_get("/oncalls", self._list_oncalls)
        app.router.add_get("/users/{id}", self._get_user)
        app.router.add_get("/incidents", self._list_incidents)
        app.router.add_post("/incidents", self._create_incident)
        app.router.add_get("/incidents/{id}", self._get_incident)
        app.router.add_put("/incidents/{id}", self._update_incident)

    def authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Token token={self.api_key}"

    def error(self, status: int, message: str, errors: list[str] | None = None) -> web.Response:
        body: JSON = {"error": {"message": message, "code": 2001 if status == 400 else status * 10}}
        if errors:
            body["error"]["errors"] = errors
        return web.json_response(body, status=status)

    def _not_found(self) -> web.Response:
        return self.error(404, "Not Found")

    def _ref(self, kind: str, entity_id: str, summary: str) -> JSON:
        return {
            "id": entity_id,
            "type": f"{kind}_reference",
            "summary": summary,
            "self": self._url(kind, entity_id),
        }

    def _url(self, kind: str, entity_id: str) -> str:
        plural = {"escalation_policy": "escalation_policies"}.get(kind, f"{kind}s")
        return f"{self.api_url}/{plural}/{entity_id}"

    def _resource(self, kind: str, entity_id: str, name: str, **fields: Any) -> web.Response:
        """One resource as a GET of it answers: `{kind: {id, type, name, summary, self, …fields}}`."""
        found = {
            "id": entity_id,
            "type": kind,
            "name": name,
            "summary": name,
            "self": self._url(kind, entity_id),
        }
        return web.json_response({kind: {**found, **fields}})

    def _user_ref(self, user_id: str) -> JSON:
        return self._ref("user", user_id, self.users[user_id].name)

    @staticmethod
    def _page(request: web.Request, wrapper: str, items: list[JSON]) -> web.Response:
        limit = int(request.query.get("limit", "25"))
        offset = int(request.query.get("offset", "0"))
        page = items[offset : offset + limit]
        return web.json_response(
            {
                wrapper: page,
                "limit": limit,
                "offset": offset,
                "more": offset + len(page) < len(items),
                "total": len(items) if request.query.get("total") == "true" else None,
            }
        )

    # --------------------------------------------------------- services & users

    async def _abilities(self, request: web.Request) -> web.Response:
        """The account's abilities: what any valid key may read, so clients use it to test a key."""
        return web.json_response({"abilities": ["teams", "read_only_users", "urgencies"]})

    async def _get_service(self, request: web.Request) -> web.Response:
        service = self.services.get(request.match_info["id"])
        if service is None:
            return self._not_found()
        return self._resource(
            "service",
            service.id,
            service.name,
            status="active",
            html_url=f"https://fake.pagerduty.com/service-directory/{service.id}",
            escalation_policy=self._ref("escalation_policy", service.policy_id, service.name),
        )

    def _service_by_policy(self, policy_id: str) -> FakePdService | None:
        return next((s for s in self.services.values() if s.policy_id == policy_id), None)

    def _service_by_schedule(self, schedule_id: str) -> FakePdService | None:
        return next((s for s in self.services.values() if s.schedule_id == schedule_id), None)

    async def _get_policy(self, request: web.Request) -> web.Response:
        service = self._service_by_policy(request.match_info["id"])
        if service is None:
            return self._not_found()
        rules: list[JSON] = []
        for level, user_id in enumerate(service.level_user_ids, start=1):
            target = (
                self._ref("schedule", service.schedule_id, service.name)
                if level == 1
                else self._user_ref(user_id)
            )
            rules.append({"id": f"R{level}", "escalation_delay_in_minutes": 30, "targets": [target]})
        return self._resource(
            "escalation_policy",
            service.policy_id,
            service.name,
            num_loops=0,
            escalation_rules=rules,
            services=[self._ref("service", service.id, service.name)],
        )

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(request.match_info["id"])
        if user is None:
            return self._not_found()
        return self._resource("user", user.id, user.name, email=user.email, time_zone="UTC")

    # ------------------------------------------------------- schedules & oncalls

    async def _get_schedule(self, request: web.Request) -> web.Response:
        service = self._service_by_schedule(request.match_info["id"])
        if service is None:
            return self._not_found()
        since = _parse_time(request.query.get("since")) or datetime.now(UTC)
        until = _parse_time(request.query.get("until")) or since + timedelta(days=14)
        overflow = request.query.get("overflow") == "true"
        entries: list[JSON] = []
        for shift in sorted(service.shifts, key=lambda s: s.start):
            if shift.end <= since or shift.start >= until:
                continue
            start, end = (
                (shift.start, shift.end) if overflow else (max(shift.start, since), min(shift.end, until))
            )
            entries.append({"start": _iso(start), "end": _iso(end), "user": self._user_ref(shift.user_id)})
        return self._resource(
            "schedule",
            service.schedule_id,
            service.name,
            time_zone="UTC",
            final_schedule={"name": "Final Schedule", "rendered_schedule_entries": entries},
            escalation_policies=[self._ref("escalation_policy", service.policy_id, service.name)],
        )

    def _oncalls(self, service: FakePdService, since: datetime | None, until: datetime | None) -> list[JSON]:
        policy = self._ref("escalation_policy", service.policy_id, service.name)
        schedule = self._ref("schedule", service.schedule_id, service.name)
        entries: list[JSON] = []
        for level, user_id in enumerate(service.level_user_ids, start=1):
            if level > 1:
                entries.append(
                    {
                        "escalation_policy": policy,
                        "escalation_level": level,
                        "schedule": None,
                        "user": self._user_ref(user_id),
                        "start": None,
                        "end": None,
                    }
                )
                continue
            for shift_user, start, end in self._level_one(service, user_id, since, until):
                entries.append(
                    {
                        "escalation_policy": policy,
                        "escalation_level": 1,
                        "schedule": schedule,
                        "user": self._user_ref(shift_user),
                        "start": _iso(start),
                        "end": _iso(end),
                    }
                )
        return entries

    @staticmethod
    def _level_one(
        service: FakePdService, current: str, since: datetime | None, until: datetime | None
    ) -> list[tuple[str, datetime | None, datetime | None]]:
        """Now: the current on-call (with the bounds of their shift when one covers now). A time range:
        the shifts overlapping it, or the current on-call as a permanent entry when there are none."""
        if (since is None and until is None) or not service.shifts:
            now = datetime.now(UTC)
            shift = next(
                (s for s in service.shifts if s.user_id == current and s.start <= now < s.end),
                None,
            )
            return [(current, shift.start if shift else None, shift.end if shift else None)]
        low = since or until or datetime.now(UTC)
        high = until or low
        return [
            (s.user_id, s.start, s.end)
            for s in sorted(service.shifts, key=lambda s: s.start)
            if s.start <= high and s.end > low
        ]

    async def _list_oncalls(self, request: web.Request) -> web.Response:
        policies = _list_param(request, "escalation_policy_ids")
        schedules = _list_param(request, "schedule_ids")
        users = _list_param(request, "user_ids")
        since = _parse_time(request.query.get("since"))
        until = _parse_time(request.query.get("until"))
        found: list[JSON] = []
        for service in self.services.values():
            if policies and service.policy_id not in policies:
                continue
            for entry in self._oncalls(service, since, until):
                if schedules and (entry["schedule"] is None or entry["schedule"]["id"] not in schedules):
                    continue
                if users and entry["user"]["id"] not in users:
                    continue
                found.append(entry)
        return self._page(request, "oncalls", found)

    # ---------------------------------------------------------------- incidents

    def _incident_json(self, incident: FakePdIncident) -> JSON:
        service = self.services[incident.service_id]
        assignee = self._user_by_email(incident.assignee_email) if incident.assignee_email else None
        acknowledger = self._user_by_email(incident.acknowledged_by) if incident.acknowledged_by else None
        acknowledgements: list[JSON] = []
        if incident.status == "acknowledged" and incident.acknowledged_by:
            acknowledgements.append(
                {
                    "at": _iso(incident.acknowledged_at),
                    "acknowledger": self._user_ref(acknowledger.id)
                    if acknowledger
                    else {"id": "PUNKNOWN", "type": "user_reference", "summary": incident.acknowledged_by},
                }
            )
        return {
            "id": incident.id,
            "type": "incident",
            "incident_number": incident.number,
            "title": incident.title,
            "summary": f"[#{incident.number}] {incident.title}",
            "status": incident.status,
            "urgency": incident.urgency,
            "incident_key": incident.incident_key,
            "created_at": _iso(incident.created_at),
            "service": self._ref("service", service.id, service.name),
            "escalation_policy": self._ref("escalation_policy", service.policy_id, service.name),
            "assignments": []
            if assignee is None or incident.status == "resolved"
            else [{"at": _iso(incident.created_at), "assignee": self._user_ref(assignee.id)}],
            "acknowledgements": acknowledgements,
            "body": {"type": "incident_body", "details": incident.details},
            "self": f"{self.api_url}/incidents/{incident.id}",
            "html_url": f"https://fake.pagerduty.com/incidents/{incident.id}",
        }

    async def _list_incidents(self, request: web.Request) -> web.Response:
        key = request.query.get("incident_key")
        services = _list_param(request, "service_ids")
        statuses = _list_param(request, "statuses")
        found = [
            self._incident_json(incident)
            for incident in self.incidents
            if (key is None or incident.incident_key == key)
            and (not services or incident.service_id in services)
            and (not statuses or incident.status in statuses)
        ]
        return self._page(request, "incidents", found)

    async def _get_incident(self, request: web.Request) -> web.Response:
        incident = self._incident(request.match_info["id"])
        if incident is None:
            return self._not_found()
        return web.json_response({"incident": self._incident_json(incident)})

    def _missing_from(self, request: web.Request) -> web.Response | None:
        if request.headers.get("From"):
            return None
        return self.error(
            400,
            "Invalid Input Provided",
            ['You must specify a user\'s email address in the "From" header to perform this action'],
        )

    async def _create_incident(self, request: web.Request) -> web.Response:
        refused = self._missing_from(request)
        if refused is not None:
            return refused
        payload = (await json_body(request)).get("incident")
        if not isinstance(payload, dict) or not payload.get("title"):
            return self.error(400, "Invalid Input Provided", ["Incident title is required"])
        service = self.services.get(str((payload.get("service") or {}).get("id")))
        if service is None:
            return self.error(400, "Invalid Input Provided", ["Service not found"])
        key = payload.get("incident_key")
        if key and any(
            i.incident_key == key and i.service_id == service.id and i.status != "resolved"
            for i in self.incidents
        ):
            return self.error(400, "Invalid Input Provided", [DEDUP_CONFLICT])
        number = len(self.incidents) + 1
        level_one = service.level_user_ids[0] if service.level_user_ids else None
        incident = FakePdIncident(
            id=f"Q{number:07d}",
            number=number,
            incident_key=key,
            title=str(payload["title"]),
            service_id=service.id,
            details=str((payload.get("body") or {}).get("details", "")),
            urgency=str(payload.get("urgency", "high")),
            created_at=datetime.now(UTC),
            assignee_email=self.users[level_one].email if level_one else None,
        )
        self.incidents.append(incident)
        return web.json_response({"incident": self._incident_json(incident)}, status=201)

    async def _update_incident(self, request: web.Request) -> web.Response:
        refused = self._missing_from(request)
        if refused is not None:
            return refused
        incident = self._incident(request.match_info["id"])
        if incident is None:
            return self._not_found()
        payload = (await json_body(request)).get("incident")
        if not isinstance(payload, dict):
            return self.error(400, "Invalid Input Provided", ["incident is required"])
        if incident.status == "resolved" and ("status" in payload or "escalation_level" in payload):
            return self.error(400, "Invalid Input Provided", [ALREADY_RESOLVED])
        if "escalation_level" in payload:
            levels = self.services[incident.service_id].level_user_ids
            level = payload["escalation_level"]
            if not isinstance(level, int) or not 1 <= level <= len(levels):
                return self.error(400, "Invalid Input Provided", ["Escalation level is not valid"])
            incident.escalation_level = level
            incident.assignee_email = self.users[levels[level - 1]].email
            incident.status = "triggered"  # reassigning un-acknowledges, as in PagerDuty
            incident.acknowledged_by = incident.acknowledged_at = None
        status = payload.get("status")
        if status == "resolved":
            incident.status = "resolved"
        elif status == "acknowledged":
            self.acknowledge(incident.id, request.headers["From"])
        elif status is not None:
            return self.error(400, "Invalid Input Provided", [f"Status {status!r} is not valid"])
        return web.json_response({"incident": self._incident_json(incident)})
