"""The PagerDuty adapter, built from settings as the bot builds it, against the local HTTPS fake."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pydantic import SecretStr

from dispatchbot.config import PagerDutySettings, ProviderSettings, Settings
from dispatchbot.errors import ProviderError, ProviderUnavailable, StartupError
from dispatchbot.providers import pagerduty
from dispatchbot.providers.oncall import Oncall, OncallPerson, PageStatus
from dispatchbot.testing import FakePagerDuty
from tests.support.provider_failures import QUICK, WRONG_KEY, gives_up_before_the_deadline, refuses_the_key

SERVICE = "PSVC001"
ALICE = OncallPerson("alice@example.com", "Alice Ng")
BOB = OncallPerson("bob@example.com", "Bob Ruiz")
CAROL = OncallPerson("carol@example.com", "Carol Diaz")


@pytest.fixture
async def pd() -> AsyncIterator[FakePagerDuty]:
    async with FakePagerDuty() as fake:
        fake.add_service(SERVICE, "Payments API", [(ALICE.email, ALICE.name), (BOB.email, BOB.name)])
        yield fake


def adapter(settings: PagerDutySettings, providers: ProviderSettings = QUICK) -> Oncall:
    built = pagerduty.build(Settings(pagerduty=settings, providers=providers))
    assert built is not None
    return built


@pytest.fixture
def oncall(pd: FakePagerDuty) -> Oncall:
    return adapter(pd.settings())


async def page(oncall: Oncall, key: str = "incident-42") -> str:
    return await oncall.page(SERVICE, dedup_key=key, title="Payments failing", description="5xx on /charge")


def test_not_configured_without_an_api_key() -> None:
    assert pagerduty.build(Settings()) is None
    assert pagerduty.build(Settings(pagerduty=PagerDutySettings(api_key=SecretStr("")))) is None


def test_configuration_problems_stop_start_up(tmp_path: object) -> None:
    key = SecretStr("k")
    with pytest.raises(StartupError, match="from_email"):
        pagerduty.build(Settings(pagerduty=PagerDutySettings(api_key=key)))
    with pytest.raises(StartupError, match="api_url"):
        pagerduty.build(
            Settings(pagerduty=PagerDutySettings(api_key=key, from_email="a@b.c", api_url="http://pd.test"))
        )
    with pytest.raises(StartupError, match="ca_file"):
        pagerduty.build(
            Settings(
                pagerduty=PagerDutySettings(api_key=key, from_email="a@b.c", ca_file=f"{tmp_path}/nope.pem")
            )
        )


async def test_current_and_next(pd: FakePagerDuty, oncall: Oncall) -> None:
    now = datetime.now(UTC)
    assert await oncall.current(SERVICE) == ALICE
    assert await oncall.next(SERVICE) is None  # the current entry has no end: nothing to go on

    pd.add_shift(SERVICE, ALICE.email, ALICE.name, now - timedelta(hours=2), now + timedelta(hours=1))
    pd.add_shift(SERVICE, CAROL.email, CAROL.name, now + timedelta(hours=1), now + timedelta(hours=13))
    assert await oncall.next(SERVICE) == CAROL

    pd.set_oncall(SERVICE, CAROL.email, CAROL.name)
    assert await oncall.current(SERVICE) == CAROL


async def test_nobody_on_call_or_unknown_service(pd: FakePagerDuty, oncall: Oncall) -> None:
    pd.add_service("PEMPTY", "Nobody home", [])
    with pytest.raises(ProviderError, match="nobody is on call for service PEMPTY"):
        await oncall.current("PEMPTY")
    with pytest.raises(ProviderError, match=r"PNOPE.*not found \(HTTP 404\)"):
        await oncall.current("PNOPE")


async def test_page_once_per_dedup_key(pd: FakePagerDuty, oncall: Oncall) -> None:
    first = await page(oncall)
    assert await page(oncall) == first
    [incident] = pd.incidents
    assert (incident.id, incident.incident_key, incident.title, incident.service_id) == (
        first,
        "incident-42",
        "Payments failing",
        SERVICE,
    )
    assert (incident.urgency, incident.details, incident.assignee_email) == (
        "high",
        "5xx on /charge",
        ALICE.email,
    )

    await oncall.resolve(first)
    assert await page(oncall) == first  # a resolved page with the same key is still that page
    assert len(pd.incidents) == 1


async def test_concurrent_pages_make_one_incident(pd: FakePagerDuty, oncall: Oncall) -> None:
    """A double click: both lookups may miss, then the second POST meets PagerDuty's 400 for the open key."""
    ids = await asyncio.gather(*(page(oncall) for _ in range(3)))
    assert len(set(ids)) == 1
    assert len(pd.incidents) == 1


async def test_status_after_acknowledgement(pd: FakePagerDuty, oncall: Oncall) -> None:
    page_id = await page(oncall)
    assert (await oncall.status(page_id)).status is PageStatus.TRIGGERED
    acked_at = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    pd.acknowledge(page_id, BOB.email, at=acked_at)
    state = await oncall.status(page_id)
    assert (state.status, state.acknowledged_by, state.acknowledged_at) == (
        PageStatus.ACKNOWLEDGED,
        BOB.email,
        acked_at,
    )


async def test_escalate_moves_to_the_next_level_until_the_last(pd: FakePagerDuty, oncall: Oncall) -> None:
    page_id = await page(oncall)
    await oncall.escalate(page_id, service_id=SERVICE)
    [incident] = pd.incidents
    assert (incident.escalation_level, incident.assignee_email, incident.status) == (
        2,
        BOB.email,
        "triggered",
    )
    with pytest.raises(ProviderError, match=r"last escalation level \(2\)"):
        await oncall.escalate(page_id, service_id=SERVICE)


async def test_resolve_twice_is_fine(pd: FakePagerDuty, oncall: Oncall) -> None:
    page_id = await page(oncall)
    await oncall.resolve(page_id)
    await oncall.resolve(page_id)
    assert pd.incidents[0].status == "resolved"
    assert (await oncall.status(page_id)).status is PageStatus.RESOLVED
    assert [method for method, path in pd.requests if path == f"/incidents/{page_id}"].count("PUT") == 1
    with pytest.raises(ProviderError, match="already resolved"):
        await oncall.escalate(page_id, service_id=SERVICE)


async def test_shifts_ended_in_the_window(pd: FakePagerDuty, oncall: Oncall) -> None:
    since = datetime(2026, 5, 1, 9, tzinfo=UTC)
    until = since + timedelta(days=1)
    pd.add_shift(
        SERVICE, CAROL.email, CAROL.name, since - timedelta(days=2), since - timedelta(days=1)
    )  # before
    pd.add_shift(SERVICE, BOB.email, BOB.name, since - timedelta(hours=12), since + timedelta(hours=2))
    pd.add_shift(
        SERVICE, ALICE.email, ALICE.name, since + timedelta(hours=2), until
    )  # ends at `until`: not yet
    shifts = await oncall.shifts_ended(SERVICE, since, until)
    assert [(s.person, s.start, s.end) for s in shifts] == [
        (BOB, since - timedelta(hours=12), since + timedelta(hours=2))  # its real start, not clipped
    ]


async def test_wrong_api_key(pd: FakePagerDuty) -> None:
    oncall = adapter(pd.settings().model_copy(update={"api_key": SecretStr(WRONG_KEY)}))
    await refuses_the_key(oncall.current(SERVICE), "PagerDuty")


async def test_a_rate_limited_page_waits_as_long_as_pagerduty_asks(pd: FakePagerDuty, oncall: Oncall) -> None:
    pd.rate_limit(times=1, retry_after=1, method="POST", path="/incidents")
    started = time.monotonic()
    page_id = await page(oncall)
    assert time.monotonic() - started >= 1.0  # not before PagerDuty said
    [incident] = pd.incidents
    assert incident.id == page_id
    assert [m for m, path in pd.requests if path == "/incidents"].count("POST") == 2


async def test_retry_after_as_an_http_date_is_honoured(pd: FakePagerDuty, oncall: Oncall) -> None:
    when = datetime.now(UTC) + timedelta(seconds=2)
    pd.rate_limit(times=1, retry_after=format_datetime(when, usegmt=True))
    started = time.monotonic()
    assert await oncall.current(SERVICE) == ALICE
    assert time.monotonic() - started >= 0.9  # the date has whole seconds: at least a second away


async def test_a_rate_limit_past_the_deadline_gives_up_before_it(pd: FakePagerDuty, oncall: Oncall) -> None:
    """Retry-After 2 s with a 3 s deadline: one wait fits, a second would end past the deadline."""
    pd.rate_limit(times=None, retry_after=2, method="POST", path="/incidents")
    await gives_up_before_the_deadline(page(oncall))
    assert [m for m, path in pd.requests if path == "/incidents"].count("POST") == 2
    assert pd.incidents == []

    pd.up()  # what the page's durable run does later: the same key pages once
    assert await page(oncall) == pd.incidents[0].id
    assert len(pd.incidents) == 1


async def test_an_outage_is_retried_a_bounded_number_of_times(pd: FakePagerDuty, oncall: Oncall) -> None:
    pd.down(times=1)  # one blip is retried away
    assert await oncall.current(SERVICE) == ALICE

    pd.requests.clear()
    pd.down()
    with pytest.raises(ProviderUnavailable, match=r"having trouble \(HTTP 503\)") as caught:
        await oncall.current(SERVICE)
    assert not caught.value.rate_limited
    assert len(pd.requests) == 1 + QUICK.error_retries


async def test_escalation_is_retried_only_when_pagerduty_did_not_do_it(
    pd: FakePagerDuty, oncall: Oncall
) -> None:
    """503 says the request was not carried out, so even an escalation is tried again."""
    page_id = await page(oncall)
    pd.down(times=1, method="PUT")
    await oncall.escalate(page_id, service_id=SERVICE)
    assert pd.incidents[0].escalation_level == 2


async def test_a_refusal_that_will_not_change_is_not_retried(pd: FakePagerDuty) -> None:
    oncall = adapter(pd.settings().model_copy(update={"api_key": SecretStr(WRONG_KEY)}))
    with pytest.raises(ProviderError, match="HTTP 401") as caught:
        await oncall.current(SERVICE)
    assert not isinstance(caught.value, ProviderUnavailable)
    assert len(pd.requests) == 1


async def test_unreachable(pd: FakePagerDuty, oncall: Oncall) -> None:
    await pd.stop()
    with pytest.raises(ProviderUnavailable, match="could not reach PagerDuty"):
        await oncall.current(SERVICE)
