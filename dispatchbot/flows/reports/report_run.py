"""The report runs' arguments and recorded state (tactical and executive alike), apart from their steps
so the documents feature, which adds the executive report's document step, can read them too."""

from __future__ import annotations

from typing import Any

from dispatchbot.deps import Deps
from dispatchbot.domain import ReportKind
from dispatchbot.flows.posting import PostingState
from dispatchbot.flows.run_models import IncidentArgs
from dispatchbot.flows.runner import Flow, RunContext


class ReportArgs(IncidentArgs):
    """The report as submitted; `requested_by` is its author."""

    kind: ReportKind
    details: dict[str, str]
    requested_by: str


class ReportState(PostingState):
    report_id: int | None = None
    sent_to: frozenset[str] = frozenset()
    """The notification targets that have their copy, so a retry reaches only the rest."""

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Version 0 kept a `sent:{target}` key for each target reached."""
        data = super().upgrade(data, version)
        if version != 0:
            return data
        sent = {key.removeprefix("sent:") for key in data if key.startswith("sent:")}
        kept = {key: value for key, value in data.items() if not key.startswith("sent:")}
        return {**kept, "sent_to": sent}

    @property
    def report(self) -> int:
        """The report's id, for the steps after the record step (which always records it first)."""
        assert self.report_id is not None
        return self.report_id


ReportContext = RunContext[Deps, ReportArgs, ReportState]
ReportFlow = Flow[Deps, ReportArgs, ReportState]
