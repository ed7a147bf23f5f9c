"""Escalating a case to an incident (issue 11, item 7): the report form's prefill, and the case's
timeline as the incident's timeline tells it.

The description goes into a plain-text input, which Slack does not parse: nothing is escaped there,
only bounded. The timeline lines are mrkdwn, built from the case's thread replies (escaped there).
"""

from __future__ import annotations

from dispatchbot.alerting.cases import Case, CaseEntry
from dispatchbot.blocks.alerts.case_message import case_event_reply
from dispatchbot.blocks.common import clip
from dispatchbot.blocks.incidents.report_incident import DESCRIPTION_LIMIT, TITLE_LIMIT
from dispatchbot.mrkdwn import Mrkdwn, md


def incident_title(case: Case) -> str:
    return clip(case.title, TITLE_LIMIT)


def incident_description(case: Case) -> str:
    """The case's description and where the incident came from, within what the input accepts (the
    origin is kept whole: the description gives way)."""
    origin = f"Escalated from {case.name}"
    description = case.description.strip()
    if not description:
        return origin
    return f"{clip(description, DESCRIPTION_LIMIT - len(origin) - 2)}\n\n{origin}"


def copied_event(entry: CaseEntry, case: Case) -> Mrkdwn:
    """A line of the case's timeline in the incident's: `From CASE-3: :mag: @alice moved CASE-3 to Triage`."""
    line, _ = case_event_reply(entry, case)
    return md("From {name}: {line}", name=case.name, line=line)
