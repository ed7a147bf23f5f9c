"""Snoozing a signal from a case: the form offers the case's first alert's entities to narrow it to;
the end of every snooze is said once, by the `end_snoozes` job."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.blocks.alerts import snooze as blocks
from dispatchbot.blocks.alerts.snooze import snooze_detail
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError, UserFacingError
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def open_form(deps: Deps, trigger_id: str, case_id: int, user_id: str) -> None:
    case = await deps.cases.get(case_id, user_id)
    if not case.signal:
        raise UserFacingError(f"{case.name} was opened by hand: there is no signal to snooze.")
    entities = await deps.cases.first_entities(case.id)
    try:
        await deps.slack.open_view(trigger_id, blocks.snooze_modal(case.signal, entities, case.id))
    except ProviderError as exc:  # an expired trigger: the button can be clicked again
        log.warning("cases.snooze_form_not_opened", error=exc.detail)


async def end_tick(deps: Deps, now: datetime) -> None:
    """Say the end of snoozes that ended: in their case's thread (delivery), else in their signal's
    channel."""
    for snooze in await deps.snoozes.end_due():
        signal = next((entry for entry in deps.settings.signals if entry.name == snooze.signal), None)
        target = signal.channel if signal and signal.channel else deps.settings.alerts.default_channel
        channel = await deps.slack.channel_id_for(target) if target else None
        if channel is None:
            continue
        detail = snooze_detail(snooze.signal, snooze.entities, snooze.expires_at)
        try:
            await deps.slack.post_message(channel, *blocks.snooze_ended_note(detail))
        except ProviderError as exc:
            log.warning("cases.snooze_end_not_said", error=exc.detail)
