"""Use case: publish a person's App Home tab with the incidents and cases they are in and the incidents
they may join."""

from __future__ import annotations

from dispatchbot.blocks.incidents.app_home import home_view
from dispatchbot.commands import Command
from dispatchbot.deps import Deps
from dispatchbot.flows.cases import lists as case_lists


async def publish(deps: Deps, user_id: str) -> None:
    """Build the tab from the database as it is now; opening the tab again shows the latest state."""
    limit = deps.settings.incidents.list_limit
    mine, mine_total = await deps.incidents.listing(user_id, limit=limit, open_only=True, participating=True)
    roles = await deps.incidents.roles_of(user_id, [incident.id for incident in mine])
    # Not participating means restricted incidents are out: they are visible only to participants.
    others, others_total = await deps.incidents.listing(
        user_id, limit=limit, open_only=True, participating=False
    )
    view = home_view(
        [(incident, roles.get(incident.id, frozenset())) for incident in mine],
        mine_total,
        others,
        others_total,
        deps.settings.commands.name(Command.LIST_INCIDENTS),
        await case_lists.home_section(deps, user_id),
    )
    await deps.slack.publish_home(user_id, view)
