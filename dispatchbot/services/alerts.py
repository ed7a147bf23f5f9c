"""Alert transactions after intake: people acknowledging and answering, the re-alert tick, and the
bookkeeping of delivering notices (what was posted where).

Each method is one transaction; a change that owes the outside world something writes its notice in
that same transaction, so it is delivered even if the process dies right after.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatchbot.alert_formats.model import Severity
from dispatchbot.alerting.model import Alert, AlertState, AuditEntry, NoticeKind
from dispatchbot.alerting.routing import SignalRouter
from dispatchbot.clock import Clock
from dispatchbot.errors import Forbidden, NotFound, UserFacingError
from dispatchbot.mrkdwn import Mrkdwn, md, mention
from dispatchbot.storage.alerts import VERSION_BUMP, AlertRepository

BOT_ACTOR = "dispatchbot"
REALERT_BATCH = 20_000
"""Alerts re-alerted per tick at most; the rest are due still and go at the next tick."""


@dataclass(frozen=True)
class Notice:
    id: int
    alert_id: int
    kind: NoticeKind
    attempted: bool
    attempts: int
    detail: dict[str, Any]


class AlertService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, router: SignalRouter
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._router = router
        self._work = asyncio.Event()

    def work_written(self) -> None:
        """Wake this process's delivery: notices were just written (here, or by the intake)."""
        self._work.set()

    async def wait_for_work(self, poll_seconds: float) -> None:
        """Until notices are written in this process, or `poll_seconds` pass (another replica may have)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(poll_seconds):
                await self._work.wait()
        self._work.clear()

    async def get(self, alert_id: int) -> Alert:
        async with self._sessions() as session:
            alert = await AlertRepository(session).get(alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id}")
        return alert

    async def find(self, source: str, dedup_key: str) -> list[Alert]:
        async with self._sessions() as session:
            return await AlertRepository(session).find(source, dedup_key)

    async def listing(self, *, firing_only: bool, limit: int) -> list[Alert]:
        async with self._sessions() as session:
            return await AlertRepository(session).listing(firing_only=firing_only, limit=limit)

    async def audit_trail(self, alert_id: int) -> list[AuditEntry]:
        async with self._sessions() as session:
            return await AlertRepository(session).audit_trail(alert_id)

    async def acknowledge(self, alert_id: int, user: str) -> Alert:
        """Acknowledge for the signal's expiry (C7); refused while another acknowledgement is live (C8)
        and once the alert stopped firing."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = AlertRepository(session)
            alert = await _get(repository, alert_id)
            if not alert.state.is_open:
                raise UserFacingError("This alert is no longer firing.")
            ack = alert.acknowledgement
            if ack is not None and ack.expires_at > now:
                raise UserFacingError(
                    md(
                        "Already acknowledged by {who} until {until} UTC.",
                        who=actor(ack.by),
                        until=f"{ack.expires_at:%H:%M}",
                    )
                )
            expires = now + self._router.policy(alert.signal).ack_expiry
            await repository.change(alert_id, ack_by=user, ack_at=now, ack_expires_at=expires)
            await self._record(repository, alert_id, now, user, "acknowledged", f"until {expires:%H:%M} UTC")
            await _notice(repository, alert_id, NoticeKind.ACKNOWLEDGED, now, {"by": user})
            alert = await _get(repository, alert_id)
        self.work_written()
        return alert

    async def cancel_acknowledgement(self, alert_id: int, user: str) -> Alert:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = AlertRepository(session)
            alert = await _get(repository, alert_id)
            if alert.acknowledgement is None:
                raise UserFacingError("This alert is not acknowledged.")
            await repository.change(alert_id, ack_by=None, ack_at=None, ack_expires_at=None)
            await self._record(repository, alert_id, now, user, "acknowledgement_cancelled")
            await _notice(repository, alert_id, NoticeKind.ACK_CANCELLED, now, {"by": user})
            alert = await _get(repository, alert_id)
        self.work_written()
        return alert

    async def answer_prompt(self, alert_id: int, user: str, *, yes: bool) -> Alert:
        """A self-service answer (M4/M5), once: Yes closes the alert as acknowledged by them; No
        escalates (the notice pages, keyed on the request id, so nobody is paged twice)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = AlertRepository(session)
            alert = await _get(repository, alert_id)
            if alert.details.get("asked") != user:
                raise Forbidden("Only the person this alert asked can answer it.")
            if "answer" in alert.details:
                raise UserFacingError("This was answered already.")
            details = {**alert.details, "answer": "yes" if yes else "no", "answered_by": user}
            if yes:
                await repository.change(
                    alert_id,
                    details=details,
                    state=AlertState.CLOSED.value,
                    open_key=None,
                    resolved_at=now,
                    next_realert_at=None,
                )
            else:
                await repository.change(alert_id, details=details)
                await _notice(repository, alert_id, NoticeKind.ESCALATE, now, {"by": user})
            await self._record(repository, alert_id, now, user, "confirmed" if yes else "denied")
            alert = await _get(repository, alert_id)
        self.work_written()
        return alert

    async def realert_tick(self, now: datetime) -> int:
        """Every firing alert whose re-alert is due gets one notice: a full alert, or a quiet update
        while an acknowledgement is live (C7); an expired acknowledgement is cleared. Set-based."""
        async with self._sessions.begin() as session:
            repository = AlertRepository(session)
            due = await repository.due_for_realert(now, REALERT_BATCH)
            changes, notices, expired = [], [], []
            for alert in due:
                quiet = alert["ack_expires_at"] is not None and alert["ack_expires_at"] > now
                interval = self._router.policy(alert["signal"]).interval(Severity(alert["severity"]))
                change = {"id": alert["id"], "last_alerted_at": now, "next_realert_at": now + interval}
                if not quiet:
                    change.update(ack_by=None, ack_at=None, ack_expires_at=None)
                if not quiet and alert["ack_by"] is not None:
                    change[VERSION_BUMP] = 1  # its message drops "Acknowledged by"
                    expired.append(_event_values(alert["id"], now, BOT_ACTOR, "acknowledgement_expired"))
                changes.append(change)
                kind = NoticeKind.UPDATE if quiet else NoticeKind.ALERT
                notices.append(_notice_values(alert["id"], kind, now, {"realert": True}))
            await repository.update(changes)
            await repository.add_notices(notices)
            await repository.add_events(expired)
        if due:
            self.work_written()
        return len(due)

    async def pending_notices(self, limit: int) -> list[Notice]:
        async with self._sessions() as session:
            rows = await AlertRepository(session).pending_notices(limit)
        return [
            Notice(
                row["id"],
                row["alert_id"],
                NoticeKind(row["kind"]),
                row["attempted"],
                row["attempts"],
                row["detail"],
            )
            for row in rows
        ]

    async def many(self, alert_ids: set[int]) -> list[Alert]:
        async with self._sessions() as session:
            return await AlertRepository(session).many(alert_ids)

    async def notice_attempted(self, notice_id: int) -> None:
        async with self._sessions.begin() as session:
            await AlertRepository(session).notice_attempted(notice_id)

    async def notice_failed(self, notice_id: int, error: str) -> None:
        async with self._sessions.begin() as session:
            await AlertRepository(session).notice_failed(notice_id, error)

    async def notices_done(self, notice_ids: Sequence[int]) -> None:
        async with self._sessions.begin() as session:
            await AlertRepository(session).notice_done(notice_ids, self._clock.now())

    async def record_message(self, alert_ids: Sequence[int], ts: str, *, storm: bool = False) -> None:
        """Where the alerts' message is: one alert's own, or (`storm`) a grouped message that their own
        edits must leave alone."""
        async with self._sessions.begin() as session:
            repository = AlertRepository(session)
            values: dict[str, Any] = {"message_ts": ts}
            if storm:
                values["details"] = {"storm": True}
            await repository.update([{"id": alert_id, **values} for alert_id in alert_ids])

    async def record(
        self, alert_id: int, *, actor: str = BOT_ACTOR, action: str, detail: str = "", **values: Any
    ) -> None:
        """Store what delivery did (a page id, recipients, an incident) and say so in the audit trail."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            repository = AlertRepository(session)
            if values:
                await repository.change(alert_id, **values)
            await self._record(repository, alert_id, now, actor, action, detail)

    async def unrendered(self, limit: int) -> list[Alert]:
        async with self._sessions() as session:
            return await AlertRepository(session).unrendered(limit)

    async def rendered(self, alert_id: int, version: int) -> None:
        async with self._sessions.begin() as session:
            await AlertRepository(session).rendered(alert_id, version)

    async def _record(
        self,
        repository: AlertRepository,
        alert_id: int,
        now: datetime,
        actor: str,
        action: str,
        detail: str = "",
    ) -> None:
        await repository.add_events([_event_values(alert_id, now, actor, action, detail)])


def actor(who: str) -> Mrkdwn:
    """A person as a mention; `source:prometheus` (an acknowledgement sent by a source) as text."""
    return mention(who) if not who.startswith("source:") else md("{who}", who=who)


async def _get(repository: AlertRepository, alert_id: int) -> Alert:
    alert = await repository.get(alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id}")
    return alert


async def _notice(
    repository: AlertRepository, alert_id: int, kind: NoticeKind, now: datetime, detail: dict[str, Any]
) -> None:
    await repository.add_notices([_notice_values(alert_id, kind, now, detail)])


def _event_values(alert_id: int, now: datetime, actor: str, action: str, detail: str = "") -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "at": now,
        "actor": actor,
        "action": action,
        "detail": detail,
        "payload": None,
    }


def _notice_values(alert_id: int, kind: NoticeKind, now: datetime, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "kind": kind.value,
        "detail": detail,
        "created_at": now,
        "attempted": False,
        "attempts": 0,
    }
