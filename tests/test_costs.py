"""Response cost: the pure models against worked examples, then the service's set-based run on a database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from dispatchbot.config import CostSettings
from dispatchbot.costs import (
    History,
    Message,
    RoleSpan,
    active_periods,
    activity_hours,
    merged_seconds,
    response_hours,
    review_hours,
    shown,
)
from dispatchbot.domain import CostModel, IncidentDraft, Role, Status, Visibility
from dispatchbot.services.costs import CostService
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.participants import ParticipantService
from dispatchbot.storage.engine import Database

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
T0 = START.timestamp()
RATE = 100.0  # $/h: 208,000 a year over 2,080 hours
WINDOW = 300.0
CLASSIC = {"Default": CostModel.CLASSIC}
ACTIVITY = {"Default": CostModel.ACTIVITY}


def at(seconds: float = 0, *, hours: float = 0) -> float:
    """A moment, in epoch seconds as the models take them, this long after T0."""
    return T0 + seconds + hours * 3600


def span(user: str, role: Role, start_h: float, end_h: float | None = None) -> RoleSpan:
    return RoleSpan(user, role, at(hours=start_h), None if end_h is None else at(hours=end_h))


def classic(status: Status = Status.ACTIVE, **fields: Any) -> History:
    defaults: dict[str, Any] = {"created_at": T0, "stable_at": None, "closed_at": None}
    return History(model=CostModel.CLASSIC, status=status, **{**defaults, **fields})


def dollars(hours: float) -> float:
    return round(hours * RATE, 2)


# ------------------------------------------------------------------ activity model: the worked examples


def test_the_rate_is_the_annual_cost_over_the_business_year() -> None:
    assert CostSettings().hourly_rate == pytest.approx(50_000 / 2_080)
    assert CostSettings(annual_employee_cost=208_000).hourly_rate == RATE


def test_two_people_a_hundred_seconds_apart_cost_16_67() -> None:
    messages = [Message("A", at(100)), Message("B", at(200))]
    assert activity_hours(messages, WINDOW) * 3600 == 600  # different people never merge
    assert dollars(activity_hours(messages, WINDOW)) == 16.67


def test_overlapping_windows_of_one_person_merge_to_26_39() -> None:
    messages = [Message("A", at(100)), Message("A", at(150)), Message("B", at(200)), Message("A", at(500))]
    # A: [100, 450) and [500, 800) = 650 s; B: [200, 500) = 300 s
    assert activity_hours(messages, WINDOW) * 3600 == 950
    assert dollars(activity_hours(messages, WINDOW)) == 26.39


def test_merged_seconds_is_the_union_of_the_windows_in_any_order() -> None:
    assert merged_seconds([], WINDOW) == 0
    assert merged_seconds([500, 100, 150], WINDOW) == 650
    assert merged_seconds([100, 100], WINDOW) == 300  # the same moment twice is one window
    assert merged_seconds([0, 300], WINDOW) == 600  # touching windows: no overlap, no gap
    assert merged_seconds([0, 10], 60) == 70


def test_activity_counts_messages_up_to_now_and_a_closed_incident_up_to_its_close() -> None:
    messages = (Message("A", at(0)), Message("A", at(hours=1)), Message("A", at(hours=3)))
    open_history = History(CostModel.ACTIVITY, Status.ACTIVE, T0, None, None, messages=messages)
    assert response_hours(open_history, at(hours=2), WINDOW) * 3600 == 600
    closed = History(
        CostModel.ACTIVITY, Status.CLOSED, T0, at(hours=2), at(hours=2), messages=messages, roles=()
    )
    assert response_hours(closed, at(hours=10), WINDOW) * 3600 == 600  # final: later ticks add nothing
    # no review hours in the activity model, even once Stable
    stable = History(CostModel.ACTIVITY, Status.STABLE, T0, at(hours=2), None, messages=messages)
    assert response_hours(stable, at(hours=4), WINDOW) * 3600 == 900


# ------------------------------------------------------------------ classic model


def test_commander_two_hours_and_two_participants_two_hours_each_is_four_hours() -> None:
    roles = (span("ic", Role.COMMANDER, 0), span("p1", Role.PARTICIPANT, 0), span("p2", Role.PARTICIPANT, 0))
    hours = response_hours(classic(roles=roles), at(hours=2), WINDOW)
    assert hours == pytest.approx(4.0)
    assert dollars(hours) == 400.0


@pytest.mark.parametrize(
    ("role", "weight"),
    [
        (Role.COMMANDER, 1.0),
        (Role.SCRIBE, 0.75),
        (Role.LIAISON, 0.75),
        (Role.PARTICIPANT, 0.5),
        (Role.REPORTER, 0.5),
        (Role.OBSERVER, 0.0),
    ],
)
def test_every_weight(role: Role, weight: float) -> None:
    hours = response_hours(classic(roles=(span("u", role, 0),)), at(hours=4), WINDOW)
    assert hours == pytest.approx(4 * weight)


def test_stable_stops_the_clock_and_adds_review_hours() -> None:
    roles = (
        span("ic", Role.COMMANDER, 0),
        span("p1", Role.PARTICIPANT, 0),
        span("p2", Role.PARTICIPANT, 0),
        span("watcher", Role.OBSERVER, 0),
    )
    stable = classic(
        Status.STABLE,
        stable_at=at(hours=2),
        roles=roles,
        status_changes=((at(hours=2), Status.STABLE),),
    )
    # 4 h of roles until Stable, then 1 h + 0.5 h x 3 people (the observer is not one of them)
    assert review_hours(roles) == 2.5
    assert response_hours(stable, at(hours=2), WINDOW) == pytest.approx(6.5)
    assert response_hours(stable, at(hours=9), WINDOW) == pytest.approx(6.5)
    assert dollars(6.5) == 650.0


def test_closing_ends_every_role_at_the_latest_at_stable() -> None:
    # the service renounces every role at close; time after Stable is still not priced
    roles = (span("ic", Role.COMMANDER, 0, 5),)
    closed = classic(
        Status.CLOSED,
        stable_at=at(hours=2),
        closed_at=at(hours=5),
        roles=roles,
        status_changes=((at(hours=2), Status.STABLE), (at(hours=5), Status.CLOSED)),
    )
    assert response_hours(closed, at(hours=50), WINDOW) == pytest.approx(2 + 1.5)


def test_closed_straight_from_active() -> None:
    closed = classic(
        Status.CLOSED,
        stable_at=at(hours=3),
        closed_at=at(hours=3),
        roles=(span("ic", Role.COMMANDER, 0, 3),),
        status_changes=((at(hours=3), Status.CLOSED),),
    )
    assert response_hours(closed, at(hours=8), WINDOW) == pytest.approx(3 + 1.5)


def test_time_ends_when_a_role_is_renounced() -> None:
    roles = (span("a", Role.COMMANDER, 0, 1), span("b", Role.COMMANDER, 1), span("a", Role.PARTICIPANT, 1))
    assert response_hours(classic(roles=roles), at(hours=3), WINDOW) == pytest.approx(1 + 2 + 2 * 0.5)


def test_a_holder_of_several_roles_is_priced_at_the_heaviest() -> None:
    # the reporter who commands works one hour per hour, not 1.5
    roles = (span("a", Role.REPORTER, 0), span("a", Role.COMMANDER, 0, 2))
    assert response_hours(classic(roles=roles), at(hours=3), WINDOW) == pytest.approx(2 * 1 + 1 * 0.5)


def test_a_role_holder_who_never_posted_counts() -> None:
    quiet = classic(roles=(span("ic", Role.COMMANDER, 0),), messages=())
    assert response_hours(quiet, at(hours=1), WINDOW) == pytest.approx(1.0)


def test_a_reopened_incident_prices_each_active_stretch_and_never_goes_down() -> None:
    roles = (span("ic", Role.COMMANDER, 0),)
    changes = [(at(hours=1), Status.STABLE), (at(hours=3), Status.ACTIVE)]
    reopened = classic(Status.ACTIVE, stable_at=at(hours=1), roles=roles, status_changes=tuple(changes))
    at_4h = response_hours(reopened, at(hours=4), WINDOW)
    assert at_4h == pytest.approx(1 + 1 + 1.5)  # two active hours + review hours (stable_at stays)
    changes.append((at(hours=5), Status.STABLE))
    stable_again = classic(Status.STABLE, stable_at=at(hours=1), roles=roles, status_changes=tuple(changes))
    stable_hours = response_hours(stable_again, at(hours=6), WINDOW)
    assert stable_hours == pytest.approx(1 + 2 + 1.5)
    assert stable_hours >= at_4h


def test_active_periods() -> None:
    assert active_periods(T0, [], at(hours=2)) == [(T0, at(hours=2))]
    changes = [(at(hours=3), Status.ACTIVE), (at(hours=1), Status.STABLE), (at(hours=4), Status.CLOSED)]
    assert active_periods(T0, changes, at(hours=9)) == [(T0, at(hours=1)), (at(hours=3), at(hours=4))]
    assert active_periods(T0, changes, at(hours=2)) == [(T0, at(hours=1))]  # nothing after `until`


def test_a_stable_incident_without_recorded_status_changes_stops_at_stable_at() -> None:
    history = classic(Status.STABLE, stable_at=at(hours=1), roles=(span("ic", Role.COMMANDER, 0),))
    assert response_hours(history, at(hours=5), WINDOW) == pytest.approx(1 + 1.5)


def test_recomputing_gives_the_same_figure() -> None:
    history = classic(roles=(span("ic", Role.COMMANDER, 0), span("p", Role.PARTICIPANT, 0.5)))
    first = response_hours(history, at(hours=2), WINDOW)
    assert [response_hours(history, at(hours=2), WINDOW) for _ in range(3)] == [first] * 3


def test_shown_rounds_to_the_dollar() -> None:
    assert [shown(value) for value in (0.0, 16.49, 16.5, 16.67, 1234.4)] == [0, 16, 17, 17, 1234]


# ------------------------------------------------------------------ the service, set-based


class ManualClock:
    def __init__(self) -> None:
        self.current = START

    def now(self) -> datetime:
        return self.current


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


DRAFT = IncidentDraft("DB latency", "", "Default", "High", "High", Visibility.OPEN)


async def test_a_tick_is_a_constant_number_of_statements_and_skips_closed(database: Database) -> None:
    clock = ManualClock()
    incidents = IncidentService(database.sessions, clock)
    participants = ParticipantService(database.sessions, clock)
    service = CostService(database.sessions, clock, CostSettings(annual_employee_cost=208_000))
    ids = [(await incidents.create(f"k{n}", DRAFT, "UA", {})).id for n in range(12)]
    for incident_id in ids[:6]:
        await participants.assign_role(incident_id, "UB", Role.SCRIBE, "UA")
    clock.current = START + timedelta(hours=1)
    await incidents.update(ids[-1], {"status": Status.CLOSED}, "UA")
    final = await service.recompute(ids[-1], CLASSIC)
    assert final is not None
    assert final.after == pytest.approx(100 * (1 + 1.5))  # the reporter-commander, priced once

    with counted(database) as statements:
        changes = await service.accrue(START + timedelta(hours=2), CLASSIC)
    writes = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(writes) == 1  # one executemany
    assert len(statements) == 4  # incidents, roles, status changes, the update
    by_id = {change.incident_id: change.after for change in changes}
    assert set(by_id) == set(ids[:-1])  # the closed one is final
    assert by_id[ids[0]] == pytest.approx(100 * (2 + 2 * 0.75))
    assert by_id[ids[7]] == pytest.approx(100 * 2)
    stored = await incidents.many(set(ids))
    assert stored[ids[0]].cost == pytest.approx(350.0)
    assert stored[ids[-1]].cost == pytest.approx(250.0)
    again = await service.accrue(START + timedelta(hours=2), CLASSIC)
    assert {change.incident_id: change.after for change in again} == by_id  # no drift
    with counted(database) as statements:
        await service.accrue(START + timedelta(hours=2), {**CLASSIC, "Chatty": CostModel.ACTIVITY})
    assert len(statements) == 5  # and one more for the messages once a type uses the activity model


async def test_activity_is_recorded_once_per_message(database: Database) -> None:
    clock = ManualClock()
    incidents = IncidentService(database.sessions, clock)
    service = CostService(database.sessions, clock, CostSettings(annual_employee_cost=208_000))
    incident = await incidents.create("k", DRAFT, "UA", {})
    assert await service.record_activity(incident.id, "UA", "C1", f"{T0 + 100:.6f}")
    assert not await service.record_activity(incident.id, "UA", "C1", f"{T0 + 100:.6f}")  # redelivered
    assert await service.record_activity(incident.id, "UB", "C1", f"{T0 + 200:.6f}")
    clock.current = START + timedelta(hours=1)
    change = await service.recompute(incident.id, ACTIVITY)
    assert change is not None
    assert round(change.after, 2) == 16.67
