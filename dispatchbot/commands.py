"""The slash-command catalog: one stable key per command, its default name and its help text.

Command *names* are operator configuration (several bots may share a workspace), so code refers to a
command by its key and asks the settings for the name; the manifest and the handlers both read from here,
which keeps what Slack is told and what the bot listens for from drifting apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    """Keys of the configurable slash commands (the `[commands]` section of the config)."""

    REPORT_INCIDENT = "report_incident"
    LIST_INCIDENTS = "list_incidents"
    UPDATE_INCIDENT = "update_incident"
    ASSIGN_ROLE = "assign_role"
    LIST_PARTICIPANTS = "list_participants"
    UPDATE_PARTICIPANT = "update_participant"
    NOTIFICATIONS_GROUP = "notifications_group"
    REPORT_TACTICAL = "report_tactical"
    REPORT_EXECUTIVE = "report_executive"
    ADD_TIMELINE_EVENT = "add_timeline_event"
    CREATE_TASK = "create_task"
    LIST_TASKS = "list_tasks"
    LIST_MY_TASKS = "list_my_tasks"
    ENGAGE_ONCALL = "engage_oncall"
    LIST_CASES = "list_cases"
    LIST_SIGNALS = "list_signals"
    CREATE_CASE = "create_case"
    UPDATE_CASE = "update_case"
    ESCALATE_CASE = "escalate_case"
    RUN_WORKFLOW = "run_workflow"
    LIST_WORKFLOWS = "list_workflows"


@dataclass(frozen=True)
class CommandInfo:
    """What Slack shows for a command in its autocomplete."""

    default_name: str
    description: str
    usage_hint: str = ""


COMMANDS: dict[Command, CommandInfo] = {
    Command.REPORT_INCIDENT: CommandInfo("/dispatch-report-incident", "Report a new incident"),
    Command.LIST_INCIDENTS: CommandInfo(
        "/dispatch-list-incidents", "List current incidents", "[filter text]"
    ),
    Command.UPDATE_INCIDENT: CommandInfo("/dispatch-update-incident", "Update this incident", "[INC-42]"),
    Command.ASSIGN_ROLE: CommandInfo("/dispatch-assign-role", "Assign a role in this incident"),
    Command.LIST_PARTICIPANTS: CommandInfo(
        "/dispatch-list-participants", "List this incident's participants"
    ),
    Command.UPDATE_PARTICIPANT: CommandInfo(
        "/dispatch-update-participant", "Say why you are taking part in this incident"
    ),
    Command.NOTIFICATIONS_GROUP: CommandInfo(
        "/dispatch-notifications-group", "Edit who is notified about this incident"
    ),
    Command.REPORT_TACTICAL: CommandInfo("/dispatch-report-tactical", "Write a tactical report"),
    Command.REPORT_EXECUTIVE: CommandInfo("/dispatch-report-executive", "Write an executive report"),
    Command.ADD_TIMELINE_EVENT: CommandInfo(
        "/dispatch-add-timeline-event",
        "Add an event to the timeline",
        "[what happened] DATE YYYY-MM-DD TIME HH:MM",
    ),
    Command.CREATE_TASK: CommandInfo("/dispatch-create-task", "Create a task for this incident"),
    Command.LIST_TASKS: CommandInfo("/dispatch-list-tasks", "List this incident's tasks"),
    Command.LIST_MY_TASKS: CommandInfo("/dispatch-list-my-tasks", "List your tasks in every incident"),
    Command.ENGAGE_ONCALL: CommandInfo("/dispatch-engage-oncall", "Engage the on-call person of a service"),
    Command.LIST_CASES: CommandInfo("/dispatch-list-cases", "List the open cases you can see"),
    Command.LIST_SIGNALS: CommandInfo("/dispatch-list-signals", "List the signals that post in this channel"),
    Command.CREATE_CASE: CommandInfo("/dispatch-create-case", "Open a case to triage"),
    Command.UPDATE_CASE: CommandInfo("/dispatch-update-case", "Update a case", "[CASE-7]"),
    Command.ESCALATE_CASE: CommandInfo(
        "/dispatch-escalate-case", "Escalate a case to an incident", "[CASE-7]"
    ),
    Command.RUN_WORKFLOW: CommandInfo(
        "/dispatch-run-workflow", "Run a workflow for this incident or case", "[CASE-7]"
    ),
    Command.LIST_WORKFLOWS: CommandInfo(
        "/dispatch-list-workflows", "List the workflows run for this incident or case", "[CASE-7]"
    ),
}
