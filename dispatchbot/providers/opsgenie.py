"""The Opsgenie on-call adapter, on opsgenie-sdk (alerts) plus its generic ``call_api`` (schedules).

A service's `external_id` is an Opsgenie schedule name: who is on call is the schedule's first flat
on-call recipient, and a page is an alert to that schedule whose alias is the `dedup_key`. The alias
is also the page id: Opsgenie creates alerts asynchronously (202), and the alias is known at once and
is what Opsgenie itself de-duplicates on.

opsgenie-sdk is synchronous and retries 429/5xx itself, with 30-60 s waits that ignore Retry-After.
Here its retries are off (`retry_enabled`) and the shared policy of `providers/retries.py` decides:
it waits as Opsgenie asks, within one deadline per operation, and every request has a timeout, so a
rate limit is ridden out and an outage becomes a readable `ProviderError`. Its `Configuration()`
returns shallow copies of one shared default, so the API key goes into a fresh dict, never into the
shared one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import opsgenie_sdk
import tenacity
import urllib3
from opsgenie_sdk.exceptions import OpenApiException

from dispatchbot.config import ServiceSettings, Settings
from dispatchbot.errors import ProviderError
from dispatchbot.providers.blocking import Checkpoint, failed, run_blocking
from dispatchbot.providers.oncall import Oncall, OncallPerson, PageState, PageStatus, Shift
from dispatchbot.providers.retries import CONNECTION_LOST, Refusal, RetryPolicy, refusal_for_status

PROVIDER = "Opsgenie"
SOURCE = "dispatchbot"
REQUEST_TIMEOUT = (5.0, 15.0)  # (connect, read) seconds
MESSAGE_LIMIT = 130  # Opsgenie truncates longer alert messages
DESCRIPTION_LIMIT = 15000

T = TypeVar("T")
FAILURES: tuple[type[Exception], ...] = (
    tenacity.RetryError,
    OpenApiException,
    urllib3.exceptions.HTTPError,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
)
"""Every way an opsgenie-sdk operation fails that `_problem` can describe to people."""


def _status_problem(status: int, body: str) -> str:
    if status == 401:
        return "the API key was refused (HTTP 401); check [opsgenie] api_key"
    if status in (402, 403):
        return (
            f"the API key may not do this (HTTP {status}); the bot needs an API integration key with access"
        )
    if status == 404:
        return f"not found (HTTP 404): {_message(body) or 'no such alert or schedule'}"
    if status == 429:
        return "Opsgenie is rate-limiting the bot (HTTP 429); try again in a minute"
    if status >= 500:
        return f"Opsgenie is having trouble (HTTP {status}); try again in a few minutes"
    return f"Opsgenie refused the request (HTTP {status}): {_message(body) or 'no reason given'}"


def _message(body: object) -> str:
    """Opsgenie's ``{"message": ...}`` error text."""
    try:
        decoded = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return ""
    return str(decoded.get("message") or "") if isinstance(decoded, dict) else ""


def _problem(exc: BaseException) -> str:
    if isinstance(exc, tenacity.RetryError):
        last = exc.last_attempt.exception()
        return _problem(last) if last is not None else "Opsgenie kept failing"
    status = getattr(exc, "status", None)
    if isinstance(exc, OpenApiException) and isinstance(status, int) and status:
        return _status_problem(status, getattr(exc, "body", "") or "")
    if isinstance(exc, urllib3.exceptions.HTTPError | OpenApiException):
        return "could not reach Opsgenie; check [opsgenie] api_url and the network"
    return f"Opsgenie sent an answer the bot does not understand ({exc!r})"


def _refusal(exc: BaseException) -> Refusal | None:
    """Whether a failed attempt may pass if tried again: Opsgenie's 429 and 5xx (with any Retry-After it
    sent), and a request that got no answer; not a TLS or request-building problem (status 0)."""
    if isinstance(exc, tenacity.RetryError):  # the SDK's retry wrapper, even with its retries off
        last = exc.last_attempt.exception()
        return _refusal(last) if last is not None else None
    status = getattr(exc, "status", None)
    if isinstance(exc, OpenApiException) and isinstance(status, int) and status:
        return refusal_for_status(status, getattr(exc, "headers", None))
    return CONNECTION_LOST if isinstance(exc, urllib3.exceptions.HTTPError) else None


class _ApiClient(opsgenie_sdk.ApiClient):  # type: ignore[misc]  # the SDK has no type hints
    """opsgenie-sdk's client, passing the attempt's checkpoint (`blocking.py`) before every request:
    `request` is what its retry wrapper calls for each one."""

    def __init__(self, configuration: Any, checkpoint: Checkpoint) -> None:
        super().__init__(configuration=configuration)
        self._checkpoint = checkpoint

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self._checkpoint()
        return super().request(*args, **kwargs)


class OpsgenieOncall:
    """`Oncall` over Opsgenie; service ids are schedule names, page ids are alert aliases."""

    name = "opsgenie"

    def __init__(self, configuration: Any, escalations: dict[str, str], policy: RetryPolicy) -> None:
        self._configuration = configuration
        self._policy = policy
        self._escalations = escalations
        """Escalation name by schedule, from `[[services]].escalation`."""

    # ------------------------------------------------------------- Oncall API

    async def current(self, service_id: str) -> OncallPerson:
        def lookup(client: Any) -> OncallPerson:
            recipients = _oncall_recipients(client, service_id)
            if not recipients:
                raise ProviderError(PROVIDER, f"nobody is on call on schedule {service_id} right now")
            first = str(recipients[0])
            return OncallPerson(email=first, name=first)

        return await self._run(f"could not find who is on call on schedule {service_id}", lookup)

    async def next(self, service_id: str) -> OncallPerson | None:
        return None  # Opsgenie's flat on-call answer has no next shift

    async def page(self, service_id: str, *, dedup_key: str, title: str, description: str) -> str:
        def create(client: Any) -> str:
            alerts = opsgenie_sdk.AlertApi(api_client=client)
            if self._alert(alerts, dedup_key) is not None:
                return dedup_key  # paged before (perhaps since closed): never page twice
            alerts.create_alert(
                create_alert_payload=opsgenie_sdk.CreateAlertPayload(
                    message=title[:MESSAGE_LIMIT],
                    alias=dedup_key,
                    description=description[:DESCRIPTION_LIMIT],
                    responders=[{"name": service_id, "type": "schedule"}],
                    source=SOURCE,
                ),
                _request_timeout=REQUEST_TIMEOUT,
            )
            return dedup_key

        return await self._run(f"could not page schedule {service_id}", create)

    async def status(self, page_id: str) -> PageState:
        def lookup(client: Any) -> PageState:
            alert = self._alert(opsgenie_sdk.AlertApi(api_client=client), page_id)
            if alert is None:
                raise ProviderError(PROVIDER, f"the alert for page {page_id} was not found")
            report = alert.report
            acknowledged_by = report.acknowledged_by if report is not None else None
            acknowledged_at: datetime | None = None
            if report is not None and report.ack_time is not None and alert.created_at is not None:
                # ackTime is milliseconds from the alert's creation to its acknowledgement.
                acknowledged_at = (alert.created_at + timedelta(milliseconds=report.ack_time)).astimezone(UTC)
            if alert.status == "closed":
                status = PageStatus.RESOLVED
            elif alert.acknowledged:
                status = PageStatus.ACKNOWLEDGED
            else:
                status = PageStatus.TRIGGERED
            return PageState(status=status, acknowledged_by=acknowledged_by, acknowledged_at=acknowledged_at)

        return await self._run(f"could not read the state of page {page_id}", lookup)

    async def escalate(self, page_id: str, *, service_id: str) -> None:
        escalation = self._escalations.get(service_id)
        if not escalation:
            raise ProviderError(
                PROVIDER,
                f"no escalation is configured for schedule {service_id}: set `escalation` in its "
                "[[services]] entry (services.escalation) to an Opsgenie escalation name",
            )

        def escalate(client: Any) -> None:
            opsgenie_sdk.AlertApi(api_client=client).escalate_alert(
                identifier=page_id,
                identifier_type="alias",
                escalate_alert_to_next_payload=opsgenie_sdk.EscalateAlertToNextPayload(
                    escalation=opsgenie_sdk.EscalationRecipient(name=escalation), source=SOURCE
                ),
                _request_timeout=REQUEST_TIMEOUT,
            )

        # Not idempotent: a repeat after a lost answer would notify the escalation again (see retries.py).
        await self._run(f"could not escalate page {page_id} to {escalation}", escalate, idempotent=False)

    async def resolve(self, page_id: str) -> None:
        def close(client: Any) -> None:
            # Closing a closed alert is accepted by Opsgenie, so "already resolved" needs no special case.
            opsgenie_sdk.AlertApi(api_client=client).close_alert(
                identifier=page_id,
                identifier_type="alias",
                close_alert_payload=opsgenie_sdk.CloseAlertPayload(source=SOURCE),
                _request_timeout=REQUEST_TIMEOUT,
            )

        await self._run(f"could not resolve page {page_id}", close)

    async def shifts_ended(self, service_id: str, since: datetime, until: datetime) -> list[Shift]:
        return []  # not supported: the flat on-call answer has no shift boundaries

    # -------------------------------------------------------- health (doctor)

    async def check_access(self) -> str:
        def list_alerts(client: Any) -> str:
            client.call_api(
                "/v2/alerts",
                "GET",
                query_params=[("limit", "1")],
                header_params={"Accept": "application/json"},
                response_type="object",
                auth_settings=["GenieKey"],
                _return_http_data_only=True,
                _request_timeout=REQUEST_TIMEOUT,
            )
            return "API key accepted"

        return await self._run("could not check the API key", list_alerts)

    async def check_service(self, service_id: str) -> str:
        def lookup(client: Any) -> str:
            return f"schedule {service_id} ({len(_oncall_recipients(client, service_id))} on call now)"

        return await self._run(f"could not find schedule {service_id}", lookup)

    # --------------------------------------------------------------- helpers

    @staticmethod
    def _alert(alerts: Any, alias: str) -> Any:
        """The alert with `alias`, or None when Opsgenie has none."""
        try:
            return alerts.get_alert(
                identifier=alias, identifier_type="alias", _request_timeout=REQUEST_TIMEOUT
            ).data
        except OpenApiException as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise

    async def _run(self, what: str, operation: Callable[[Any], T], *, idempotent: bool = True) -> T:
        """Run one blocking operation in a thread, retried per the policy; every way it can fail becomes a
        `ProviderError` (`ProviderUnavailable` while Opsgenie is rate-limiting or down).

        Each operation gets a client of its own (opsgenie-sdk keeps per-request state on the client,
        and operations run concurrently), whose pooled connections are closed when it ends.
        """

        def call(checkpoint: Checkpoint) -> T:
            client = _ApiClient(self._configuration, checkpoint)
            try:
                return operation(client)
            finally:
                client.rest_client.pool_manager.clear()

        return await run_blocking(
            call,
            provider=PROVIDER,
            name=self.name,
            what=what,
            policy=self._policy,
            failures=FAILURES,
            translate=lambda exc: failed(PROVIDER, self.name, what, _problem(exc)),
            classify=_refusal,
            idempotent=idempotent,
        )


def _oncall_recipients(client: Any, schedule: str) -> list[Any]:
    """Who is on call on the schedule named `schedule` now, first responder first (404: no such schedule)."""
    answer = client.call_api(
        "/v2/schedules/{identifier}/on-calls",
        "GET",
        path_params={"identifier": schedule},
        query_params=[("scheduleIdentifierType", "name"), ("flat", "true")],
        header_params={"Accept": "application/json"},
        response_type="object",
        auth_settings=["GenieKey"],
        _return_http_data_only=True,
        _request_timeout=REQUEST_TIMEOUT,
    )
    return list((answer.get("data") or {}).get("onCallRecipients") or [])


def _configuration(api_url: str, api_key: str) -> Any:
    configuration = opsgenie_sdk.Configuration()
    configuration.host = api_url.rstrip("/")
    # Fresh dicts: Configuration() is a shallow copy of a process-wide default, so writing into its
    # api_key dict would hand this key to every other Opsgenie client in the process.
    configuration.api_key = {"Authorization": api_key}
    configuration.api_key_prefix = {"Authorization": "GenieKey"}
    configuration.retry_enabled = False  # one attempt per request: `providers/retries.py` retries
    return configuration


def _escalations(services: list[ServiceSettings]) -> dict[str, str]:
    return {
        service.external_id: service.escalation
        for service in services
        if service.provider == OpsgenieOncall.name and service.escalation
    }


def build(settings: Settings) -> Oncall | None:
    section = settings.opsgenie
    api_key = section.api_key.get_secret_value() if section.api_key else ""
    if not api_key:
        return None
    return OpsgenieOncall(
        _configuration(section.api_url, api_key),
        _escalations(settings.services),
        RetryPolicy.from_settings(settings.providers),
    )
