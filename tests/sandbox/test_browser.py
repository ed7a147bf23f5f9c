"""The sandbox in a real browser: `dispatchbot sandbox` with the real bot, driven through headless
Chromium as people use it, by what a screen reader announces (roles, names, labels) and never by CSS
selectors, so every step also checks that the page is usable without seeing it.

Screenshots of each step go to the test's tmp dir; UPDATE_SCREENSHOT=1 also writes the README's
(docs/sandbox.png), so the picture stays true to the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sandbox.browser import Watched, watched_page
from tests.sandbox.test_process import Sandbox
from tests.sandbox.test_process import sandbox as sandbox  # the running `dispatchbot sandbox` fixture
from tests.support.bot import REPO

pytestmark = pytest.mark.slow

README_SCREENSHOT = REPO / "docs" / "sandbox.png"
WAIT_MS = 10_000


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Watched]:
    async with watched_page(tmp_path / "profile") as watched:
        yield watched


async def test_report_join_stabilise_and_home(browser: Watched, sandbox: Sandbox, tmp_path: Path) -> None:
    from playwright.async_api import expect

    page = browser.page
    shots = iter(range(1, 100))

    async def snap(name: str) -> None:
        await page.screenshot(path=tmp_path / f"{next(shots):02}-{name}.png")

    acting_as = page.get_by_label("Acting as")

    async def act_as(label: str) -> None:
        await acting_as.select_option(label=label)
        await expect(acting_as.locator("option:checked")).to_have_text(label)

    nav = page.get_by_role("navigation", name="Channels and direct messages")

    async def open_channel(name: str) -> None:
        await nav.get_by_role("link", name=name, exact=True).click()
        await expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()

    await page.goto(sandbox.url)
    await expect(acting_as.locator("option:checked")).to_have_text("Alice Adams (@alice)")
    for name in ("# alerts", "# general", "# incidents", "dispatchbot"):
        await expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()

    # alice reports an incident from #general's composer, through the modal it opens
    composer = page.get_by_role("textbox", name="Message #general")
    await composer.fill("/dispatch-report")
    await page.get_by_role("button", name="/dispatch-report-incident").click()
    await expect(composer).to_have_value("/dispatch-report-incident ")
    await composer.press("Enter")
    report = page.get_by_role("dialog", name="Report Incident")
    title = report.get_by_label("Title")
    await expect(title).to_have_attribute("required", "")
    await expect(report.get_by_label("Description")).not_to_have_attribute("required", "")
    await title.fill("DB latency")
    await report.get_by_label("Description").fill("p99 is 5 s since the deploy")
    await expect(report.get_by_label("Severity").locator("option:checked")).to_have_text("Undetermined")
    await snap("report-modal")
    await report.get_by_role("button", name="Report").click()
    reported = page.get_by_role("dialog", name="Incident Reported")
    await expect(reported).to_contain_text("INC-1 is open")
    await reported.get_by_role("button", name="Close").click()
    await expect(reported).to_have_count(0)

    # the incident channel, in alice's sidebar, opens on its pinned header and her own welcome
    incident_link = page.get_by_role("link", name="# inc-1-db-latency")
    await expect(nav.locator(incident_link)).to_be_visible(timeout=WAIT_MS)
    incident_entry = nav.get_by_role("listitem").filter(has=incident_link)
    await expect(incident_entry).to_have_text(re.compile("new$"))
    await open_channel("# inc-1-db-latency")
    await expect(incident_entry).to_have_text("# inc-1-db-latency")
    messages = page.get_by_role("list", name="Messages in # inc-1-db-latency")
    header = messages.get_by_role("listitem").filter(has_text="📌 Pinned")
    await expect(header.get_by_role("heading", name="INC-1: DB latency")).to_be_visible()
    await expect(header).to_contain_text("Active")
    ephemerals = messages.get_by_role("listitem").filter(has_text="Only visible to you")
    await expect(ephemerals).to_have_text([re.compile("Welcome to INC-1")])
    await snap("incident-channel")

    # bob joins from the announcement in #incidents; in the channel he sees none of alice's ephemerals
    await act_as("Bob Baker (@bob)")
    await open_channel("# incidents")
    announcements = page.get_by_role("list", name="Messages in # incidents")
    announcement = announcements.get_by_role("listitem").filter(has_text="INC-1")
    await announcement.get_by_role("button", name="Join").click()
    await open_channel("# inc-1-db-latency")
    await expect(page.get_by_role("textbox", name="Message #inc-1-db-latency")).to_be_visible(timeout=WAIT_MS)
    await expect(ephemerals).to_have_count(0)  # his "You're in" was said in #incidents, to him only
    await snap("bob-joined")

    # alice sets the incident Stable from the header's button (and never sees bob's ephemeral)
    await act_as("Alice Adams (@alice)")
    await open_channel("# inc-1-db-latency")
    await expect(ephemerals).to_have_text([re.compile("Welcome to INC-1")])
    await header.get_by_role("button", name="Update incident").click()
    update = page.get_by_role("dialog", name="Update Incident")
    await update.get_by_label("Status").select_option(label="Stable")
    await update.get_by_role("button", name="Update", exact=True).click()
    await expect(update).to_have_count(0)
    await expect(header).to_contain_text("Stable", timeout=WAIT_MS)
    await snap("stable")
    if os.environ.get("UPDATE_SCREENSHOT"):
        await messages.evaluate("list => { list.scrollTop = 0; }")
        await page.mouse.move(0, 0)
        await page.screenshot(path=README_SCREENSHOT)

    # App Home
    await nav.get_by_role("link", name="Home (dispatchbot)").click()
    home = page.get_by_role("region", name="Home")
    await expect(home).to_contain_text("INC-1", timeout=WAIT_MS)
    await snap("home")

    assert browser.problems == []
