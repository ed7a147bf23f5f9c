"""The alerts and pager panels: their fragments (real, labelled buttons), and, in a running sandbox,
a page reaching the PagerDuty fake and acknowledged there from the pager panel, and a sample alert
reaching #alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dispatchbot.sandbox.render import panels
from dispatchbot.sandbox.samples import SAMPLES
from dispatchbot.testing.pagerduty import FakePdIncident
from tests.sandbox.dom import one, parse, text_of
from tests.sandbox.launch import answer, channel_named, fill_modal, person, sandbox
from tests.support.waiting import eventually_value


def test_the_alerts_panel_has_a_button_per_sample() -> None:
    html = parse(panels.alerts(SAMPLES, "sandbox"))
    section = one(html, "section")
    assert text_of(one(section, f".//*[@id='{section.get('aria-labelledby')}']")) == "Send a sample alert"
    buttons = [(b.get("data-sample"), text_of(b)) for b in section.iterfind(".//button")]
    assert buttons == [(name, sample.label) for name, sample in SAMPLES.items()]
    assert one(section, ".//p[@role='status']") is not None


def test_the_pager_panel_offers_what_a_responder_may_do() -> None:
    def incident(number: int, status: str, **more: Any) -> FakePdIncident:
        return FakePdIncident(
            f"Q{number}",
            number,
            None,
            f"<b>Page {number}</b>",
            "PSVC",
            "",
            "high",
            datetime.now(UTC),
            status,
            **more,
        )

    html = parse(
        panels.pager(
            [
                incident(1, "triggered", assignee_email="alice@example.com"),
                incident(2, "acknowledged", acknowledged_by="bob@example.com"),
                incident(3, "resolved"),
            ],
            {"alice@example.com": "Alice Adams", "bob@example.com": "Bob Baker"},
        )
    )
    rows = {item.get("data-pd-incident"): item for item in html.iterfind(".//li")}
    assert [text_of(b) for b in rows["Q1"].iterfind(".//button")] == ["Acknowledge", "Resolve"]
    assert one(rows["Q1"], ".//button[@data-action='acknowledge']").get("aria-label") == "Acknowledge #1"
    assert "<b>Page 1</b>" in text_of(rows["Q1"])
    assert "assigned to Alice Adams" in text_of(rows["Q1"])
    assert [text_of(b) for b in rows["Q2"].iterfind(".//button")] == ["Resolve"]
    assert "acknowledged by Bob Baker" in text_of(rows["Q2"])
    assert list(rows["Q3"].iterfind(".//button")) == []
    assert [item.get("data-pd-incident") for item in html.iterfind(".//li")] == ["Q3", "Q2", "Q1"]


def test_without_pagerduty_the_pager_panel_says_so() -> None:
    assert "not running" in text_of(parse(panels.pager(None, {})))


@pytest.mark.slow
async def test_a_page_reaches_pagerduty_and_is_acknowledged_and_an_alert_reaches_alerts(
    tmp_path: Path,
) -> None:
    async with sandbox(tmp_path) as (running, _):
        alice = await person(running, "alice")
        incidents = await channel_named(running, alice, "incidents")
        assert incidents is not None
        # A High incident makes the Database on-call (alice) its commander, and pages her at PagerDuty.
        await fill_modal(
            running,
            alice,
            "/dispatch-report-incident",
            incidents,
            {"Title": "Payments down", "Priority": "High"},
        )

        async def paged() -> Any:
            pager = await running.fragment("/api/panels/pager", **{"as": alice})
            return next(iter(pager.iterfind(".//li[@data-pd-incident]")), None)

        page = await eventually_value(paged, within=20, what="the page at PagerDuty")
        assert "assigned to Alice Adams" in text_of(page)
        acknowledge = one(page, ".//button[@data-action='acknowledge']")
        acknowledged = await answer(
            running,
            "/api/panels/page",
            **{"as": alice, "incident": acknowledge.get("data-incident"), "action": "acknowledge"},
        )
        assert acknowledged["status"] == 200, acknowledged
        pager = await running.fragment("/api/panels/pager", **{"as": alice})
        assert "acknowledged by Alice Adams" in text_of(one(pager, ".//li[@data-pd-incident]"))

        sent = await answer(running, "/api/panels/alert", **{"as": alice, "sample": "alertmanager-firing"})
        assert sent == {
            "status": 202,
            "answer": {
                "status": "accepted",
                "alerts": [{"dedup_key": "1a30ba71cca2921f", "action": "created"}],
            },
        }
        alerts = await channel_named(running, alice, "alerts")

        async def posted() -> Any:
            channel = await running.fragment(f"/api/channel/{alerts}", **{"as": alice})
            return next(
                (m for m in channel.iterfind(".//li[@class='message']") if "Disk 95% on db1" in text_of(m)),
                None,
            )

        message = await eventually_value(posted, what="the alert in #alerts")
        assert {"Acknowledge", "Declare incident"} <= {text_of(b) for b in message.iterfind(".//button")}
