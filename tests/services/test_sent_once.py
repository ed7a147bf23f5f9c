"""The sent-once ledger: one claimant per key whoever ticks at the same moment, and a released claim
may be taken again."""

from __future__ import annotations

import asyncio

from dispatchbot.services.sent_once import SentOnceService
from dispatchbot.storage.engine import Database
from tests.support.clocks import ManualClock


async def test_a_key_is_claimed_once_and_again_only_after_release(
    database: Database, clock: ManualClock
) -> None:
    replicas = [SentOnceService(database.sessions, clock) for _ in range(4)]
    claims = await asyncio.gather(*(replica.claim("daily:2026-11-23:#incidents") for replica in replicas))
    assert claims.count(True) == 1
    assert await replicas[0].claim("daily:2026-11-24:#incidents")  # another day is another key
    await replicas[1].release("daily:2026-11-23:#incidents")  # the send failed
    assert await replicas[2].claim("daily:2026-11-23:#incidents")
    assert not await replicas[3].claim("daily:2026-11-23:#incidents")


async def test_a_long_key_is_claimed_by_its_stored_prefix(database: Database, clock: ManualClock) -> None:
    ledger = SentOnceService(database.sessions, clock)
    long_key = "summary:" + "x" * 400
    assert await ledger.claim(long_key)
    assert not await ledger.claim(long_key)
    await ledger.release(long_key)
    assert await ledger.claim(long_key)
