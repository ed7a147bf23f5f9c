"""The Opsgenie adapter, built from settings as the bot builds it, against the local fake."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from dispatchbot.config import OpsgenieSettings, ServiceSettings, Settings
from dispatchbot.errors import ProviderError, ProviderUnavailable
from dispatchbot.providers import opsgenie
from dispatchbot.providers.oncall import Oncall, OncallPerson, PageState, PageStatus
from dispatchbot.testing import FakeOpsgenie
from tests.support.provider_failures import QUICK, WRONG_KEY, gives_up_before_the_deadline, refuses_the_key

SCHEDULE = "payments-primary"
SERVICES = [
    ServiceSettings(
        name="Payments", provider="opsgenie", external_id=SCHEDULE, escalation="payments-escalation"
    ),
    ServiceSettings(name="Search", provider="opsgenie", external_id="search-primary"),
]


@pytest.fixture
async def og() -> AsyncIterator[FakeOpsgenie]:
    async with FakeOpsgenie() as fake:
        fake.add_schedule(SCHEDULE, ["alice@example.com", "bob@example.com"])
        yield fake


def adapter(settings: OpsgenieSettings) -> Oncall:
    built = opsgenie.build(Settings(opsgenie=settings, services=SERVICES, providers=QUICK))
    assert built is not None
    return built


@pytest.fixture
def oncall(og: FakeOpsgenie) -> Oncall:
    return adapter(og.settings())


async def page(oncall: Oncall, schedule: str = SCHEDULE) -> str:
    return await oncall.page(schedule, dedup_key="incident-7", title="Checkout down", description="All 5xx")


def test_not_configured_without_an_api_key() -> None:
    assert opsgenie.build(Settings()) is None
    assert opsgenie.build(Settings(opsgenie=OpsgenieSettings(api_key=SecretStr("")))) is None


async def test_current_is_the_first_on_call_and_next_is_unknown(og: FakeOpsgenie, oncall: Oncall) -> None:
    assert await oncall.current(SCHEDULE) == OncallPerson("alice@example.com", "alice@example.com")
    assert await oncall.next(SCHEDULE) is None
    assert await oncall.shifts_ended(SCHEDULE, datetime.now(UTC) - timedelta(days=1), datetime.now(UTC)) == []


async def test_nobody_on_call_or_unknown_schedule(og: FakeOpsgenie, oncall: Oncall) -> None:
    og.add_schedule("empty", [])
    with pytest.raises(ProviderError, match="nobody is on call on schedule empty"):
        await oncall.current("empty")
    with pytest.raises(ProviderError, match=r"not found \(HTTP 404\): No schedule exists"):
        await oncall.current("nope")


async def test_page_is_an_alert_whose_alias_is_the_page_id(og: FakeOpsgenie, oncall: Oncall) -> None:
    assert await page(oncall) == "incident-7"
    assert await page(oncall) == "incident-7"
    [alert] = og.alerts
    assert (alert.alias, alert.message, alert.description, alert.status, alert.count) == (
        "incident-7",
        "Checkout down",
        "All 5xx",
        "open",
        1,
    )
    assert alert.responders == [{"name": SCHEDULE, "type": "schedule"}]

    await oncall.resolve("incident-7")
    assert await page(oncall) == "incident-7"  # a closed alert with the key is still the page
    assert len(og.alerts) == 1


async def test_concurrent_pages_make_one_alert(og: FakeOpsgenie, oncall: Oncall) -> None:
    ids = await asyncio.gather(*(page(oncall) for _ in range(3)))
    assert set(ids) == {"incident-7"}
    assert len(og.alerts) == 1  # Opsgenie folds a create with an open alert's alias into it


async def test_status_after_acknowledgement_and_close(og: FakeOpsgenie, oncall: Oncall) -> None:
    page_id = await page(oncall)
    assert await oncall.status(page_id) == PageState(status=PageStatus.TRIGGERED)
    acked_at = og.alerts[0].created_at + timedelta(minutes=3)
    og.acknowledge(page_id, "bob@example.com", at=acked_at)
    state = await oncall.status(page_id)
    assert (state.status, state.acknowledged_by) == (PageStatus.ACKNOWLEDGED, "bob@example.com")
    assert state.acknowledged_at is not None
    assert abs(state.acknowledged_at - acked_at) < timedelta(milliseconds=2)  # Opsgenie sends milliseconds

    await oncall.resolve(page_id)
    await oncall.resolve(page_id)  # closing a closed alert is fine
    assert (await oncall.status(page_id)).status is PageStatus.RESOLVED
    assert og.alerts[0].status == "closed"


async def test_escalate_uses_the_services_escalation(og: FakeOpsgenie, oncall: Oncall) -> None:
    page_id = await page(oncall)
    await oncall.escalate(page_id, service_id=SCHEDULE)
    assert og.alerts[0].escalated_to == "payments-escalation"

    with pytest.raises(ProviderError, match=r"set `escalation`.*services\.escalation"):
        await oncall.escalate(page_id, service_id="search-primary")
    with pytest.raises(ProviderError, match="not found"):
        await oncall.status("never-paged")


async def test_wrong_api_key(og: FakeOpsgenie) -> None:
    oncall = adapter(og.settings().model_copy(update={"api_key": SecretStr(WRONG_KEY)}))
    await refuses_the_key(oncall.current(SCHEDULE), "Opsgenie")
    assert await adapter(og.settings()).current(SCHEDULE)  # the wrong key did not leak into other clients


async def test_an_outage_is_retried_a_bounded_number_of_times(og: FakeOpsgenie, oncall: Oncall) -> None:
    og.down(times=1)  # one blip is retried away
    assert (await oncall.current(SCHEDULE)).email == "alice@example.com"

    og.requests.clear()
    og.down()
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match=r"having trouble \(HTTP 503\)"):
        await page(oncall)
    assert time.monotonic() - started < 3
    assert og.alerts == []
    assert len(og.requests) == 1 + QUICK.error_retries


async def test_a_rate_limited_alert_waits_as_long_as_opsgenie_asks(og: FakeOpsgenie, oncall: Oncall) -> None:
    og.rate_limit(times=1, retry_after=1, method="POST", path="/v2/alerts")
    started = time.monotonic()
    assert await page(oncall) == "incident-7"
    assert time.monotonic() - started >= 1.0
    [alert] = og.alerts
    assert alert.alias == "incident-7"


async def test_a_rate_limit_past_the_deadline_gives_up_before_it(og: FakeOpsgenie, oncall: Oncall) -> None:
    og.rate_limit(times=None, retry_after=2, method="POST", path="/v2/alerts")
    await gives_up_before_the_deadline(page(oncall))
    assert og.alerts == []


async def test_escalation_is_retried_only_when_opsgenie_did_not_do_it(
    og: FakeOpsgenie, oncall: Oncall
) -> None:
    page_id = await page(oncall)
    og.rate_limit(times=1, path="/v2/alerts/*/escalate")
    await oncall.escalate(page_id, service_id=SCHEDULE)
    assert og.alerts[0].escalated_to == "payments-escalation"


async def test_unreachable(og: FakeOpsgenie, oncall: Oncall) -> None:
    await og.stop()
    with pytest.raises(ProviderUnavailable, match="could not reach Opsgenie"):
        await oncall.current(SCHEDULE)
