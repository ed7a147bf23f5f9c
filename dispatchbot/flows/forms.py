"""Opening a modal after the ack, for every command, button and shortcut that opens one.

Slack accepts a trigger id once, within 3 seconds of the click. A modal that is opened after the ack
(as all are: the ack never waits on Slack) may therefore be refused, when the bot was slow or the event
was a late redelivery. The person would see nothing happen, so they are told in a DM, and since
nothing was done, running it again is all they need to do.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import Mrkdwn

log = get_logger(__name__)

NOT_OPENED = Mrkdwn(
    "Slack did not let me open the form in time (the request expired). Please try again — nothing was done."
)


async def show(deps: Deps, trigger_id: str, view: dict[str, Any], user_id: str) -> None:
    """Open `view` for `user_id`; when Slack refuses, log it and DM them `NOT_OPENED`."""
    try:
        await deps.slack.open_view(trigger_id, view)
    except ProviderError as exc:
        log.warning("form.not_opened", form=view.get("callback_id", ""), error=exc.detail)
        await deps.slack.post_message(user_id, NOT_OPENED)
