"""Use case: ask people whose on-call shift just ended how it went (with one reminder).

Each tick asks the on-call adapter for shifts of the configured services that ended in the last day,
a window wide enough to survive missed ticks and restarts. The shift_feedback row is the claim: only
the tick that inserts it sends the DM (so repeated ticks and a second replica stay quiet), and a DM
that fails takes its row back so the next tick asks again. The reminder is claimed by one conditional
UPDATE, and given back on failure too. A provider outage is logged; the next tick simply tries again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dispatchbot.blocks.feedback import feedback as feedback_blocks
from dispatchbot.blocks.feedback.feedback import ShiftFeedbackForm, ShiftSummary, Surface
from dispatchbot.config import ServiceSettings
from dispatchbot.deps import Deps
from dispatchbot.domain import ShiftRequest
from dispatchbot.errors import Forbidden, ProviderError
from dispatchbot.flows import forms
from dispatchbot.flows.feedback import request_dm
from dispatchbot.logs import get_logger
from dispatchbot.providers.oncall import Shift

log = get_logger(__name__)

LOOKBACK = timedelta(days=1)


async def tick(deps: Deps, now: datetime) -> None:
    """Scheduler tick: find shifts that ended, ask once, remind once."""
    settings = deps.settings.feedback
    if not settings.enabled:
        return
    services = {service.name: service for service in deps.settings.services}
    for name in settings.shift_services:
        await _ask_about(deps, services[name], now)
    await _remind(deps, now - timedelta(hours=settings.shift_reminder_hours), now)


async def request_for(deps: Deps, request_id: int, user_id: str) -> ShiftRequest:
    """The request, if it was made of this person: nobody answers for someone else's shift."""
    request = await deps.feedback.shift_request(request_id)
    if request.user_id != user_id:
        raise Forbidden("This feedback request is for the person who was on call, not for you.")
    return request


async def open_form(deps: Deps, trigger_id: str, request: ShiftRequest, surface: Surface | None) -> None:
    previous = None
    if request.submitted_at is not None and request.effort is not None and request.hours is not None:
        previous = ShiftFeedbackForm(request.effort, request.hours, request.text, request.anonymous)
    view = feedback_blocks.shift_modal(_summary(request), previous, surface)
    await forms.show(deps, trigger_id, view, request.user_id)


def read_form(request: ShiftRequest, values: dict[str, Any]) -> ShiftFeedbackForm:
    """The submitted answer, or `InvalidForm`: the hours are checked against this shift's length."""
    return feedback_blocks.read_shift_form(values, _summary(request).hours)


async def submit(deps: Deps, request: ShiftRequest, form: ShiftFeedbackForm) -> ShiftRequest:
    return await deps.feedback.submit_shift(
        request.id, effort=form.effort, hours=form.hours, text=form.text, anonymous=form.anonymous
    )


async def thank(deps: Deps, request: ShiftRequest, surface: Surface | None) -> None:
    """Turn the request DM into a thank-you; a DM deleted meanwhile needs no thanks."""
    gone = await request_dm.replace(deps, surface, feedback_blocks.shift_thanks(_summary(request)))
    if gone is not None:
        log.info("shift_feedback.request_gone", request=request.id, error=gone)


async def _ask_about(deps: Deps, service: ServiceSettings, now: datetime) -> None:
    adapter = deps.providers.oncall[service.provider]
    try:
        shifts = await adapter.shifts_ended(service.external_id, now - LOOKBACK, now)
    except ProviderError as exc:
        log.warning("shift_feedback.provider_failed", service=service.name, error=exc.detail)
        return
    for shift in shifts:
        try:
            await _ask(deps, service, shift, now)
        except ProviderError as exc:
            log.warning("shift_feedback.not_asked", service=service.name, error=exc.detail)


async def _ask(deps: Deps, service: ServiceSettings, shift: Shift, now: datetime) -> None:
    user_id = await deps.slack.user_id_for(shift.person.email)
    if user_id is None:
        log.info("shift_feedback.unknown_person", service=service.name, email=shift.person.email)
        return
    request = await deps.feedback.request_shift(service.name, user_id, shift.start, shift.end, now)
    if request is None:
        return  # asked already, by an earlier tick or another replica
    try:
        await deps.slack.post_message(user_id, *feedback_blocks.shift_request(_summary(request)))
    except Exception:
        await deps.feedback.withdraw_request(request.id)
        raise
    log.info("shift_feedback.asked", service=service.name, user=user_id)


async def _remind(deps: Deps, requested_before: datetime, now: datetime) -> None:
    for request in await deps.feedback.unanswered(requested_before):
        if not await deps.feedback.claim_reminder(request.id, now):
            continue
        message = feedback_blocks.shift_request(_summary(request), reminder=True)
        try:
            await deps.slack.post_message(request.user_id, *message)
        except ProviderError as exc:
            log.warning("shift_feedback.reminder_failed", request=request.id, error=exc.detail)
            await deps.feedback.release_reminder(request.id)
        except Exception:
            await deps.feedback.release_reminder(request.id)
            raise


def _summary(request: ShiftRequest) -> ShiftSummary:
    return ShiftSummary(request.id, request.service, request.shift_start, request.shift_end)
