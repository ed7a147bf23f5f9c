"""Taking alerts in: each inbound alert is applied to its alert's state and stored, with the notices it
owes, before the sender gets its 202.

Monitoring sends in bursts (an Alertmanager group, a storm of 50 senders), and on SQLite a commit is the
expensive part. So requests are group-committed: concurrent requests queue their alerts and one writer
applies whatever is queued in a single transaction, then answers them all. Each request still gets its
answer only after its alerts are durable, so a crash after a 202 loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.alert_formats.model import (
    InboundAlert,
    InboundStatus,
    MapboxRoute,
    ParsedPayload,
    Severity,
)
from dispatchbot.alerting.model import Action, AlertState, NoticeKind, Route
from dispatchbot.alerting.routing import Policy, Routed, SignalRouter
from dispatchbot.alerting.snoozes import Snooze, entities_of
from dispatchbot.clock import Clock
from dispatchbot.config import Settings
from dispatchbot.logs import get_logger
from dispatchbot.storage.alerts import (
    VERSION_BUMP,
    AlertRepository,
    AlertValues,
    mapbox_to_stored,
    open_key,
)
from dispatchbot.storage.case_entities import CaseEntityRepository
from dispatchbot.storage.cases import CaseRepository, new_case
from dispatchbot.storage.snoozes import SnoozeRepository

log = get_logger(__name__)

SNOOZES_FRESH_SECONDS = 1.0
"""How old the intake's copy of the active snoozes may be: a snooze made on another replica applies
within this long (one made on this one, at once)."""

MAX_BATCH_ALERTS = 2000
"""Alerts applied per transaction at most: big enough to absorb a storm, small enough to keep a
transaction (and so the 202s waiting on it) short."""


@dataclass(frozen=True)
class Outcome:
    dedup_key: str
    action: Action


@dataclass
class _Request:
    source: str
    parsed: ParsedPayload
    answer: asyncio.Future[list[Outcome]]


@dataclass
class _Batch:
    """What one transaction writes: alerts new and changed, their audit events and their notices. Events
    and notices point at an alert's values (a new alert gets its id only when inserted)."""

    new: list[AlertValues] = field(default_factory=list)
    changed: dict[int, AlertValues] = field(default_factory=dict)
    events: list[tuple[AlertValues, dict[str, Any]]] = field(default_factory=list)
    notices: list[tuple[AlertValues, NoticeKind]] = field(default_factory=list)
    for_cases: list[tuple[AlertValues, Routed]] = field(default_factory=list)
    """New alerts routed to `case`: each opens its signal's case or joins it, once the batch is read."""
    case_counts: dict[int, int] = field(default_factory=dict)
    """Repeats of alerts already in a case, by case: its count goes up (C6: not for a closed case)."""
    snoozed: dict[int, int] = field(default_factory=dict)
    """Alerts each snooze kept quiet in this batch, by snooze id."""


class AlertIntake:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        router: SignalRouter,
        settings: Settings,
        on_stored: Callable[[], None],
        snooze_generation: Callable[[], int] = lambda: 0,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._router = router
        self._retry_window = timedelta(seconds=settings.alerts.retry_window_seconds)
        self._on_stored = on_stored
        self._queue: list[_Request] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._writing = False
        self._snoozes: list[Snooze] = []
        self._snoozes_read = -SNOOZES_FRESH_SECONDS
        """When (monotonic) the active snoozes were last read."""
        self._snooze_generation = snooze_generation
        self._snoozes_seen = 0

    @property
    def busy(self) -> bool:
        """Whether requests are waiting for their alerts to be stored, or being stored."""
        return bool(self._queue) or self._writing

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_forever(), name="alert-intake")

    async def stop(self) -> None:
        """Answer whatever is queued, then stop (requests arriving after this are refused by the web)."""
        if self._writer is None:
            return
        while self._queue:
            await self._write_queued()
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        self._writer = None

    async def take(self, source: str, parsed: ParsedPayload) -> list[Outcome]:
        """Store `parsed`'s alerts from `source`; what each did, once they are durable."""
        answer: asyncio.Future[list[Outcome]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Request(source, parsed, answer))
        self._wake.set()
        return await answer

    async def _write_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                await self._write_queued()

    async def _write_queued(self) -> None:
        self._writing = True
        try:
            await self._write_batch()
        finally:
            self._writing = False

    async def _write_batch(self) -> None:
        requests: list[_Request] = []
        size = 0
        while self._queue and (not requests or size + len(self._queue[0].parsed.alerts) <= MAX_BATCH_ALERTS):
            request = self._queue.pop(0)
            requests.append(request)
            size += len(request.parsed.alerts)
        try:
            outcomes = await self._apply_with_retry(requests)
        except Exception as exc:
            log.exception("alerts.store_failed", requests=len(requests))
            for request in requests:
                if not request.answer.done():
                    request.answer.set_exception(exc)
            return
        for request, outcome in zip(requests, outcomes, strict=True):
            if not request.answer.done():
                request.answer.set_result(outcome)
        self._on_stored()

    async def _apply_with_retry(self, requests: list[_Request]) -> list[list[Outcome]]:
        """One transaction; once more if another replica opened one of these alerts at the same moment."""
        try:
            return await self._apply(requests)
        except DBAPIError:  # a unique key taken meanwhile, or PostgreSQL breaking a lock cycle
            return await self._apply(requests)

    async def _apply(self, requests: list[_Request]) -> list[list[Outcome]]:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = AlertRepository(session)
            current = await repository.open_alerts(
                open_key(request.source, alert.dedup_key)
                for request in requests
                for alert in request.parsed.alerts
            )
            read = {values["id"]: dict(values) for values in current.values()}
            suppress = await self._retrigger_titles(repository, requests)
            await self._read_snoozes(SnoozeRepository(session), now)
            batch = _Batch()
            outcomes = [
                [
                    self._receive(batch, current, suppress, request.source, request.parsed, alert, now)
                    for alert in request.parsed.alerts
                ]
                for request in requests
            ]
            await self._cases(session, batch, now)
            await SnoozeRepository(session).count_matched(batch.snoozed)
            for alert_id, values in zip(await repository.insert(batch.new), batch.new, strict=True):
                values["id"] = alert_id
            await repository.update([_written(values, read[key]) for key, values in batch.changed.items()])
            await repository.add_events(
                [{"alert_id": values["id"], **event} for values, event in batch.events]
            )
            await repository.add_notices(
                [
                    {
                        "alert_id": values["id"],
                        "kind": kind.value,
                        "detail": {},
                        "created_at": now,
                        "attempted": False,
                        "attempts": 0,
                    }
                    for values, kind in batch.notices
                ]
            )
        return outcomes

    async def _cases(self, session: AsyncSession, batch: _Batch, now: datetime) -> None:
        """New alerts of case routes join a case or open one, in order (the first of a batch opens it,
        the rest join). By default an alert joins its signal's open case when that case's last alert
        is recent enough; with `dedup_entities`, the open case whose alerts shared one of its entity
        values within the window. Only the opener owes a notice: a burst of a thousand alerts is one
        case message, edited, not a thousand."""
        cases = CaseRepository(session)
        if batch.for_cases:
            latest = await cases.open_for_signals(
                routed.signal for _, routed in batch.for_cases if not routed.dedup_entities
            )
            sharing = await self._sharing(CaseEntityRepository(session), batch, now)
            seen: dict[tuple[int, str, str], tuple[str, datetime]] = {}
            for alert, routed in batch.for_cases:
                if routed.dedup_entities:
                    shared = _dedup_keys(alert, routed)
                    case_id = min((sharing[key] for key in shared if key in sharing), default=None)
                    if case_id is None:
                        case_id = (await self._open_case(cases, alert, routed, now))["id"]
                        batch.notices.append((alert, NoticeKind.ALERT))
                    else:
                        batch.case_counts[case_id] = batch.case_counts.get(case_id, 0) + 1
                    for key in shared:
                        sharing.setdefault(key, case_id)
                        seen[(case_id, key[1], key[2])] = (routed.signal, now)
                    alert["case_id"] = case_id
                    continue
                case = latest.get(routed.signal)
                if case is None or now - (case["last_alert_at"] or case["created_at"]) > routed.dedup_window:
                    case = latest[routed.signal] = await self._open_case(cases, alert, routed, now)
                    batch.notices.append((alert, NoticeKind.ALERT))
                else:
                    batch.case_counts[case["id"]] = batch.case_counts.get(case["id"], 0) + 1
                    case["last_alert_at"] = now
                alert["case_id"] = case["id"]
            await CaseEntityRepository(session).seen(seen)
        await cases.count_alerts(batch.case_counts, now)

    async def _sharing(
        self, entities: CaseEntityRepository, batch: _Batch, now: datetime
    ) -> dict[tuple[str, str, str], int]:
        """(signal, entity, value) → the oldest open case whose alerts carried it within the signal's
        window, for the entity-de-duplicating alerts of this batch."""
        windows = {
            routed.signal: routed.dedup_window for _, routed in batch.for_cases if routed.dedup_entities
        }
        if not windows:
            return {}
        values = {
            key[2]
            for alert, routed in batch.for_cases
            if routed.dedup_entities
            for key in _dedup_keys(alert, routed)
        }
        sightings = await entities.open_sightings(windows, values, now - max(windows.values()))
        sharing: dict[tuple[str, str, str], int] = {}
        for case_id, signal, name, value, at in sightings:
            if now - at <= windows[signal]:
                sharing.setdefault((signal, name, value), case_id)
        return sharing

    async def _open_case(
        self, cases: CaseRepository, alert: AlertValues, routed: Routed, now: datetime
    ) -> dict[str, Any]:
        case_type = self._settings.case_type(routed.case_type)
        values = new_case(
            title=alert["title"],
            description=alert["description"],
            signal=routed.signal,
            case_type=routed.case_type,
            case_priority=routed.case_priority,
            channel=routed.channel,
            restricted=case_type.visibility == "restricted",
            now=now,
            alert_count=1,
        )
        values["id"] = await cases.insert(values)
        await cases.add_event(
            values["id"], now, f"source:{alert['source']}", "opened", alert["title"], posted=True
        )
        return values

    async def _read_snoozes(self, snoozes: SnoozeRepository, now: datetime) -> None:
        """The active snoozes, read at most once a second (a batch must not pay a query for a table
        that is nearly always empty), and at once after a snooze was made in this process."""
        generation = self._snooze_generation()
        if generation != self._snoozes_seen or time.monotonic() - self._snoozes_read >= SNOOZES_FRESH_SECONDS:
            self._snoozes = await snoozes.active(now)
            self._snoozes_read, self._snoozes_seen = time.monotonic(), generation

    def _snooze_for(self, signal: str, entities: Mapping[str, str], now: datetime) -> Snooze | None:
        if not self._snoozes or not signal:
            return None
        return next(
            (s for s in self._snoozes if s.signal == signal and s.is_active(now) and s.matches(entities)),
            None,
        )

    async def _retrigger_titles(
        self, repository: AlertRepository, requests: list[_Request]
    ) -> set[tuple[str, str]]:
        """(source, title) pairs a new mapbox alert must not repeat (M8): an open alert has the title
        (`retrigger` true), or any alert ever had it (`retrigger` false)."""
        suppress: set[tuple[str, str]] = set()
        for open_only in (True, False):
            wanted: dict[str, set[str]] = {}
            for request in requests:
                for alert in request.parsed.alerts:
                    message = alert.mapbox
                    if message and message.retrigger is open_only and _retriggers(alert):
                        wanted.setdefault(request.source, set()).add(alert.title)
            for source, titles in wanted.items():
                seen = await repository.titles_seen(source, titles, open_only=open_only)
                suppress.update((source, title) for title in seen)
        return suppress

    def _receive(
        self,
        batch: _Batch,
        current: dict[str, AlertValues],
        suppress: set[tuple[str, str]],
        source: str,
        parsed: ParsedPayload,
        inbound: InboundAlert,
        now: datetime,
    ) -> Outcome:
        key = open_key(source, inbound.dedup_key)
        event_hash = _hash(inbound)
        alert = current.get(key)
        if alert is None:
            if inbound.status is not InboundStatus.FIRING:
                return Outcome(inbound.dedup_key, Action.DEDUPLICATED)  # nothing open to resolve or ack
            retriggers = _retriggers(inbound)
            if retriggers and (source, inbound.title) in suppress:
                return Outcome(inbound.dedup_key, Action.SUPPRESSED)
            alert = self._open(batch, source, parsed, inbound, event_hash, now)
            current[key] = alert
            if retriggers:
                suppress.add((source, inbound.title))  # open now: a repeat in this same batch is one too
            return Outcome(
                inbound.dedup_key, Action.SNOOZED if "snoozed" in alert["details"] else Action.CREATED
            )
        if alert["last_event_hash"] == event_hash and now - alert["last_seen_at"] <= self._retry_window:
            return Outcome(inbound.dedup_key, Action.DEDUPLICATED)  # the sender's retry: changes nothing
        policy = self._router.policy(alert["signal"])
        snoozed = alert["details"].get("snoozed") if inbound.status is InboundStatus.FIRING else None
        if snoozed is not None:
            action = self._snoozed_repeat(batch, alert, source, inbound, now, policy)
        elif inbound.status is InboundStatus.RESOLVED:
            _recover(batch, alert, now)
            current.pop(key)
            action = Action.RESOLVED
        elif inbound.status is InboundStatus.ACKNOWLEDGED:
            if alert["ack_expires_at"] is not None and alert["ack_expires_at"] > now:
                return Outcome(inbound.dedup_key, Action.DEDUPLICATED)  # one acknowledgement at a time (C8)
            acknowledge(alert, f"source:{source}", now, policy)
            batch.notices.append((alert, NoticeKind.ACKNOWLEDGED))
            action = Action.ACKNOWLEDGED
        else:
            _repeat(batch, alert, inbound, now, policy)
            action = Action.UPDATED
        alert["last_event_hash"] = event_hash
        alert["last_seen_at"] = now
        alert["version"] += 1
        _changed(batch, alert)
        batch.events.append((alert, _event(now, f"source:{source}", action.value, inbound)))
        return Outcome(inbound.dedup_key, action)

    def _open(
        self,
        batch: _Batch,
        source: str,
        parsed: ParsedPayload,
        inbound: InboundAlert,
        event_hash: str,
        now: datetime,
    ) -> AlertValues:
        routed = self._router.route(source, inbound)
        entities = entities_of(inbound, routed.entity_paths) if routed.entity_paths else {}
        snooze = self._snooze_for(routed.signal, entities, now)
        watched = routed.route is Route.CHANNEL and snooze is None
        alert: AlertValues = {
            "source": source,
            "dedup_key": inbound.dedup_key,
            "open_key": open_key(source, inbound.dedup_key),
            "format": parsed.format.value,
            "signal": routed.signal,
            "route": routed.route.value,
            "state": AlertState.FIRING.value,
            "severity": inbound.severity.value,
            "title": inbound.title,
            "description": inbound.description,
            "labels": dict(inbound.labels),
            "source_url": inbound.source_url,
            "runbook_url": inbound.runbook_url,
            "count": 1,
            "first_seen_at": now,
            "last_seen_at": now,
            "resolved_at": None,
            "channel": routed.channel if routed.route is not Route.RECORD else "",
            "users": list(routed.users),
            "oncall_service": routed.oncall_service,
            "alert_channels": list(routed.alert_channels),
            "message_ts": None,
            "ack_by": None,
            "ack_at": None,
            "ack_expires_at": None,
            "last_alerted_at": now,
            "next_realert_at": now + routed.policy.interval(inbound.severity) if watched else None,
            "incident_id": None,
            "page_id": None,
            "mapbox": mapbox_to_stored(inbound.mapbox),
            "details": _details(entities, snooze),
            "last_event_hash": event_hash,
            "version": 1,
            "rendered_version": 1,
            "case_id": None,
        }
        batch.new.append(alert)
        if snooze is not None:  # stored and counted, never announced
            batch.snoozed[snooze.id] = batch.snoozed.get(snooze.id, 0) + 1
            batch.events.append((alert, _event(now, f"snooze:{snooze.id}", Action.SNOOZED.value, inbound)))
            return alert
        batch.events.append((alert, _event(now, f"source:{source}", Action.CREATED.value, inbound)))
        if routed.route is Route.CASE:
            batch.for_cases.append((alert, routed))
        elif routed.alert_channels:
            batch.notices.append((alert, NoticeKind.ALERT))
        if _declares(routed, inbound.severity):
            batch.notices.append((alert, NoticeKind.DECLARE))
        return alert

    def _snoozed_repeat(
        self,
        batch: _Batch,
        alert: AlertValues,
        source: str,
        inbound: InboundAlert,
        now: datetime,
        policy: Policy,
    ) -> Action:
        """A repeat of an alert a snooze kept quiet: still quiet while the snooze lasts; once it has
        ended, the alert is announced as if new (its case opened or joined, its message posted)."""
        snooze_id = alert["details"]["snoozed"]
        alert["count"] += 1
        if any(s.id == snooze_id and s.is_active(now) for s in self._snoozes):
            batch.snoozed[snooze_id] = batch.snoozed.get(snooze_id, 0) + 1
            return Action.SNOOZED
        alert["details"] = {k: v for k, v in alert["details"].items() if k != "snoozed"}
        if alert["route"] == Route.CASE.value:
            batch.for_cases.append((alert, self._router.route(source, inbound)))
        elif alert["alert_channels"]:
            batch.notices.append((alert, NoticeKind.ALERT))
            if alert["route"] == Route.CHANNEL.value:
                alert["last_alerted_at"] = now
                alert["next_realert_at"] = now + policy.interval(Severity(alert["severity"]))
        return Action.UPDATED


def acknowledge(alert: AlertValues, by: str, now: datetime, policy: Policy) -> None:
    alert["ack_by"], alert["ack_at"], alert["ack_expires_at"] = by, now, now + policy.ack_expiry


def _repeat(batch: _Batch, alert: AlertValues, inbound: InboundAlert, now: datetime, policy: Policy) -> None:
    """A repeat of a firing alert bumps its count; a worse severity re-alerts at once (C5), quietly
    while acknowledged (C7); a better one waits for the next re-alert. Nag DMs every time (M7)."""
    alert["count"] += 1
    if alert["case_id"] is not None:
        batch.case_counts[alert["case_id"]] = batch.case_counts.get(alert["case_id"], 0) + 1
    alert["description"] = inbound.description or alert["description"]
    alert["labels"] = dict(inbound.labels) or alert["labels"]
    alert["source_url"] = inbound.source_url or alert["source_url"]
    severity, previous = inbound.severity, Severity(alert["severity"])
    alert["severity"] = severity.value
    if alert["route"] == Route.NAG.value:
        batch.notices.append((alert, NoticeKind.ALERT))
    elif severity.is_worse_than(previous) and alert["route"] == Route.CHANNEL.value:
        acknowledged = alert["ack_expires_at"] is not None and alert["ack_expires_at"] > now
        batch.notices.append((alert, NoticeKind.UPDATE if acknowledged else NoticeKind.ALERT))
        alert["last_alerted_at"] = now
        alert["next_realert_at"] = now + policy.interval(severity)


def _recover(batch: _Batch, alert: AlertValues, now: datetime) -> None:
    """Recovery ends the alert: one notice, unthrottled (C6); its key is free for a new alert."""
    alert.update(
        state=AlertState.RESOLVED.value,
        resolved_at=now,
        open_key=None,
        next_realert_at=None,
        ack_by=None,
        ack_at=None,
        ack_expires_at=None,
    )
    batch.notices.append((alert, NoticeKind.RECOVERED))


def _changed(batch: _Batch, alert: AlertValues) -> None:
    if "id" in alert:  # a new alert of this batch is inserted with its latest values anyway
        batch.changed[alert["id"]] = alert


def _written(alert: AlertValues, read: AlertValues) -> AlertValues:
    """Only the columns this batch changed: what delivery recorded since they were read (the message's
    ts, a page id) must not be overwritten with the values read before it."""
    changed = {name: value for name, value in alert.items() if read.get(name) != value}
    if "version" in changed:
        changed[VERSION_BUMP] = changed.pop("version") - read["version"]
    return {"id": alert["id"], **changed}


def _dedup_keys(alert: AlertValues, routed: Routed) -> list[tuple[str, str, str]]:
    """(signal, entity, value) of the alert's values for its signal's `dedup_entities`."""
    entities = alert["details"].get("entities") or {}
    return [(routed.signal, name, entities[name]) for name in routed.dedup_entities if entities.get(name)]


def _details(entities: Mapping[str, str], snooze: Snooze | None) -> dict[str, Any]:
    details: dict[str, Any] = {"entities": dict(entities)} if entities else {}
    if snooze is not None:
        details["snoozed"] = snooze.id
    return details


def _retriggers(inbound: InboundAlert) -> bool:
    """Whether `retrigger` (M8) applies: to the mapbox messages that open a record. A nag repeats on
    purpose; a high-priority message only pages, and its page de-duplicates on its title (M7)."""
    message = inbound.mapbox
    return message is not None and message.route not in (MapboxRoute.NAG, MapboxRoute.HIGH_PRIORITY)


def _declares(routed: Routed, severity: Severity) -> bool:
    return routed.declare_auto and severity is Severity.CRITICAL and routed.route is Route.CHANNEL


def _event(now: datetime, actor: str, action: str, inbound: InboundAlert) -> dict[str, Any]:
    return {
        "at": now,
        "actor": actor,
        "action": action,
        "detail": f"{inbound.status.value}, {inbound.severity.value}",
        "payload": dict(inbound.raw),
    }


def _hash(inbound: InboundAlert) -> str:
    """Identifies a sender's retry: the same alert, said the same way."""
    canonical = json.dumps(
        [inbound.status.value, inbound.raw], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
