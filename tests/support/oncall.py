"""The on-call world the engage and page tests share: a PagerDuty with the Database service (Olivia on
call, Bruno at level 2), the people in Slack, and a bot configured for the providers.

The fixtures live here, not in a conftest, because only the on-call test modules use them; each of those
modules binds them to a module name (``pd = oncall.pd``), which is where pytest looks for fixtures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from dispatchbot.app import Running
from dispatchbot.config import ServiceSettings
from dispatchbot.testing import FakeSlack, User
from dispatchbot.testing.opsgenie import FakeOpsgenie
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings

DATABASE = ServiceSettings(
    name="Database", provider="pagerduty", external_id="PSVC1", description="Postgres and the caches"
)
PAYMENTS = ServiceSettings(name="Payments", provider="opsgenie", external_id="payments-primary")
OLIVIA = ("olivia@example.com", "Olivia Ortiz")
BRUNO = ("bruno@example.com", "Bruno Berg")


@asynccontextmanager
async def pagerduty() -> AsyncIterator[FakePagerDuty]:
    """PagerDuty with the Database service: Olivia on call (level 1), Bruno at level 2."""
    async with FakePagerDuty() as fake:
        fake.add_service("PSVC1", "Database", oncall=[OLIVIA, BRUNO])
        yield fake


def add_person(slack: FakeSlack, who: tuple[str, str]) -> User:
    email, name = who
    return slack.add_user(email.split("@")[0], real_name=name, email=email)


async def start_oncall_bot(
    slack: FakeSlack,
    database_url: str,
    start_bot: StartBot,
    *,
    pd: FakePagerDuty | None = None,
    og: FakeOpsgenie | None = None,
    **updates: Any,
) -> Running:
    """A bot with the given on-call providers and a service on each (Database: PagerDuty, Payments:
    Opsgenie)."""
    services = []
    if pd is not None:
        updates["pagerduty"] = pd.settings(from_email="bot@example.com")
        services.append(DATABASE)
    if og is not None:
        updates["opsgenie"] = og.settings()
        services.append(PAYMENTS)
    settings = bot_settings(slack, database_url).model_copy(update={"services": services, **updates})
    running = await start_bot(settings)
    await slack.socket.wait_connected()
    return running


@pytest.fixture
async def pd() -> AsyncIterator[FakePagerDuty]:
    async with pagerduty() as fake:
        yield fake


@pytest.fixture
def olivia(slack: FakeSlack) -> User:
    return add_person(slack, OLIVIA)


@pytest.fixture
async def pd_bot(slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty) -> Running:
    return await start_oncall_bot(slack, database_url, start_bot, pd=pd)
