"""Whom an alert notifies: its users as configured or sent, and the duty officers (C9) — the signal's
on-call service's current on-call, else `[alerts] fallback_users` — each with a Slack id when found."""

from __future__ import annotations

import re
from collections.abc import Sequence

from dispatchbot.alerting.model import Alert
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError
from dispatchbot.logs import get_logger
from dispatchbot.providers.alert_channels import Person

log = get_logger(__name__)

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


async def person(deps: Deps, given: str, *, name: str = "") -> Person:
    """`given` as a Slack id or an email; anything else (a bare user name) is not found, and the caller
    falls back (M9) rather than guessing who was meant."""
    if _SLACK_USER_ID.fullmatch(given):
        return Person(given, given, name=name)
    if "@" in given:
        try:
            return Person(given, await deps.slack.user_id_for(given), email=given, name=name)
        except ProviderError as exc:
            log.warning("alerts.user_lookup_failed", error=exc.detail)
    return Person(given, None, name=name)


async def users_of(deps: Deps, alert: Alert) -> list[Person]:
    return [await person(deps, given) for given in alert.users]


async def duty_officers(deps: Deps, alert: Alert) -> list[Person]:
    service = next((s for s in deps.settings.services if s.name == alert.oncall_service), None)
    if service is not None and service.provider in deps.providers.oncall:
        try:
            oncall = await deps.providers.oncall[service.provider].current(service.external_id)
            return [await person(deps, oncall.email, name=oncall.name)]
        except ProviderError as exc:
            log.warning("alerts.oncall_unknown", service=service.name, error=exc.detail)
    return [await person(deps, given) for given in deps.settings.alerts.fallback_users]


def slack_ids(people: Sequence[Person]) -> list[str]:
    """Their Slack ids, each once, in order."""
    return list(dict.fromkeys(p.slack_id for p in people if p.slack_id))
