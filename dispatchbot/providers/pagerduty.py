"""The PagerDuty on-call adapter, on the `pagerduty` package (the successor of the deprecated pdpyras).

The client is synchronous, so every attempt at an operation runs in a worker thread. Its own retries do
not suit a bot that people wait on: HTTP 429 is retried without limit on its own timer, ignoring
Retry-After. Here they are off (`_Client`): a refused answer ends the attempt, and the shared policy of
`providers/retries.py` waits as PagerDuty asks and tries again within one deadline per operation, so
a rate limit is ridden out and an outage becomes a `ProviderError` people can read, never a hung flow.

Paging is idempotent on the `dedup_key` (PagerDuty's ``incident_key``): an incident found with the key,
or PagerDuty's 400 for a duplicate open key, returns the existing incident instead of paging again.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx2
import pagerduty

from dispatchbot.config import Settings
from dispatchbot.errors import ProviderError, StartupError
from dispatchbot.providers.blocking import Checkpoint, failed, run_blocking
from dispatchbot.providers.oncall import Oncall, OncallPerson, PageState, PageStatus, Shift
from dispatchbot.providers.retries import CONNECTION_LOST, Refusal, RetryPolicy, refusal_for_status

PROVIDER = "PagerDuty"
DEDUP_CONFLICT = "matching dedup key already exists"  # lower case, as _refused compares
ALREADY_RESOLVED = "already resolved"

REQUEST_TIMEOUT = httpx2.Timeout(15.0, connect=5.0)

T = TypeVar("T")
JSON = dict[str, Any]


def _obj(value: object) -> JSON:
    """A JSON object from the client, or TypeError (an answer we do not understand)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _http_problem(response: httpx2.Response) -> str:
    status = response.status_code
    if status < 400:
        return "PagerDuty sent an answer the bot does not understand"
    if status == 401:
        return "the API key was refused (HTTP 401); check [pagerduty] api_key"
    if status == 403:
        return "the API key may not do this (HTTP 403); the bot needs a full-access REST API key"
    if status == 404:
        return "not found (HTTP 404)"
    if status == 429:
        return "PagerDuty is rate-limiting the bot (HTTP 429); try again in a minute"
    if status >= 500:
        return f"PagerDuty is having trouble (HTTP {status}); try again in a few minutes"
    return f"PagerDuty refused the request (HTTP {status}): {_error_text(response) or 'no reason given'}"


def _refused(exc: pagerduty.Error, status: int, text: str = "") -> bool:
    """PagerDuty answered `status`, with `text` in its error details."""
    response = exc.response
    return (
        isinstance(response, httpx2.Response)
        and response.status_code == status
        and text in _error_text(response).lower()
    )


def _error_text(response: httpx2.Response) -> str:
    """PagerDuty's ``{"error": {"message", "errors": [...]}}`` as one line."""
    try:
        error = _obj(_obj(response.json()).get("error"))
    except (ValueError, TypeError):
        return ""
    details = [str(item) for item in error.get("errors") or []]
    return "; ".join(details) or str(error.get("message") or "")


def _refusal(exc: BaseException) -> Refusal | None:
    """Whether a failed attempt may pass if tried again: PagerDuty's 429 and 5xx (with any Retry-After or
    RateLimit-Reset it sent), and a request that never got an answer."""
    if not isinstance(exc, pagerduty.Error):
        return None
    response = exc.response
    if isinstance(response, httpx2.Response):
        return refusal_for_status(response.status_code, response.headers)
    return CONNECTION_LOST if isinstance(exc.__cause__, httpx2.TransportError) else None


class _Client(pagerduty.RestApiV2Client):
    """The REST client with its own retries off, so `providers/retries.py` decides alone: a 429, which
    the client would retry forever whatever Retry-After said, ends the request at once. 5xx are not
    retried by the client (none are in its `retry` table), and network errors are not either
    (`max_network_attempts = 0`)."""

    max_network_attempts = 0

    def postprocess(self, response: httpx2.Response, suffix: str | None = None) -> None:
        super().postprocess(response, suffix)
        if response.status_code == 429:
            request = response.request
            raise pagerduty.HttpError(f"{request.method} {request.url.path}: HTTP 429", response)


class _Api:
    """One operation's PagerDuty calls, on a client of its own (closed when the operation ends)."""

    def __init__(self, client: pagerduty.RestApiV2Client) -> None:
        self.client = client

    def get(self, path: str, **params: str) -> JSON:
        return _obj(self.client.rget(path, params=params) if params else self.client.rget(path))

    def put_incident(self, incident_id: str, **fields: object) -> None:
        self.client.rput(f"/incidents/{incident_id}", json={"type": "incident_reference", **fields})

    def oncalls(self, policy_id: str, **params: object) -> list[JSON]:
        query: dict[str, object] = {"escalation_policy_ids": [policy_id], **params}
        return list(self.client.iter_all("/oncalls", params=query))

    def policy_id(self, service_id: str) -> str:
        return str(_obj(self.get(f"/services/{service_id}")["escalation_policy"])["id"])

    def current_entry(self, service_id: str) -> tuple[str, JSON]:
        """The on-call entry at the lowest escalation level of the service's policy."""
        policy_id = self.policy_id(service_id)
        entries = self.oncalls(policy_id)
        if not entries:
            raise ProviderError(
                PROVIDER,
                f"nobody is on call for service {service_id}: its escalation policy {policy_id} has no "
                "on-call users (is a schedule attached?)",
            )
        return policy_id, min(entries, key=lambda entry: int(entry.get("escalation_level") or 1))

    def person(self, user_id: str) -> OncallPerson:
        user = self.get(f"/users/{user_id}")
        return OncallPerson(email=str(user["email"]), name=str(user.get("name") or user["email"]))

    def acknowledger(self, acknowledger: JSON) -> str | None:
        """The acknowledging user's email; an integration or a deleted user by its summary."""
        if acknowledger.get("type") == "user_reference" and acknowledger.get("id"):
            try:
                return self.person(str(acknowledger["id"])).email
            except pagerduty.HttpError as exc:
                if not _refused(exc, 404):
                    raise
        summary = acknowledger.get("summary")
        return str(summary) if summary else None

    def incident_id_by_key(self, service_id: str, dedup_key: str) -> str | None:
        params = {"incident_key": dedup_key, "service_ids": [service_id], "date_range": "all"}
        for incident in self.client.iter_all("/incidents", params=params):
            if incident.get("incident_key") in (None, dedup_key):
                return str(incident["id"])
        return None

    def assigned_level(self, incident: JSON, policy_id: str) -> int:
        """The lowest escalation level any current assignee is on call at (1 when none is)."""
        assignees = {
            str(_obj(_obj(assignment)["assignee"])["id"]) for assignment in incident.get("assignments") or []
        }
        levels = [
            int(entry.get("escalation_level") or 1)
            for entry in self.oncalls(policy_id)
            if _obj(entry.get("user") or {}).get("id") in assignees
        ]
        return min(levels, default=1)

    def first_level_schedules(self, policy_id: str) -> list[str]:
        rules = [
            _obj(rule) for rule in self.get(f"/escalation_policies/{policy_id}").get("escalation_rules") or []
        ]
        targets = [_obj(target) for target in (rules[0].get("targets") or [] if rules else [])]
        return [str(target["id"]) for target in targets if target.get("type") == "schedule_reference"]

    def rendered_entries(self, schedule_id: str, since: datetime, until: datetime) -> list[JSON]:
        # overflow=true: entries are not cut at the range bounds, so a shift keeps its real start and end.
        schedule = self.get(
            f"/schedules/{schedule_id}",
            since=(since - timedelta(minutes=1)).isoformat(),
            until=until.isoformat(),
            overflow="true",
        )
        final = _obj(schedule.get("final_schedule") or {})
        return [_obj(entry) for entry in final.get("rendered_schedule_entries") or []]


class PagerDutyOncall:
    """`Oncall` over PagerDuty's REST API v2; service ids are PagerDuty service ids (``P…``)."""

    name = "pagerduty"

    def __init__(
        self, api_url: str, connect: Callable[[Checkpoint], pagerduty.RestApiV2Client], policy: RetryPolicy
    ) -> None:
        self._api_url = api_url
        self._connect = connect
        self._policy = policy

    # ------------------------------------------------------------- Oncall API

    async def current(self, service_id: str) -> OncallPerson:
        def lookup(api: _Api) -> OncallPerson:
            _, entry = api.current_entry(service_id)
            return api.person(_obj(entry["user"])["id"])

        return await self._run(f"could not find who is on call for service {service_id}", lookup)

    async def next(self, service_id: str) -> OncallPerson | None:
        def lookup(api: _Api) -> OncallPerson | None:
            policy_id, entry = api.current_entry(service_id)
            schedule, end = entry.get("schedule"), _time(entry.get("end"))
            if not schedule or end is None:
                return None  # a user target, or a schedule entry without an end: nobody "next" to name
            following = [
                candidate
                for candidate in api.oncalls(
                    policy_id,
                    schedule_ids=[_obj(schedule)["id"]],
                    since=end.isoformat(),
                    until=(end + timedelta(minutes=1)).isoformat(),
                )
                if candidate.get("escalation_level") == entry.get("escalation_level")
                and (start := _time(candidate.get("start"))) is not None
                and start >= end
            ]
            if not following:
                return None
            earliest = min(following, key=lambda candidate: str(candidate["start"]))
            return api.person(_obj(earliest["user"])["id"])

        return await self._run(f"could not find who is on call next for service {service_id}", lookup)

    async def page(self, service_id: str, *, dedup_key: str, title: str, description: str) -> str:
        def create(api: _Api) -> str:
            existing = api.incident_id_by_key(service_id, dedup_key)
            if existing is not None:
                return existing
            incident = {
                "type": "incident",
                "title": title,
                "service": {"id": service_id, "type": "service_reference"},
                "urgency": "high",
                "incident_key": dedup_key,
                "body": {"type": "incident_body", "details": description},
            }
            try:
                return str(_obj(api.client.rpost("/incidents", json=incident))["id"])
            except pagerduty.HttpError as exc:
                # A retried POST whose first attempt got through, or a concurrent page: PagerDuty refuses
                # the duplicate key, and the incident it already has is the page.
                found = (
                    api.incident_id_by_key(service_id, dedup_key)
                    if _refused(exc, 400, DEDUP_CONFLICT)
                    else None
                )
                if found is None:
                    raise
                return found

        return await self._run(f"could not page service {service_id}", create)

    async def status(self, page_id: str) -> PageState:
        def lookup(api: _Api) -> PageState:
            incident = api.get(f"/incidents/{page_id}")
            status = PageStatus(str(incident["status"]))
            acks = sorted(
                (_obj(ack) for ack in incident.get("acknowledgements") or []),
                key=lambda ack: str(ack.get("at") or ""),
            )
            if not acks:
                return PageState(status=status)
            latest = acks[-1]
            return PageState(
                status=status,
                acknowledged_by=api.acknowledger(_obj(latest.get("acknowledger") or {})),
                acknowledged_at=_time(latest.get("at")),
            )

        return await self._run(f"could not read the state of page {page_id}", lookup)

    async def escalate(self, page_id: str, *, service_id: str) -> None:
        def escalate(api: _Api) -> None:
            incident = api.get(f"/incidents/{page_id}")
            if incident.get("status") == PageStatus.RESOLVED:
                raise ProviderError(
                    PROVIDER, f"page {page_id} is already resolved; there is no one to escalate to"
                )
            policy_id = str(_obj(incident["escalation_policy"])["id"])
            last_level = len(api.get(f"/escalation_policies/{policy_id}").get("escalation_rules") or [])
            level = api.assigned_level(incident, policy_id)
            if level >= last_level:
                raise ProviderError(
                    PROVIDER,
                    f"page {page_id} is already at the last escalation level ({last_level}) of its policy",
                )
            api.put_incident(page_id, escalation_level=level + 1)

        # Not idempotent: a repeat after a lost answer would escalate a second level (see retries.py).
        await self._run(f"could not escalate page {page_id}", escalate, idempotent=False)

    async def resolve(self, page_id: str) -> None:
        def resolve(api: _Api) -> None:
            if api.get(f"/incidents/{page_id}").get("status") == PageStatus.RESOLVED:
                return
            try:
                api.put_incident(page_id, status="resolved")
            except pagerduty.HttpError as exc:
                # Resolved by someone else between our read and our write: the outcome we wanted.
                if not _refused(exc, 400, ALREADY_RESOLVED):
                    raise

        await self._run(f"could not resolve page {page_id}", resolve)

    async def shifts_ended(self, service_id: str, since: datetime, until: datetime) -> list[Shift]:
        def lookup(api: _Api) -> list[Shift]:
            people: dict[str, OncallPerson] = {}
            shifts: list[Shift] = []
            for schedule_id in api.first_level_schedules(api.policy_id(service_id)):
                for entry in api.rendered_entries(schedule_id, since, until):
                    start, end = _time(entry.get("start")), _time(entry.get("end"))
                    if start is None or end is None or not since <= end < until:
                        continue
                    user_id = str(_obj(entry["user"])["id"])
                    if user_id not in people:
                        people[user_id] = api.person(user_id)
                    shifts.append(Shift(person=people[user_id], start=start, end=end))
            return sorted(shifts, key=lambda shift: shift.end)

        return await self._run(f"could not read the on-call schedule of service {service_id}", lookup)

    # -------------------------------------------------------- health (doctor)

    async def check_access(self) -> str:
        def abilities(api: _Api) -> str:
            api.client.rget("/abilities")  # readable with any valid REST API key
            return "API key accepted"

        return await self._run("could not check the API key", abilities)

    async def check_service(self, service_id: str) -> str:
        def lookup(api: _Api) -> str:
            return str(api.get(f"/services/{service_id}").get("name") or service_id)

        return await self._run(f"could not find service {service_id}", lookup)

    # --------------------------------------------------------------- plumbing

    async def _run(self, what: str, operation: Callable[[_Api], T], *, idempotent: bool = True) -> T:
        """Run one blocking operation in a thread, retried per the policy; every way it can fail becomes a
        `ProviderError` (`ProviderUnavailable` while PagerDuty is rate-limiting or down)."""

        def call(checkpoint: Checkpoint) -> T:
            with self._connect(checkpoint) as client:
                return operation(_Api(client))

        return await run_blocking(
            call,
            provider=PROVIDER,
            name=self.name,
            what=what,
            policy=self._policy,
            failures=(pagerduty.Error, KeyError, TypeError, ValueError),
            translate=lambda exc: self._failed(what, exc),
            classify=_refusal,
            idempotent=idempotent,
        )

    def _failed(self, what: str, exc: Exception) -> ProviderError:
        """What a failure of the client (or of an answer we could not read) means, for people."""
        if isinstance(exc, pagerduty.Error):
            response = exc.response
            if isinstance(response, httpx2.Response):
                return failed(PROVIDER, self.name, what, _http_problem(response), status=response.status_code)
            return failed(PROVIDER, self.name, what, f"could not reach PagerDuty at {self._api_url}")
        return failed(
            PROVIDER, self.name, what, f"PagerDuty sent an answer the bot does not understand ({exc!r})"
        )


def _verify(ca_file: str) -> ssl.SSLContext:
    """The system's trust store, plus `ca_file` (e.g. a TLS-inspecting proxy's CA) when set. Built once:
    loading the trust store per client would cost tens of milliseconds on every page."""
    context = ssl.create_default_context()
    if not ca_file:
        return context
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(
            f"[pagerduty] ca_file {ca_file!r} cannot be read as a PEM CA bundle: {exc}"
        ) from exc
    return context


def build(settings: Settings) -> Oncall | None:
    section = settings.pagerduty
    api_key = section.api_key.get_secret_value() if section.api_key else ""
    if not api_key:
        return None
    if not section.from_email:
        raise StartupError(
            "[pagerduty] from_email is required: PagerDuty records who pages and resolves by the email "
            "of a PagerDuty user, sent in the From header"
        )
    api_url = section.api_url.rstrip("/")
    verify = _verify(section.ca_file)

    def connect(checkpoint: Checkpoint) -> pagerduty.RestApiV2Client:
        client = _Client(
            api_key,
            default_from=section.from_email,
            base_url=api_url,
            verify=verify,
            event_hooks={"request": [lambda _request: checkpoint()]},  # before each request: see blocking.py
        )
        client.timeout = REQUEST_TIMEOUT  # type: ignore[assignment]  # annotated int, sent to httpx2 as is
        return client

    try:
        # The client checks the URL (https only) when it is built: fail at start-up. It sends nothing.
        connect(lambda: None).close()
    except pagerduty.UrlError as exc:
        raise StartupError(f"[pagerduty] api_url {section.api_url!r} is not usable: {exc}") from exc
    return PagerDutyOncall(api_url, connect, RetryPolicy.from_settings(settings.providers))
