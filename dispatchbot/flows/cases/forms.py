"""Opening a case form (resolve, snooze, create, edit, engagement answers) after the ack."""

from __future__ import annotations

from typing import Any

from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def show(deps: Deps, trigger_id: str, view: dict[str, Any]) -> None:
    """Open `view`; an expired trigger is logged, and the button or command can simply be used again."""
    try:
        await deps.slack.open_view(trigger_id, view)
    except ProviderError as exc:
        log.warning("cases.form_not_opened", form=view.get("callback_id", ""), error=exc.detail)
