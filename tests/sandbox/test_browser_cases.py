"""The alert half of the sandbox in a real browser: a sample alert sent from the alerts panel opens a
case in #alerts, and the case's "Create channel" button asks first in a dialog, as Slack's client does
for a button with a `confirm` object: Cancel sends nothing, the dialog's own button moves the case.

Driven, like test_browser.py, by what a screen reader announces (roles, names, labels).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.sandbox.browser import Watched, watched_page
from tests.sandbox.test_process import Sandbox
from tests.sandbox.test_process import sandbox as sandbox  # the running `dispatchbot sandbox` fixture

pytestmark = pytest.mark.slow

WAIT_MS = 15_000


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Watched]:
    async with watched_page(tmp_path / "profile") as watched:
        yield watched


async def test_a_sample_alert_opens_a_case_whose_channel_is_made_only_once_confirmed(
    browser: Watched, sandbox: Sandbox, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    page = browser.page
    await page.goto(sandbox.url)
    nav = page.get_by_role("navigation", name="Channels and direct messages")
    await nav.get_by_role("link", name="# alerts", exact=True).click()
    await expect(page.get_by_role("heading", level=1, name="# alerts")).to_be_visible()

    await page.get_by_text("Alerts and pager", exact=True).click()  # the drawer opens
    panel = page.get_by_role("region", name="Send a sample alert")
    await panel.get_by_role("button", name=re.compile("checkout 5xx")).click()
    messages = page.get_by_role("list", name="Messages in # alerts")
    case = messages.get_by_role("listitem").filter(has_text="CASE-1")
    await expect(case).to_contain_text("Checkout 5xx", timeout=WAIT_MS)
    await page.screenshot(path=tmp_path / "01-case.png")

    create = case.get_by_role("button", name="Create channel")
    dialog = page.get_by_role("dialog", name="Create channel")
    await create.click()
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Move CASE-1 to its own channel?")
    await page.screenshot(path=tmp_path / "02-confirm.png")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(create).to_be_focused()  # the native dialog gives the focus back

    await create.click()
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Create channel").click()
    await expect(dialog).to_be_hidden()
    case_channel = nav.get_by_role("link", name=re.compile(r"^# case-1-"))
    await expect(case_channel).to_have_count(1, timeout=WAIT_MS)
    await expect(case.get_by_role("button", name="Create channel")).to_have_count(0, timeout=WAIT_MS)
    assert await nav.get_by_role("link", name=re.compile(r"^# case-")).count() == 1  # Cancel made none
    await page.screenshot(path=tmp_path / "03-moved.png")

    assert browser.problems == []
