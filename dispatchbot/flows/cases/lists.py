"""Use case: open cases as a person may see them, for `/dispatch-list-cases` and the App Home tab.

Reads only, plus one `chat.getPermalink` per case shown (at once, not one after another), so each case
links to its message; a case whose link Slack will not give names its channel instead.
"""

from __future__ import annotations

import asyncio
from typing import Any

from dispatchbot.alerting.cases import Case
from dispatchbot.blocks.alerts import case_list
from dispatchbot.blocks.common import Message
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError


async def answer(deps: Deps, user_id: str) -> Message:
    """Every open case this person may see, newest first; restricted ones only if they are its people."""
    cases, total = await deps.cases.open_cases(user_id, case_list.LIST_SHOWN)
    return case_list.case_list(await _linked(deps, cases), total)


async def home_section(deps: Deps, user_id: str) -> list[dict[str, Any]]:
    """The App Home's "Your open cases": assigned to them or taken part in."""
    cases, total = await deps.cases.open_cases(user_id, case_list.HOME_SHOWN, mine=True)
    command = deps.settings.commands.name(Command.LIST_CASES)
    return case_list.home_cases(await _linked(deps, cases), total, command)


async def _linked(deps: Deps, cases: list[Case]) -> list[case_list.Listed]:
    links = await asyncio.gather(*(_permalink(deps, case) for case in cases))
    return list(zip(cases, links, strict=True))


async def _permalink(deps: Deps, case: Case) -> str:
    """The link to the case's message; "" before it is posted or when Slack refuses (the list stands)."""
    if not case.message_ts:
        return ""
    try:
        channel = await deps.slack.channel_id_for(case.channel)
        return await deps.slack.permalink(channel, case.message_ts) if channel else ""
    except ProviderError:
        return ""
