"""`/dispatch-list-signals`: which signals post in a channel (their alert messages or their cases), and
snoozing one of them from the list."""

from __future__ import annotations

from datetime import datetime

from dispatchbot.blocks.alerts import signal_list, snooze
from dispatchbot.blocks.common import Message
from dispatchbot.config import SignalSettings
from dispatchbot.deps import Deps
from dispatchbot.errors import NotFound, ProviderError
from dispatchbot.flows import forms
from dispatchbot.flows.cases.snooze import signal_channel


async def answer(deps: Deps, channel_id: str, page: int) -> Message:
    posting = [signal for signal in deps.settings.signals if await _posts_in(deps, signal, channel_id)]
    snoozed: dict[str, datetime] = {}
    for active in await deps.snoozes.active():  # the latest end of each signal's snoozes
        snoozed[active.signal] = max(active.expires_at, snoozed.get(active.signal, active.expires_at))
    return signal_list.signal_list(posting, snoozed, channel_id, page)


def require_signal(deps: Deps, signal: str) -> None:
    """Refuse (before the ack) a Snooze button whose signal is gone from the config, or was tampered with."""
    if not any(entry.name == signal for entry in deps.settings.signals):
        raise NotFound("That signal is not configured any more.")


async def open_snooze_form(deps: Deps, trigger_id: str, user_id: str, signal: str, channel_id: str) -> None:
    await forms.show(deps, trigger_id, snooze.snooze_modal(signal, {}, None, channel_id), user_id)


async def _posts_in(deps: Deps, signal: SignalSettings, channel_id: str) -> bool:
    target = signal_channel(deps, signal)
    if not target or signal.route in ("broadcast", "self_service", "page", "record"):
        return False
    try:
        return await deps.slack.channel_id_for(target) == channel_id
    except ProviderError:
        return False
