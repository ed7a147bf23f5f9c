"""Callback, action and block ids: `blocks/` emits them and `handlers/` matches them."""

from __future__ import annotations

from enum import StrEnum


class CallbackId(StrEnum):
    REPORT_INCIDENT = "report_incident"
    REPORT_INCIDENT_SHORTCUT = "report_incident_shortcut"
    REPORT_PROGRESS = "report_incident_progress"
    UPDATE_INCIDENT = "update_incident"
    ASSIGN_ROLE = "assign_role"
    UPDATE_PARTICIPANT = "update_participant"
    NOTIFICATIONS_GROUP = "notifications_group"
    REPORT_TACTICAL = "report_tactical"
    REPORT_EXECUTIVE = "report_executive"
    ADD_TIMELINE_EVENT = "add_timeline_event"
    TIMELINE = "timeline"
    CREATE_TASK = "create_task"
    TASKS = "tasks"


class ActionId(StrEnum):
    RETRY_FLOW_RUN = "flow_run_retry"
    OPEN_REPORT = "open_report_incident"
    OPEN_UPDATE = "open_update_incident"
    OPEN_ASSIGN_ROLE = "open_assign_role"
    JOIN_INCIDENT = "join_incident"
    SUBSCRIBE = "subscribe_incident"
    WRITE_REPORT = "write_report"
    SNOOZE_REPORT_REMINDER = "snooze_report_reminder"
    OPEN_TIMELINE = "open_timeline"
    TIMELINE_PREVIOUS = "timeline_previous"
    TIMELINE_NEXT = "timeline_next"
    RESOLVE_TASK = "task_resolve"
    REOPEN_TASK = "task_reopen"


class BlockId(StrEnum):
    TITLE = "title"
    DESCRIPTION = "description"
    RESOLUTION = "resolution"
    STATUS = "status"
    INCIDENT_TYPE = "incident_type"
    SEVERITY = "severity"
    PRIORITY = "priority"
    VISIBILITY = "visibility"
    PERSON = "person"
    ROLE = "role"
    REASON = "reason"
    MEMBERS = "members"
    CHANNELS = "channels"
    EMAILS = "emails"
    CONDITIONS = "conditions"
    ACTIONS = "actions"
    NEEDS = "needs"
    CURRENT_STATUS = "current_status"
    OVERVIEW = "overview"
    NEXT_STEPS = "next_steps"
    DATE = "date"
    TIME = "time"
    TIMEZONE = "timezone"
    ASSIGNEES = "assignees"
