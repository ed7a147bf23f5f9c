"""The on-call world the engage and page tests share: a PagerDuty with the Database service (Olivia on
call, Bruno at level 2), an Opsgenie with the Payments schedule, the people in Slack, bots configured for
the providers, how a person engages on-call, and the pages that follow.

The fixtures live here, not in a conftest, because only the on-call test modules use them; each of those
modules binds them, and the ones they depend on (``pd_bot`` needs ``start_pd_bot``), to a module name
(``pd = oncall.pd``), which is where pytest looks for fixtures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest

from dispatchbot.app import Running
from dispatchbot.config import RolePolicySettings, ServiceSettings
from dispatchbot.domain import Incident, Page
from dispatchbot.testing import Channel, FakeSlack, Person, User, View
from dispatchbot.testing.opsgenie import FakeOpsgenie
from dispatchbot.testing.pagerduty import FakePagerDuty
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.forms import open_form
from tests.support.runs import finished

DATABASE = ServiceSettings(
    name="Database", provider="pagerduty", external_id="PSVC1", description="Postgres and the caches"
)
PAYMENTS = ServiceSettings(name="Payments", provider="opsgenie", external_id="payments-primary")
OLIVIA = ("olivia@example.com", "Olivia Ortiz")
BRUNO = ("bruno@example.com", "Bruno Berg")

HIGH_ONCALL_COMMANDER = RolePolicySettings(role="commander", oncall_service="Database", priorities=["High"])
"""The Database on-call commands (and is paged for) High incidents only."""

ENGAGE = "/dispatch-engage-oncall"
ENGAGE_FORM = "engage_oncall"

StartPdBot = Callable[..., Awaitable[Running]]
"""Starts a bot with the Database service at PagerDuty; keyword arguments are further settings."""


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
    """PagerDuty with the Database service: Olivia on call (level 1), Bruno at level 2."""
    async with FakePagerDuty() as fake:
        fake.add_service(DATABASE.external_id, DATABASE.name, oncall=[OLIVIA, BRUNO])
        yield fake


@pytest.fixture
async def og() -> AsyncIterator[FakeOpsgenie]:
    """Opsgenie with the Payments schedule: Olivia on call, then Bruno."""
    async with FakeOpsgenie() as fake:
        fake.add_schedule(PAYMENTS.external_id, oncall=[OLIVIA[0], BRUNO[0]])
        yield fake


@pytest.fixture
def olivia(slack: FakeSlack) -> User:
    return add_person(slack, OLIVIA)


@pytest.fixture
def start_pd_bot(slack: FakeSlack, database_url: str, start_bot: StartBot, pd: FakePagerDuty) -> StartPdBot:
    """For tests whose bot needs more settings than `pd_bot`'s (a role policy, say)."""

    async def start(**updates: Any) -> Running:
        return await start_oncall_bot(slack, database_url, start_bot, pd=pd, **updates)

    return start


@pytest.fixture
async def pd_bot(start_pd_bot: StartPdBot) -> Running:
    return await start_pd_bot()


@pytest.fixture
async def commander_bot(start_pd_bot: StartPdBot) -> Running:
    """A bot whose incidents make the Database on-call their commander (and page them where the
    priority says to page the commander)."""
    return await start_pd_bot(role_policies=[RolePolicySettings(role="commander", oncall_service="Database")])


@pytest.fixture
async def og_bot(slack: FakeSlack, database_url: str, start_bot: StartBot, og: FakeOpsgenie) -> Running:
    return await start_oncall_bot(slack, database_url, start_bot, og=og)


async def engage(
    bot: Running, person: Person, channel: Channel, service: str = "Database", *, page: bool = False
) -> View:
    """Engage through the real modal and wait for the run; the modal then shows the outcome, and the
    person closes it."""
    view = await open_form(person, channel, ENGAGE, ENGAGE_FORM)
    view.fill({"Service": service, **({"Page": ["Page them"]} if page else {})})
    answer = await view.submit()
    assert answer.payload is not None
    assert answer.payload.get("response_action") == "update", answer.payload
    await finished(bot, "engage_oncall", f"view:{view.id}")
    await view.close()
    return view


async def poll(bot: Running, now: datetime) -> None:
    """One tick of the job that follows pages (acknowledged? escalate?), as of `now`."""
    job = next(job for job in bot.scheduler.jobs if job.name == "poll_pages")
    await job.tick(now)


def shown(view: View) -> str:
    return "\n".join(str(block.get("text", {}).get("text", "")) for block in view.blocks)


async def pages(bot: Running, incident: Incident) -> list[Page]:
    return await bot.deps.oncall.pages(incident.id)
