"""Snoozing a signal from a case: the form offers the case's first alert's entities to narrow it to;
the end of every snooze is said once, by the `end_snoozes` job."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.blocks.alerts import snooze as blocks
from dispatchbot.blocks.alerts.snooze import snooze_detail
from dispatchbot.config import SignalSettings
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError, UserFacingError
from dispatchbot.flows import forms
from dispatchbot.logs import get_logger

log = get_logger(__name__)


def signal_channel(deps: Deps, signal: SignalSettings) -> str:
    """Where a signal's alerts or cases are posted, as configured (a name or an id)."""
    if signal.route == "case":
        return deps.settings.case_channel(signal)
    return signal.channel or deps.settings.alerts.default_channel


async def open_form(deps: Deps, trigger_id: str, case_id: int, user_id: str) -> None:
    case = await deps.cases.get(case_id, user_id)
    if not case.signal:
        raise UserFacingError(f"{case.name} was opened by hand: there is no signal to snooze.")
    entities = await deps.cases.first_entities(case.id)
    await forms.show(deps, trigger_id, blocks.snooze_modal(case.signal, entities, case.id), user_id)


async def say_snoozed(deps: Deps, channel: str, user_id: str, detail: str) -> None:
    """A snooze made from `/dispatch-list-signals`, said in the channel it was made in."""
    try:
        await deps.slack.post_message(channel, *blocks.snoozed_note(user_id, detail))
    except ProviderError as exc:  # the snooze holds; the note is a courtesy (its end is said too)
        log.warning("cases.snooze_not_said", error=exc.detail)


async def end_tick(deps: Deps, now: datetime) -> None:
    """Say the end of snoozes that ended: in their case's thread (delivery), else in their signal's
    channel."""
    for snooze in await deps.snoozes.end_due():
        signal = next((entry for entry in deps.settings.signals if entry.name == snooze.signal), None)
        target = signal_channel(deps, signal) if signal else deps.settings.alerts.default_channel
        channel = await deps.slack.channel_id_for(target) if target else None
        if channel is None:
            continue
        detail = snooze_detail(snooze.signal, snooze.entities, snooze.expires_at)
        try:
            await deps.slack.post_message(channel, *blocks.snooze_ended_note(detail))
        except ProviderError as exc:
            log.warning("cases.snooze_end_not_said", error=exc.detail)
