"""The sandbox in a real browser: `dispatchbot sandbox` with the real bot, driven through headless
Chromium as people use it, by what a screen reader announces (roles, names, labels) and never by CSS
selectors, so every step also checks that the page is usable without seeing it.

Screenshots of each step go to the test's tmp dir; UPDATE_SCREENSHOT=1 also writes the README's
(docs/sandbox.png), so the picture stays true to the page.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.sandbox import launch
from tests.sandbox.browser import Watched, relayed, watched_page
from tests.sandbox.test_process import Sandbox
from tests.sandbox.test_process import sandbox as sandbox  # the running `dispatchbot sandbox` fixture
from tests.support.bot import REPO

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

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


# ---------------------------------------------------------------- issue 14's bad input, in the browser


async def act_as(page: Page, label: str) -> None:
    from playwright.async_api import expect

    acting_as = page.get_by_label("Acting as")
    await acting_as.select_option(label=label)
    await expect(acting_as.locator("option:checked")).to_have_text(label)


async def open_channel(page: Page, name: str) -> None:
    from playwright.async_api import expect

    nav = page.get_by_role("navigation", name="Channels and direct messages")
    await nav.get_by_role("link", name=name, exact=True).click()
    await expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def messages_in(page: Page, name: str) -> Locator:
    return page.get_by_role("list", name=f"Messages in {name}").get_by_role("listitem")


async def say(page: Page, where: str, text: str) -> None:
    """Type ``text`` in the composer of ``where`` (``#general``, ``dispatchbot``) and press Enter."""
    composer = page.get_by_role("textbox", name=f"Message {where}")
    await composer.fill(text)
    await composer.press("Enter")


async def test_two_tabs_act_as_two_people(browser: Watched, tmp_path: Path) -> None:
    """One browser, two tabs: the person is the tab's, each tab shows what Slack shows its person,
    and what one says shows in the other live."""
    from playwright.async_api import expect

    alice_tab, bob_tab = browser.page, await browser.new_page()
    async with launch.sandbox(tmp_path) as (running, _):
        for tab in (alice_tab, bob_tab):
            await tab.goto(running.url)
            await expect(tab.get_by_role("heading", level=1, name="# general")).to_be_visible()
        await act_as(bob_tab, "Bob Baker (@bob)")
        for tab, label in ((alice_tab, "Alice Adams (@alice)"), (bob_tab, "Bob Baker (@bob)")):
            await tab.reload()  # the person stays the tab's own
            await expect(tab.get_by_label("Acting as").locator("option:checked")).to_have_text(label)

        # an ephemeral to alice shows in her tab only; what bob says shows in hers live
        alice_general, bob_general = messages_in(alice_tab, "# general"), messages_in(bob_tab, "# general")
        await say(alice_tab, "#general", "/dispatch-list-incidents")
        await expect(alice_general.filter(has_text="Only visible to you")).to_have_count(1, timeout=WAIT_MS)
        await say(bob_tab, "#general", "morning all")
        await expect(alice_general.filter(has_text="morning all")).to_have_count(1, timeout=WAIT_MS)
        await expect(bob_general.filter(has_text="morning all")).to_have_count(1)
        await expect(bob_general.filter(has_text="Only visible to you")).to_have_count(0)

        # each has their own DM with the app
        note = "a note for the bot"
        await open_channel(alice_tab, "dispatchbot")
        await say(alice_tab, "dispatchbot", note)
        await expect(messages_in(alice_tab, "dispatchbot").filter(has_text=note)).to_have_count(1)
        await open_channel(bob_tab, "dispatchbot")
        await expect(messages_in(bob_tab, "dispatchbot").filter(has_text=note)).to_have_count(0)
        await alice_tab.screenshot(path=tmp_path / "alice-tab.png")
        await bob_tab.screenshot(path=tmp_path / "bob-tab.png")
        assert browser.problems == [], "\n".join(browser.problems)  # while the sandbox answers


async def test_the_page_catches_up_after_the_network_drops(browser: Watched, tmp_path: Path) -> None:
    """The network between browser and sandbox cut (open connections end, the page's live stream
    too; new ones are refused): the page says it is reconnecting, alice's send says it was not sent and
    keeps her text, bob posts meanwhile. The network back: the page shows what it missed by itself,
    where it was, and alice sends her text."""
    from playwright.async_api import expect

    page = browser.page
    async with launch.sandbox(tmp_path) as (running, _), relayed(running.url) as relay:
        bob = await launch.person(running, "bob")
        incidents = await launch.channel_named(running, bob, "incidents")
        await page.goto(relay.url)
        await open_channel(page, "# incidents")
        composer = page.get_by_role("textbox", name="Message #incidents")
        await composer.fill("half a thought")
        status = page.get_by_role("status")
        pager_poll = f"{relay.url}api/panels/pager?"
        # the live streams (app.js's and the panels'), the pager's poll, and alice's try to send
        async with browser.dropped_connections("/api/events", "/api/panels/pager", "/api/send"):
            await relay.cut()
            await expect(status).to_have_text("reconnecting…")
            await composer.press("Enter")
            await expect(status).to_have_text("Not sent. No connection to the sandbox; reconnecting…")
            await running.post(
                "/api/send", **{"as": bob, "channel": incidents, "text": "while you were away"}
            )
            await page.wait_for_event(  # down until the pager panel has polled too (every 3 s)
                "requestfailed", lambda request: request.url.startswith(pager_poll)
            )
            await page.screenshot(path=tmp_path / "reconnecting.png")
            await relay.restore()
            caught_up = messages_in(page, "# incidents").filter(has_text="while you were away")
            await expect(caught_up).to_have_count(1, timeout=WAIT_MS)
            await expect(status).to_have_text("")
        await expect(page.get_by_role("heading", level=1, name="# incidents")).to_be_visible()
        await expect(composer).to_have_value("half a thought")
        await composer.press("Enter")
        await expect(messages_in(page, "# incidents").filter(has_text="half a thought")).to_have_count(1)
        await expect(composer).to_have_value("")
        await page.screenshot(path=tmp_path / "caught-up.png")
        assert browser.problems == [], "\n".join(browser.problems)  # before the relay's end cuts it again


async def test_a_channel_of_1000_messages_opens_on_its_newest(browser: Watched, tmp_path: Path) -> None:
    """1,000 messages in #general: the page shows the newest 100, older ones on demand, keeping in
    view what was in view, and the composer answers typing right away."""
    from playwright.async_api import expect

    page = browser.page
    async with launch.sandbox(tmp_path) as (running, _):
        bob = await launch.person(running, "bob")
        general = (await running.json("/api/session"))["start"]
        began = time.perf_counter()
        for n in range(1, 1001):
            await running.post("/api/send", **{"as": bob, "channel": general, "text": f"message {n}"})
        print(f"1,000 messages posted through /api/send in {time.perf_counter() - began:.1f} s")

        await page.goto(running.url)
        listed = messages_in(page, "# general")
        await expect(listed).to_have_count(100)
        await expect(listed.first).to_contain_text(re.compile(r"\bmessage 901(?!\d)"))
        await expect(listed.last).to_contain_text(re.compile(r"\bmessage 1000(?!\d)"))
        await expect(listed.last).to_be_in_viewport()
        composer = page.get_by_role("textbox", name="Message #general")
        await composer.press_sequentially("typed at once")
        await expect(composer).to_have_value("typed at once")

        oldest_shown = listed.filter(has_text=re.compile(r"\bmessage 901(?!\d)"))
        await oldest_shown.scroll_into_view_if_needed()  # the person scrolls up to the oldest shown
        await page.get_by_role("button", name="Older messages").click()
        await expect(listed).to_have_count(200)
        await expect(listed.first).to_contain_text(re.compile(r"\bmessage 801(?!\d)"))
        await expect(oldest_shown).to_be_in_viewport()  # the older ones came in above, out of view
        await expect(listed.first).not_to_be_in_viewport()
        await expect(composer).to_have_value("typed at once")
        await page.screenshot(path=tmp_path / "older.png")
        assert browser.problems == [], "\n".join(browser.problems)  # while the sandbox answers
