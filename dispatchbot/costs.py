"""Incident response cost models, pure: an incident's recorded history in, people-hours out.

Both models price everything recorded so far on every run instead of adding to a running total, so
a run that is repeated, late, or done by another replica gives the same figure. (Dispatch accrues
increments since the last update, and drifts: its activity model adds the incident's total cost,
manual costs included, back into the response cost every hour, and its daily cap never applies to
hour-long increments.)

Classic model ("what holding the roles costs"):
- each role someone held is priced for the time it was held while the incident was Active, times the
  role's weight (`ROLE_WEIGHTS`); Observers weigh 0. Time runs until the role was renounced, else
  until now; the Stable and Closed periods are not priced (work is then review, priced below). The
  Active periods come from the incident's status changes, so a reopened incident prices its second
  Active stretch too, and a role holder who went Stable → Active → Stable never loses hours again.
- a person holding several roles at once (the reporter who also commands) is priced at the heaviest
  of them: one person works one hour per hour. Dispatch sums the roles (1.5 h per hour for a
  reporter-commander).
- a role holder who never posted counts. The classic model prices holding the role, and calls,
  terminals and dashboards are work Slack never sees; Dispatch prices them at $0. Teams that want
  cost to follow what people wrote choose the activity model.
- review hours are added once the incident has a `stable_at` (it keeps it when reopened):
  1 h of preparation + 0.5 h per person who held a role other than Observer.
- no daily cap (Dispatch counts each full day as 8 h, which its hourly increments almost never hit).

Activity model ("what people visibly did"): each message a person posted in the incident channel or
its threads opens a work window of `window` seconds, [t, t + window); one person's overlapping
windows merge, different people's never do; hours are the merged length. Messages count up to now,
and for a closed incident up to its closing time. No review hours: the model prices only what was
seen in Slack.

Times are seconds since the epoch (UTC): the service has the database compute them, which spares a
tick over ten thousand incidents the parsing of a hundred thousand timestamps. Figures are stored as
floats; rounding happens only for display (`shown`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType
from typing import NamedTuple

from dispatchbot.domain import CostModel, Role, Status

ROLE_WEIGHTS: Mapping[Role, float] = MappingProxyType(
    {
        Role.COMMANDER: 1.0,
        Role.SCRIBE: 0.75,
        Role.LIAISON: 0.75,
        Role.PARTICIPANT: 0.5,
        Role.REPORTER: 0.5,
        Role.OBSERVER: 0.0,
    }
)
"""How much of a person's hour holding a role costs (Dispatch's engagement multipliers)."""

REVIEW_PREP_HOURS = 1.0
REVIEW_HOURS_PER_PERSON = 0.5
"""Dispatch's review estimate: an hour to prepare, and half of the people attend a one-hour review."""

SECONDS_PER_HOUR = 3600.0

Period = tuple[float, float]


class RoleSpan(NamedTuple):
    """One role one person held, from `assumed_at` until `renounced_at` (None: still held).

    A named tuple, not a dataclass: a tick builds tens of thousands, and tuples build several times
    faster."""

    user_id: str
    role: Role
    assumed_at: float
    renounced_at: float | None


class Message(NamedTuple):
    """One message a person posted in the incident channel or one of its threads."""

    user_id: str
    posted_at: float


@dataclass(frozen=True, slots=True)
class History:
    """What an incident's cost depends on, as recorded."""

    model: CostModel
    status: Status
    created_at: float
    stable_at: float | None
    closed_at: float | None
    roles: Sequence[RoleSpan] = ()
    status_changes: Sequence[tuple[float, Status]] = ()
    """(when, new status) from the timeline, in any order."""
    messages: Sequence[Message] = ()


def response_hours(history: History, now: float, window_seconds: float) -> float:
    """The incident's people-hours under its model, as of `now` (a closed incident: as of closing)."""
    until = now
    if history.status is Status.CLOSED and history.closed_at is not None:
        until = history.closed_at
    if history.model is CostModel.ACTIVITY:
        return activity_hours((m for m in history.messages if m.posted_at <= until), window_seconds)
    changes = history.status_changes
    if not changes and history.stable_at is not None and history.status is not Status.ACTIVE:
        changes = ((history.stable_at, Status.STABLE),)  # rows written without a timeline (imports)
    periods = active_periods(history.created_at, changes, until)
    hours = classic_hours(history.roles, periods, until)
    if history.stable_at is not None:
        hours += review_hours(history.roles)
    return hours


def active_periods(created_at: float, changes: Iterable[tuple[float, Status]], until: float) -> list[Period]:
    """When the incident was Active: from creation (always Active) through each status change, up to
    `until`."""
    periods: list[Period] = []
    start: float | None = created_at
    for at, status in sorted(changes, key=lambda change: change[0]):
        if status is Status.ACTIVE:
            start = at if start is None else start
        elif start is not None:
            periods.append((start, min(at, until)))
            start = None
    if start is not None:
        periods.append((start, until))
    return [(start, end) for start, end in periods if end > start]


def classic_hours(roles: Iterable[RoleSpan], periods: Sequence[Period], until: float) -> float:
    """Weighted hours of the roles held during `periods`; per person, the heaviest role at each moment."""
    if not periods:
        return 0.0
    by_person: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for span in roles:
        weight = ROLE_WEIGHTS[span.role]
        if not weight:
            continue
        ended = until if span.renounced_at is None else min(span.renounced_at, until)
        for start, end in periods:
            low, high = max(span.assumed_at, start), min(ended, end)
            if high > low:
                by_person[span.user_id].append((low, high, weight))
    return sum(_heaviest_seconds(pieces) for pieces in by_person.values()) / SECONDS_PER_HOUR


def _heaviest_seconds(pieces: list[tuple[float, float, float]]) -> float:
    """∫ max weight over time for one person's (start, end, weight) pieces."""
    if len(pieces) == 1:
        low, high, weight = pieces[0]
        return (high - low) * weight
    bounds = sorted({bound for low, high, _weight in pieces for bound in (low, high)})
    total = 0.0
    for left, right in pairwise(bounds):
        weight = max((w for low, high, w in pieces if low <= left and high >= right), default=0.0)
        total += (right - left) * weight
    return total


def review_hours(roles: Iterable[RoleSpan]) -> float:
    """1 h of preparation + 0.5 h for each person who held a role other than Observer."""
    people = {span.user_id for span in roles if span.role is not Role.OBSERVER}
    return REVIEW_PREP_HOURS + REVIEW_HOURS_PER_PERSON * len(people)


def activity_hours(messages: Iterable[Message], window_seconds: float) -> float:
    """Merged work windows, per person, in hours."""
    moments: dict[str, list[float]] = defaultdict(list)
    for message in messages:
        moments[message.user_id].append(message.posted_at)
    return sum(merged_seconds(times, window_seconds) for times in moments.values()) / SECONDS_PER_HOUR


def merged_seconds(moments: Iterable[float], window_seconds: float) -> float:
    """The length of the union of [t, t + window) over `moments` (one person's messages)."""
    total, covered_until = 0.0, -math.inf
    for moment in sorted(moments):
        end = moment + window_seconds
        total += end - max(moment, covered_until)
        covered_until = end
    return total


def shown(amount: float) -> int:
    """The cost as people see it, to the dollar: headers are edited only when this changes."""
    return math.floor(amount + 0.5)
