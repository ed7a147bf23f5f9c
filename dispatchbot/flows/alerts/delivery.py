"""Delivering alert notices: the worker that turns what the intake and people wrote into Slack messages,
DMs, pages and plugin calls, and keeps each alert's message showing its current state.

It runs on the scheduler's leader (so one process posts, in order), woken at once when this process
writes notices and every `delivery_poll_seconds` for those another replica took in. A notice is done
only once every channel it is for has taken it; one that keeps failing is retried with back-off and
finally given up loudly (an ERROR line and its audit trail), never dropped silently.

Storms: Slack takes about one message a second per channel. When more new alerts wait for one channel
than `storm_threshold`, they are posted as one grouped message, edited as more arrive, instead of a
queue of hundreds of posts; every alert is still stored, counted and listed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from dispatchbot.alerting.model import Alert, NoticeKind, Route
from dispatchbot.alerting.routing import ONCALL_CHANNEL, SLACK_CHANNEL
from dispatchbot.blocks.alerts import alert_message as blocks
from dispatchbot.blocks.common import Message
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.flows.alerts import declare, oncall_channel, slack_channel
from dispatchbot.flows.alerts.people import duty_officers, slack_ids, users_of
from dispatchbot.flows.cases import message as case_message
from dispatchbot.flows.workflows import from_signals
from dispatchbot.logs import get_logger
from dispatchbot.providers.alert_channels import AlertChannel, Person, UpdatingAlertChannel
from dispatchbot.services.alerts import Notice

log = get_logger(__name__)

BATCH = 500
BATCH_IN_BURSTS = 50
MAX_ATTEMPTS = 12
"""With back-off doubling from half a second, a notice is tried for about half an hour before giving up."""
STORM_QUIET_SECONDS = 60.0
"""A channel's storm message takes new alerts until the channel has been quiet this long."""
EDIT_INTERVAL_SECONDS = 1.0
"""An alert's message is edited at most this often (Slack rate-limits edits too); changes in between
are shown by the next edit."""
CONCURRENCY = 4
INTAKE_FIRST_SECONDS = 1.0
INTAKE_PAUSE_SECONDS = 0.02
STORM_SHOWN = 50
"""Alerts a storm message keeps to name (it shows fewer); the rest are counted."""


@dataclass
class _Storm:
    """A channel's grouped message: the alerts it names (a few) and how many it counts."""

    ts: str
    marker: str
    shown: list[Alert] = field(default_factory=list)
    total: int = 0
    updated: float = 0.0


class AlertDelivery:
    def __init__(
        self,
        deps: Deps,
        plugins: Mapping[str, AlertChannel],
        is_leader: Callable[[], bool],
        intake_busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._deps = deps
        self._plugins = plugins
        self._is_leader = is_leader
        self._intake_busy = intake_busy
        self._task: asyncio.Task[None] | None = None
        self._storms: dict[str, _Storm] = {}
        self._edited: dict[int, float] = {}
        self._case_edited: dict[int, float] = {}
        self._retry_at: dict[int, float] = {}
        self._people: dict[tuple[tuple[str, ...], str], tuple[list[Person], list[Person]]] = {}
        """When a failed notice may be tried again (monotonic): half a second, doubling, at most 5 min."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever(), name="alert-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run_forever(self) -> None:
        poll = self._deps.settings.alerts.delivery_poll_seconds
        while True:
            await self._deps.alerts.wait_for_work(poll)
            if not self._is_leader():
                continue
            try:
                while await self.deliver_pending(BATCH if await self._after_intake() else BATCH_IN_BURSTS):
                    pass
                await self.render_changed()
            except Exception:
                log.exception("alerts.delivery_failed")

    async def _after_intake(self) -> bool:
        """Let a burst of POSTs be answered first (a sender waiting on its 202 may time out and send
        again; Slack can wait a moment), but never more than `INTAKE_FIRST_SECONDS` at a time; False
        when the burst goes on (then a small batch of notices goes, so the 202s wait little for it)."""
        waited = 0.0
        while self._intake_busy():
            if waited >= INTAKE_FIRST_SECONDS:
                return False
            await asyncio.sleep(INTAKE_PAUSE_SECONDS)
            waited += INTAKE_PAUSE_SECONDS
        return True

    async def deliver_pending(self, batch: int = BATCH) -> int:
        """One pass over up to `batch` waiting notices; how many were finished."""
        deps = self._deps
        now = time.monotonic()
        pending = await deps.alerts.pending_notices(batch)
        waiting = {n.alert_id for n in pending if self._retry_at.get(n.id, 0.0) > now}
        notices = [n for n in pending if n.alert_id not in waiting]  # an alert's notices go in order
        if not notices:
            return 0
        alerts = {alert.id: alert for alert in await deps.alerts.many({n.alert_id for n in notices})}
        notices = [n for n in notices if n.alert_id in alerts]
        self._people = {}
        grouped = await self._storm(notices, alerts) | await self._storm_realerts(notices, alerts)
        by_alert: dict[int, list[Notice]] = {}
        for notice in notices:
            by_alert.setdefault(notice.alert_id, []).append(notice)
        limit = asyncio.Semaphore(CONCURRENCY)
        done: set[int] = set()

        async def one_alert(alert_notices: list[Notice]) -> None:
            async with limit:
                for notice in alert_notices:
                    slack_done = notice.id in grouped
                    nothing_left = slack_done and only_slack(alerts[notice.alert_id])
                    if not nothing_left and not await self._deliver(notice, slack_done=slack_done):
                        return  # later notices of this alert wait for this one (order matters)
                    done.add(notice.id)

        await asyncio.gather(*(one_alert(items) for items in by_alert.values()))
        if done:
            await deps.alerts.notices_done(sorted(done))
        return len(done)

    async def render_changed(self) -> None:
        """Edit each alert's message whose state moved on since it was last shown (count, status)."""
        now = time.monotonic()
        for alert in await self._deps.alerts.unrendered(100):
            if now - self._edited.get(alert.id, 0.0) < EDIT_INTERVAL_SECONDS:
                continue
            if alert.details.get("storm"):  # shown in its storm's message, which counts, not details
                await self._deps.alerts.rendered(alert.id, alert.version)
                continue
            channel = await self._deps.slack.channel_id_for(alert.channel) if alert.channel else None
            if channel and alert.message_ts:
                text, message_blocks = await self._current_message(alert)
                message_blocks = [
                    {**message_blocks[0], "block_id": slack_channel.alert_marker(alert.id)},
                    *message_blocks[1:],
                ]
                try:
                    await self._deps.slack.update_message(channel, alert.message_ts, text, message_blocks)
                except ProviderError as exc:
                    log.warning("alerts.edit_failed", alert_id=alert.id, error=exc.detail)
            self._edited[alert.id] = now
            await self._deps.alerts.rendered(alert.id, alert.version)
        # a long-lived daemon sees millions of alerts: forget edits too old to hold any back
        self._edited = {key: at for key, at in self._edited.items() if now - at < EDIT_INTERVAL_SECONDS}
        await case_message.render_changed(self._deps, self._case_edited)

    async def _current_message(self, alert: Alert) -> Message:
        users, duty = await users_of(self._deps, alert), await duty_officers(self._deps, alert)
        incident_channel = None
        if alert.incident_id is not None:
            incident = await self._deps.incidents.get(alert.incident_id)
            incident_channel = incident.channel_id
        return blocks.alert_message(
            alert, notified=slack_ids([*users, *duty]), incident_channel=incident_channel
        )

    async def _deliver(self, notice: Notice, *, slack_done: bool = False) -> bool:
        """Deliver one notice to every channel it is for; False when it must be tried again later."""
        deps = self._deps
        alert = await deps.alerts.get(notice.alert_id)
        await deps.alerts.notice_attempted(notice.id)
        try:
            if notice.kind is NoticeKind.DECLARE:
                await declare.auto_declare(deps, alert)
            elif notice.kind is NoticeKind.ESCALATE:
                await oncall_channel.page(deps, alert, escalation=True)
            else:
                await self._to_channels(notice, alert, slack_done=slack_done)
        except Exception as exc:
            error = exc.detail if isinstance(exc, ProviderError) else f"{type(exc).__name__}: {exc}"
            await deps.alerts.notice_failed(notice.id, error)
            deps.metrics.alert_notices.labels(notice.kind.value, "retry").inc()
            if notice.attempts + 1 >= MAX_ATTEMPTS:
                log.error("alerts.notice_given_up", alert_id=alert.id, kind=notice.kind.value, error=error)
                self._retry_at.pop(notice.id, None)
                await deps.alerts.record(
                    alert.id, action="delivery_failed", detail=f"{notice.kind.value}: {error}"
                )
                where = (
                    alert.oncall_service or "on-call" if notice.kind is NoticeKind.ESCALATE else alert.channel
                )
                reason = f"gave up on the {notice.kind.value} after {MAX_ATTEMPTS} attempts ({error})"
                await slack_channel.fallback(deps, alert, where or "Slack", reason)
                return True
            log.warning("alerts.notice_failed", alert_id=alert.id, kind=notice.kind.value, error=error)
            self._retry_at[notice.id] = time.monotonic() + min(300.0, 0.5 * 2**notice.attempts)
            return False
        self._retry_at.pop(notice.id, None)
        deps.metrics.alert_notices.labels(notice.kind.value, "ok").inc()
        return True

    async def _to_channels(self, notice: Notice, alert: Alert, *, slack_done: bool) -> None:
        """`slack_done`: a storm message already showed this notice in Slack; the others still get it."""
        deps = self._deps
        users, duty = await self._people_of(alert)
        failed: list[str] = []
        for name in alert.alert_channels:
            if name == SLACK_CHANNEL and slack_done:
                continue
            try:
                await self._to_channel(name, notice, alert, users, duty)
            except Exception:
                if name == SLACK_CHANNEL:
                    raise  # our own message must not be lost: the notice is retried
                log.exception("alerts.plugin_failed", plugin=name, alert_id=alert.id)
                failed.append(name)
        if notice.kind is NoticeKind.RECOVERED and alert.incident_id is not None:
            await declare.tell_incident_recovered(deps, alert, notice)
        await from_signals.start_for_alert(deps, notice, alert)  # its message is there to reply under
        if failed:
            await deps.alerts.record(alert.id, action="plugin_failed", detail=", ".join(failed))

    async def _to_channel(
        self, name: str, notice: Notice, alert: Alert, users: Sequence[object], duty: Sequence[object]
    ) -> None:
        deps = self._deps
        if name == SLACK_CHANNEL and alert.route is Route.CASE:
            if notice.kind is NoticeKind.ALERT:  # the case's message, not one of the alert's own
                await case_message.open_case(deps, notice, alert)
        elif name == SLACK_CHANNEL:
            await slack_channel.deliver(deps, notice, alert, users, duty)  # type: ignore[arg-type]
        elif name == ONCALL_CHANNEL:
            if notice.kind is NoticeKind.ALERT and not notice.detail.get("realert"):
                await oncall_channel.page(deps, alert)
            elif notice.kind is NoticeKind.RECOVERED:
                await oncall_channel.resolve(deps, alert)
        else:
            plugin = self._plugins[name]
            if notice.kind in (NoticeKind.ALERT, NoticeKind.RECOVERED):
                await plugin.send_alert(alert, users, duty)  # type: ignore[arg-type]
            elif notice.kind is NoticeKind.UPDATE and isinstance(plugin, UpdatingAlertChannel):
                await plugin.send_alert_update(alert, users, duty)  # type: ignore[arg-type]

    async def _people_of(self, alert: Alert) -> tuple[list[Person], list[Person]]:
        """The alert's users and duty officers, looked up once per pass for all alerts sharing them (a
        storm's thousand alerts have one on-call)."""
        key = (alert.users, alert.oncall_service)
        if key not in self._people:
            self._people[key] = (await users_of(self._deps, alert), await duty_officers(self._deps, alert))
        return self._people[key]

    async def _storm_realerts(self, notices: list[Notice], alerts: Mapping[int, Alert]) -> set[int]:
        """Many re-alerts due at once in one channel (a storm still firing): one message naming them and
        mentioning whom the unacknowledged ones notify, instead of a reply in each thread."""
        due: dict[str, list[Notice]] = {}
        for notice in notices:
            alert = alerts[notice.alert_id]
            if (
                notice.kind in (NoticeKind.ALERT, NoticeKind.UPDATE)
                and notice.detail.get("realert")
                and alert.route is Route.CHANNEL
                and alert.message_ts is not None
                and SLACK_CHANNEL in alert.alert_channels
            ):
                due.setdefault(alert.channel, []).append(notice)
        taken: set[int] = set()
        for channel_name, channel_notices in due.items():
            if len(channel_notices) <= self._deps.settings.alerts.storm_threshold:
                continue
            channel = await self._deps.slack.channel_id_for(channel_name)
            if channel is None:
                continue
            mentions: list[str] = []
            for notice in channel_notices:
                if notice.kind is NoticeKind.ALERT:
                    users, duty = await self._people_of(alerts[notice.alert_id])
                    mentions += slack_ids([*users, *duty])
            grouped = [alerts[n.alert_id] for n in channel_notices]
            text, message_blocks = blocks.storm_realert(
                grouped[:STORM_SHOWN], len(grouped), list(dict.fromkeys(mentions))
            )
            first = channel_notices[0]
            marker = f"alert-storm-{first.id}"
            try:
                ts = await self._deps.slack.find_message(channel, marker) if first.attempted else None
                if ts is None:
                    await self._deps.alerts.notice_attempted(first.id)
                    marked = [{**message_blocks[0], "block_id": marker}, *message_blocks[1:]]
                    await self._deps.slack.post_message(channel, text, marked)
            except ProviderError as exc:
                log.warning("alerts.storm_post_failed", error=exc.detail)
                continue
            taken.update(n.id for n in channel_notices)
        return taken

    async def _storm(self, notices: list[Notice], alerts: Mapping[int, Alert]) -> set[int]:
        """Group new alerts waiting for one channel into its storm message; the notices whose Slack
        part it showed (their other channels, a page or a plugin, still get them)."""
        now = time.monotonic()
        waiting: dict[str, list[Notice]] = {}
        for notice in notices:
            alert = alerts[notice.alert_id]
            if (
                notice.kind is NoticeKind.ALERT
                and alert.route is Route.CHANNEL
                and alert.message_ts is None
                and SLACK_CHANNEL in alert.alert_channels
            ):
                waiting.setdefault(alert.channel, []).append(notice)
        taken: set[int] = set()
        for channel_name, channel_notices in waiting.items():
            storm = self._storms.get(channel_name)
            live = storm is not None and now - storm.updated < STORM_QUIET_SECONDS
            if not live and len(channel_notices) <= self._deps.settings.alerts.storm_threshold:
                continue
            channel = await self._deps.slack.channel_id_for(channel_name)
            if channel is None:
                continue
            grouped = [alerts[n.alert_id] for n in channel_notices]
            try:
                storm = await self._post_storm(channel, channel_notices[0], storm if live else None, grouped)
            except ProviderError as exc:
                log.warning("alerts.storm_post_failed", error=exc.detail)
                continue
            storm.updated = now
            self._storms[channel_name] = storm
            await self._deps.alerts.record_message([a.id for a in grouped], storm.ts, storm=True)
            taken.update(n.id for n in channel_notices)
        return taken

    async def _post_storm(
        self, channel: str, first: Notice, storm: _Storm | None, grouped: list[Alert]
    ) -> _Storm:
        slack = self._deps.slack
        if storm is None:
            text, message_blocks = blocks.storm_message(grouped, len(grouped))
            marker = f"alert-storm-{first.id}"
            ts = await slack.find_message(channel, marker) if first.attempted else None
            if ts is None:
                await self._deps.alerts.notice_attempted(first.id)
                ts = await slack.post_message(
                    channel, text, [{**message_blocks[0], "block_id": marker}, *message_blocks[1:]]
                )
            return _Storm(ts, marker, grouped[:STORM_SHOWN], len(grouped))
        storm.shown = [*storm.shown, *grouped][:STORM_SHOWN]
        storm.total += len(grouped)
        text, message_blocks = blocks.storm_message(storm.shown, storm.total)
        marked = [
            {**message_blocks[0], "block_id": storm.marker},
            *message_blocks[1:],
        ]  # findable after a crash
        await slack.update_message(channel, storm.ts, text, marked)
        return storm


def only_slack(alert: Alert) -> bool:
    """Whether Slack is the alert's only channel (and no incident wants to hear of it)."""
    return set(alert.alert_channels) <= {SLACK_CHANNEL} and alert.incident_id is None
