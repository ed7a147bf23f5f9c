"""The App Home tab: report an incident, the open incidents and cases you are in, and the incidents you
could join."""

from __future__ import annotations

from typing import Any

from dispatchbot.blocks.common import buttons, context, divider, header, plain, section
from dispatchbot.blocks.incidents.list_incidents import incident_line
from dispatchbot.domain import Incident, Role
from dispatchbot.ids import ActionId
from dispatchbot.mrkdwn import Mrkdwn, md

HOME_BLOCK_LIMIT = 100


def home_view(
    mine: list[tuple[Incident, frozenset[Role]]],
    mine_total: int,
    others: list[Incident],
    others_total: int,
    list_command: str,
    cases: list[dict[str, Any]],
) -> dict[str, Any]:
    """The tab for one person; every list is bounded and says how many it left out. `cases` is the
    "Your open cases" section (`blocks.alerts.case_list.home_cases`), shown after your incidents."""
    blocks: list[dict[str, Any]] = [
        header("Incidents"),
        section(Mrkdwn("Something broken? Report it and a channel with the right people is set up for you.")),
        buttons(("Report an incident", ActionId.OPEN_REPORT, "home")),
        divider(),
        header("Your open incidents"),
    ]
    if mine:
        blocks.extend(
            section(md("{line}\nYour roles: {roles}", line=incident_line(incident), roles=_roles(roles)))
            for incident, roles in mine
        )
    else:
        blocks.append(context(Mrkdwn("You are not taking part in any open incident.")))
    blocks.extend(_more(mine_total - len(mine), list_command))
    blocks += [divider(), *cases, divider(), header("Other open incidents")]
    if others:
        blocks.extend(_joinable(incident) for incident in others)
    else:
        blocks.append(context(Mrkdwn("No other open incidents.")))
    blocks.extend(_more(others_total - len(others), list_command))
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def _roles(roles: frozenset[Role]) -> str:
    """Roles in a stable order (commander first), so the tab does not reshuffle between openings."""
    ordered = [role.label for role in Role if role in roles]
    return ", ".join(ordered) or Role.PARTICIPANT.label


def _joinable(incident: Incident) -> dict[str, Any]:
    return {
        **section(incident_line(incident)),
        "accessory": {
            "type": "button",
            "text": plain("Join", 75),
            "action_id": ActionId.JOIN_INCIDENT,
            "value": str(incident.id),
        },
    }


def _more(hidden: int, list_command: str) -> list[dict[str, Any]]:
    if hidden <= 0:
        return []
    return [
        context(
            md(
                "{hidden} more not shown — use `{command} [filter text]` to find them.",
                hidden=hidden,
                command=list_command,
            )
        )
    ]
