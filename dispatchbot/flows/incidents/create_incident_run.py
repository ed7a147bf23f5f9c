"""The create-incident run's arguments and recorded state (read by steps of other modules too: paging
the commander, making the documents), apart from the flow so those modules need not import it."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from dispatchbot.deps import Deps
from dispatchbot.domain import IncidentDraft
from dispatchbot.flows.posting import PostingState
from dispatchbot.flows.run_models import RunArgs, RunValue
from dispatchbot.flows.runner import RunContext


class CreateIncidentArgs(RunArgs):
    """The report as submitted; `requested_by` is the reporter; `alert_id` the alert it was declared
    from, `case_id` the case escalated to it, if any (linked to it when announced)."""

    draft: IncidentDraft
    requested_by: str
    view_id: str | None = None
    alert_id: int | None = None
    case_id: int | None = None

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Version 0 kept the draft's fields beside the others."""
        data = super().upgrade(data, version)
        if version != 0:
            return data
        draft = {field.name: data.pop(field.name) for field in fields(IncidentDraft)}
        return {**data, "draft": draft}


class OncallHolder(RunValue):
    """A role the policy gave to a service's on-call: which service, and who that was."""

    service: str
    email: str
    name: str


class CreateIncidentState(PostingState):
    incident_id: int | None = None
    oncall_roles: dict[str, OncallHolder] = {}
    """By role value: the roles whose holder is a service's on-call (whom the page step pages)."""
    channel_id: str | None = None
    header_attempted: bool = False
    actions_done: frozenset[str] = frozenset()
    """The concurrent sub-actions of the set-up and announce steps that succeeded (`topic`,
    `welcomed:U123`, `notified:C123`, ...), so a retried step redoes only the rest."""

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Version 0 kept each finished sub-action as a key of its own set to true."""
        data = super().upgrade(data, version)
        if version != 0:
            return data
        fields = {key: value for key, value in data.items() if key in cls.model_fields}
        return {**fields, "actions_done": {key for key in data if key not in cls.model_fields}}

    @property
    def incident(self) -> int:
        """The incident's id, for the steps after the record step (which always records it first)."""
        assert self.incident_id is not None
        return self.incident_id


CreateIncidentContext = RunContext[Deps, CreateIncidentArgs, CreateIncidentState]
