"""A run recorded by the release before typed runs (its arguments and state plain dicts with no version)
still resumes after the upgrade and finishes: here an incident creation the old release left after its
record step, as a crash or a deploy would."""

from __future__ import annotations

from datetime import UTC, datetime

from dispatchbot.clock import SystemClock
from dispatchbot.domain import IncidentDraft, RunStatus, Visibility
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentState
from dispatchbot.flows.run_models import VERSION_KEY
from dispatchbot.services.incidents import IncidentService
from dispatchbot.storage.engine import Database
from dispatchbot.storage.tables import FlowRunRow
from dispatchbot.testing import Channel, FakeSlack, User
from tests.e2e.conftest import StartBot
from tests.support.bot import bot_settings
from tests.support.runs import finished
from tests.support.waiting import eventually

KEY = "view:V0LD"
DRAFT = IncidentDraft("Payments down", "Card payments fail", "Default", "Low", "Low", Visibility.OPEN)


def old_args(reporter_id: str) -> dict[str, object]:
    """The arguments exactly as the previous release's `run_args` stored them."""
    return {
        "title": DRAFT.title,
        "description": DRAFT.description,
        "incident_type": DRAFT.incident_type,
        "severity": DRAFT.severity,
        "priority": DRAFT.priority,
        "visibility": DRAFT.visibility.value,
        "requested_by": reporter_id,
        "view_id": "V0LD",
    }


async def test_an_old_creation_run_resumes_and_finishes(
    slack: FakeSlack,
    alice: User,
    general: Channel,
    database: Database,
    database_url: str,
    start_bot: StartBot,
) -> None:
    incident = await IncidentService(database.sessions, SystemClock()).create(KEY, DRAFT, alice.id, {})
    now = datetime.now(UTC)
    async with database.sessions.begin() as session:
        session.add(
            FlowRunRow(
                kind="create_incident",
                key=KEY,
                args=old_args(alice.id),
                state={"incident_id": incident.id, "oncall_roles": {}},
                completed_steps=["record"],
                status=RunStatus.RUNNING.value,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )

    bot = await start_bot(bot_settings(slack, database_url))
    await finished(bot, "create_incident", KEY)

    [channel] = [c for c in slack.workspace.channels.values() if c.name.startswith("inc-")]
    assert channel.name == f"inc-{incident.id}-payments-down"
    assert alice.id in channel.members
    await eventually(lambda: len(channel.pins) == 1, what="the pinned header")
    assert (await bot.deps.incidents.get(incident.id)).channel_id == channel.id
    run = await bot.deps.runs.get_by_key("create_incident", KEY)
    assert run is not None
    assert run.state[VERSION_KEY] == 1  # rewritten in the new shape as it went on
    state = CreateIncidentState.from_stored(run.state)
    assert (state.incident_id, state.channel_id) == (incident.id, channel.id)
    assert {"topic", "purpose", "invited", "header", "tips", f"welcomed:{alice.id}"} <= state.actions_done
