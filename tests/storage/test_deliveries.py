"""Delivery keys: the database decides, once, which delivery of an intent is handled."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from dispatchbot.handlers.deliveries import delivery_key
from dispatchbot.services.deliveries import DeliveryService
from dispatchbot.storage.engine import Database


class SteppingClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


async def test_a_key_is_new_once_even_under_concurrency(database: Database) -> None:
    deliveries = DeliveryService(database.sessions, SteppingClock())
    results = await asyncio.gather(*(deliveries.first_time("event:Ev1") for _ in range(10)))
    assert results.count(True) == 1


async def test_a_repeat_is_known_at_once_here_and_from_the_database_elsewhere(database: Database) -> None:
    here = DeliveryService(database.sessions, SteppingClock())
    first = here.record("event:Ev2")
    assert first is not None
    assert not first.done()  # not in the database yet...
    assert here.record("event:Ev2") is None  # ...and a redelivery is dropped all the same
    assert await first
    other_replica = DeliveryService(database.sessions, SteppingClock())
    assert not await other_replica.first_time("event:Ev2")


async def test_window_lets_a_later_click_through(database: Database) -> None:
    clock = SteppingClock()
    deliveries = DeliveryService(database.sessions, clock)
    window = timedelta(seconds=2)
    assert await deliveries.first_time("click:U1:join:1", window)
    clock.current += timedelta(seconds=1)
    assert not await deliveries.first_time("click:U1:join:1", window)
    clock.current += timedelta(seconds=5)
    assert await deliveries.first_time("click:U1:join:1", window)


async def test_prune_forgets_old_keys(database: Database) -> None:
    clock = SteppingClock()
    deliveries = DeliveryService(database.sessions, clock)
    await deliveries.first_time("event:old")
    clock.current += timedelta(days=2)
    await deliveries.first_time("event:new")
    assert await deliveries.prune(clock.current - timedelta(days=1)) == 1
    assert await deliveries.first_time("event:old")
    assert not await deliveries.first_time("event:new")


def test_delivery_keys_by_kind() -> None:
    assert delivery_key({"event_id": "Ev9", "type": "event_callback"}) == ("event:Ev9", None)
    assert delivery_key({"type": "view_submission", "view": {"id": "V1", "hash": "h1"}}) == (
        "view:V1:h1",
        None,
    )
    assert delivery_key({"command": "/x", "trigger_id": "t1"}) == ("trigger:t1", None)
    click = delivery_key(
        {
            "type": "block_actions",
            "user": {"id": "U1"},
            "actions": [{"action_id": "join", "value": "7", "action_ts": "1.2"}],
            "container": {"message_ts": "5.5"},
        }
    )
    assert click == ("click:U1:join:7:5.5", timedelta(seconds=2))
    pick = {"action_id": "workflow", "selected_option": {"value": "Roll back"}, "action_ts": "1.3"}
    picked = delivery_key({"type": "block_actions", "user": {"id": "U1"}, "actions": [pick]})
    assert picked == ("click:U1:workflow:Roll back:", timedelta(seconds=2))  # another pick is another key
    assert delivery_key({"type": "view_closed"}) is None
