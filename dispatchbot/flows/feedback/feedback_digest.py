"""Use case: the daily digest of feedback each commander got on their incidents.

Once the configured local time has passed on a local date, each commander of incidents with feedback
given or changed in the 24 hours up to that time gets one DM. The window is anchored at the digest
time, not at the tick, so a late tick (the bot was down at 18:00) neither loses nor repeats answers,
and `sent_once` makes each commander's digest go out once a day whichever tick or replica sends it.
Anonymous answers are listed without any name.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatchbot.blocks.feedback import feedback as feedback_blocks
from dispatchbot.blocks.feedback.feedback import DigestEntry
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger

log = get_logger(__name__)


async def tick(deps: Deps, now: datetime) -> None:
    """Scheduler tick: once the configured local time has passed, send today's digests (once each)."""
    settings = deps.settings.feedback
    if not settings.enabled:
        return
    zone = ZoneInfo(settings.digest_timezone)
    day = now.astimezone(zone).date()
    due = _at(day, settings.digest_time, zone)
    if now < due:
        return
    answers = await deps.feedback.updated_between(
        _at(day - timedelta(days=1), settings.digest_time, zone), due
    )
    if not answers:
        return
    incidents = await deps.incidents.many({answer.incident_id for answer in answers})
    digests: dict[str, list[DigestEntry]] = defaultdict(list)
    for answer in answers:
        incident = incidents[answer.incident_id]
        author = None if answer.anonymous else answer.user_id
        digests[incident.commander_id].append(DigestEntry(incident, answer.rating, answer.text, author))
    for commander, entries in digests.items():
        await _send(deps, commander, entries, day)


async def _send(deps: Deps, commander: str, entries: list[DigestEntry], day: date) -> None:
    """DM one digest under a claim; a failed send gives the claim back for the next tick."""
    key = f"feedback-digest:{commander}:{day.isoformat()}"
    if not await deps.sent_once.claim(key):
        return
    try:
        await deps.slack.post_message(commander, *feedback_blocks.digest(entries, day))
    except ProviderError as exc:
        log.warning("feedback_digest.not_sent", commander=commander, error=exc.detail)
        await deps.sent_once.release(key)
    except Exception:
        await deps.sent_once.release(key)
        raise


def _at(day: date, clock_time: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in clock_time.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone)
