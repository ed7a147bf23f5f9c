"""Use case: the daily summary of incidents posted to each notification channel.

Each `[[notifications]]` channel gets, once per local day (`summaries.daily_time` in
`summaries.daily_timezone`), the incidents its filters match: every Active one, those that became Stable
and those closed in the last 24 hours, with Join / Subscribe buttons on the open ones. Each channel
where cases are discussed also gets its count of cases opened and closed in those 24 hours. Restricted
incidents and cases are never listed or counted. A channel with nothing to list gets nothing (no noise),
and that counts as its summary for the day, so an incident reported later that evening does not set off
a late summary.

The day's summary is "due" from its local time until midnight, not only at that minute: a tick that runs
late (a restart, a leader change) still sends it, and the ledger (`sent_once`, keyed by channel and local
date) makes sure it goes out once whichever replica ticks and however often. A post Slack refuses gives
the claim back, so the next tick tries again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatchbot.blocks.incidents import daily_summary as summary_blocks
from dispatchbot.catalog import Catalog
from dispatchbot.config import Settings
from dispatchbot.deps import Deps
from dispatchbot.domain import Incident
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)

WINDOW = timedelta(hours=24)
"""How far back "became Stable" and "closed" reach: one day, as the sections say."""


async def tick(deps: Deps, now: datetime) -> None:
    """Scheduler tick: once the configured local time has passed, post today's summaries (once each).

    A channel whose filters match nothing gets no message at all (no noise): its claim is simply kept.
    """
    settings = deps.settings.summaries
    notified = [target.channel for target in deps.catalog.notifications]
    channels = list(dict.fromkeys([*notified, *case_channels(deps.settings)]))
    if not settings.daily_enabled or not channels:
        return
    local = now.astimezone(ZoneInfo(settings.daily_timezone))
    if local.time() < time.fromisoformat(settings.daily_time):
        return
    day, listed, cases = local.date(), None, None
    for channel in channels:
        key = ledger_key(channel, day)
        if not await deps.sent_once.claim(key):
            continue  # sent already (by us, another replica, or before a restart)
        try:
            if listed is None or cases is None:  # read once a summary is due: most ticks stop above
                listed = per_channel(deps.catalog, await deps.incidents.daily_summary(now - WINDOW))
                cases = await deps.cases.activity(now - WINDOW)
            await _post(deps, channel, day, listed.get(channel, []), cases.get(channel))
        except ProviderError as exc:  # this channel only (archived, bot removed): the next tick retries
            await deps.sent_once.release(key)
            log.warning("daily_summary.failed", channel=channel, error=exc.detail)
        except Exception:
            await deps.sent_once.release(key)
            raise


def per_channel(catalog: Catalog, incidents: list[Incident]) -> dict[str, list[Incident]]:
    """Each channel's incidents by the notification filters, each incident judged by its own status."""
    listed: dict[str, list[Incident]] = {}
    for incident in incidents:
        for channel in dict.fromkeys(catalog.notification_channels(incident)):
            listed.setdefault(channel, []).append(incident)
    return listed


def case_channels(settings: Settings) -> list[str]:
    """Where cases are discussed, as configured (the signal's channel, else its case type's, else the
    default): each gets the count of its cases of the day, notified of incidents or not."""
    return [settings.case_channel(signal) for signal in settings.signals if signal.route == "case"]


def ledger_key(channel: str, day: date) -> str:
    return f"daily-summary:{channel}:{day.isoformat()}"


async def _post(
    deps: Deps, channel: str, day: date, incidents: list[Incident], cases: tuple[int, int] | None
) -> None:
    """Nothing to list, nothing posted: the claim alone marks the day as done for this channel."""
    if not incidents and cases is None:
        return
    text, blocks = summary_blocks.summary(day, incidents, cases)
    await deps.slack.post_message(channel, text, blocks)
    log.info(
        "daily_summary.sent", channel=channel, day=day.isoformat(), incidents=len(incidents), cases=cases
    )
