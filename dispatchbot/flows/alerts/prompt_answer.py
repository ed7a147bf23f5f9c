"""Use case: the person a self-service alert asked answers its prompt (M3 to M5).

Only they may answer (anyone else is refused and nothing changes). Yes closes the alert as acknowledged
by them; No escalates: a notice pages the signal's on-call, keyed on the request id, so a second No (a
double click, a redelivery) never pages twice. The prompt is edited to show the answer either way.
"""

from __future__ import annotations

from dispatchbot.alerting.model import Alert
from dispatchbot.blocks.alerts import prompts
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def record(deps: Deps, alert_id: int, user: str, *, yes: bool) -> Alert:
    """Before the ack: raises `Forbidden` for anyone but the person asked, `UserFacingError` once it
    was answered."""
    return await deps.alerts.answer_prompt(alert_id, user, yes=yes)


async def show(deps: Deps, alert: Alert, channel: str, ts: str, *, yes: bool) -> None:
    """After the ack: the prompt that was clicked (`channel`, `ts`) edited to show the answer, its
    buttons gone."""
    text, blocks = prompts.prompt_answered(alert, prompts.answer_text(alert, yes=yes))
    try:
        await deps.slack.update_message(channel, ts, text, blocks)
    except ProviderError as exc:
        log.warning("alerts.prompt_edit_failed", alert_id=alert.id, error=exc.detail)
