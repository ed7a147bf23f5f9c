"""Opening and editing cases by hand (issue 11 items 3 and 5): `/dispatch-create-case` and the "Open a
case" message shortcut open the case form, whose submission opens a case in the channel it was asked
in (else its type's channel); the Edit button and `/dispatch-update-case CASE-7` open it on a case.

A case made here is one row written once per form (keyed by its view id); its message is posted by
delivery, as every case message is edited by it, so a crash between the two still ends with a message.
"""

from __future__ import annotations

from typing import Any

from dispatchbot.alerting.cases import Case
from dispatchbot.blocks.alerts.case_form import (
    OnCall,
    create_case_modal,
    edit_case_modal,
    read_case_form,
    read_channel,
    read_edited_case,
)
from dispatchbot.blocks.alerts.case_message import DESCRIPTION_LIMIT
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError, UserFacingError
from dispatchbot.flows import forms
from dispatchbot.flows.alerts.people import person
from dispatchbot.ids import BlockId
from dispatchbot.logs import get_logger
from dispatchbot.mrkdwn import unescape

log = get_logger(__name__)


def check_somewhere(deps: Deps, channel_id: str) -> None:
    """Refuse plainly, before the form opens, when its case could be posted nowhere: asked in a DM, and
    no case type has a channel of its own."""
    if _is_dm(channel_id) and not any(entry.channel for entry in deps.settings.case_types):
        command = deps.settings.commands.name(Command.CREATE_CASE)
        raise UserFacingError(f"Run {command} in the channel where the case belongs.")


async def open_create_form(
    deps: Deps, trigger_id: str, user_id: str, channel_id: str, *, description: str = ""
) -> None:
    """The form for a case in `channel_id` (its type's channel when the bot cannot post there), with
    the first case type's on-call proposed as assignee."""
    posted_in = await _postable(deps, channel_id)
    form = create_case_modal(
        deps.settings.case_types,
        deps.settings.case_priorities,
        channel_id=posted_in,
        description=description,
        oncall=await _oncall(deps, deps.settings.case_types[0].oncall_service),
    )
    await forms.show(deps, trigger_id, form, user_id)


async def open_for_message(
    deps: Deps, trigger_id: str, user_id: str, channel_id: str, message: dict[str, Any]
) -> None:
    """The shortcut: the message's text (as typed: the form is plain text) describes the case."""
    text = unescape(str(message.get("text") or ""))[:DESCRIPTION_LIMIT]
    await open_create_form(deps, trigger_id, user_id, channel_id, description=text)


async def create(deps: Deps, view: dict[str, Any], reporter: str) -> None:
    """Open the case the form describes, once however often the form is sent."""
    settings = deps.settings
    form = read_case_form(view, settings.case_types, settings.case_priorities, editing=False)
    case_type = settings.case_type(form.case_type)
    channel = read_channel(view) or case_type.channel
    if not channel:
        raise UserFacingError(
            "Cases of this type have no channel: open it from the channel where it belongs.",
            block_id=BlockId.CASE_TYPE,
        )
    restricted = case_type.visibility == "restricted"
    await deps.cases.create(view["id"], form, reporter, channel, restricted=restricted)


async def open_edit_form(deps: Deps, trigger_id: str, user_id: str, case: Case) -> None:
    form = edit_case_modal(case, deps.settings.case_types, deps.settings.case_priorities)
    await forms.show(deps, trigger_id, form, user_id)


async def edit(deps: Deps, view: dict[str, Any], user_id: str) -> None:
    settings = deps.settings
    case_id = read_edited_case(view)
    form = read_case_form(view, settings.case_types, settings.case_priorities, editing=True)
    restricted = settings.case_type(form.case_type).visibility == "restricted"
    await deps.cases.edit(case_id, user_id, form, restricted=restricted)


def _is_dm(channel_id: str) -> bool:
    return not channel_id or channel_id.startswith("D")


async def _postable(deps: Deps, channel_id: str) -> str | None:
    """`channel_id` when the bot may post there (a public channel, or a private one it is in)."""
    if _is_dm(channel_id):
        return None
    try:
        info = await deps.slack.channel_info(channel_id)
    except ProviderError as exc:  # a private channel the bot is not in reads as not found
        log.info("cases.form_channel_unknown", error=exc.detail)
        return None
    usable = not info.get("is_archived") and (info.get("is_member") or not info.get("is_private"))
    return channel_id if usable and not info.get("is_im") else None


async def _oncall(deps: Deps, service_name: str) -> OnCall | None:
    """Who is on call for the service, when it is configured and its provider answers."""
    service = next((s for s in deps.settings.services if s.name == service_name), None)
    if service is None or service.provider not in deps.providers.oncall:
        return None
    try:
        oncall = await deps.providers.oncall[service.provider].current(service.external_id)
    except ProviderError as exc:
        log.warning("cases.oncall_unknown", service=service.name, error=exc.detail)
        return None
    found = await person(deps, oncall.email, name=oncall.name)
    return OnCall(found.slack_id, service.name) if found.slack_id else None
