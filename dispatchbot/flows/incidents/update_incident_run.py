"""The update-incident run's arguments and recorded state, read by the steps other features add to it
(costs, reminders, pages, documents, feedback, the close reminder), apart from the flow they join."""

from __future__ import annotations

from dispatchbot.deps import Deps
from dispatchbot.domain import Status
from dispatchbot.flows.posting import PostingState
from dispatchbot.flows.run_models import IncidentArgs, RunValue
from dispatchbot.flows.runner import RunContext


class MessageRef(RunValue):
    """Where a Slack message is, to redraw it."""

    channel: str
    ts: str


class UpdateIncidentArgs(IncidentArgs):
    """The form's fields by name; `message` is the close-reminder DM whose Close button started the run
    (None for an update from the form)."""

    changes: dict[str, str]
    requested_by: str
    message: MessageRef | None = None


class UpdateIncidentState(PostingState):
    """What the apply step changed (the incident's editable fields before and after, as text), and which
    of the channel's follow-ups are done."""

    changed: tuple[str, ...] | None = None
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    unarchived: bool = False
    reinvited: bool = False
    archived: bool = False
    review_started: bool = False

    @property
    def status_changed(self) -> bool:
        return "status" in (self.changed or ())

    def entered(self, status: Status) -> bool:
        """Whether this update moved the incident into `status`."""
        return self.status_changed and self.after.get("status") == status.value


UpdateIncidentContext = RunContext[Deps, UpdateIncidentArgs, UpdateIncidentState]
