"""Table definitions (SQLAlchemy 2 declarative). Migrations in `migrations/versions` must match them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dispatchbot.storage.types import JSONDocument, UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONDocument, list[str]: JSONDocument}


class FlowRunRow(Base):
    """One durable run of a flow: what was asked, what each finished step recorded, who holds it."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_flow_runs_kind_key"),
        Index("ix_flow_runs_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    args: Mapped[dict[str, Any]]
    state: Mapped[dict[str, Any]]
    completed_steps: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_id: Mapped[str | None] = mapped_column(String(32))
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class DeliveryRow(Base):
    """A Slack delivery already handled; the primary key makes a second insert of the same key fail."""

    __tablename__ = "deliveries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class CatalogEntryRow(Base):
    """Incident types, priorities and severities as last seeded from the config (the source of truth)."""

    __tablename__ = "catalog_entries"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_catalog_entries_kind_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]]
    enabled: Mapped[bool] = mapped_column(Boolean)


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    creation_key: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    incident_type: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(60))
    priority: Mapped[str] = mapped_column(String(60))
    visibility: Mapped[str] = mapped_column(String(16))
    reporter_id: Mapped[str] = mapped_column(String(32))
    commander_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    header_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    stable_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cost: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    cost_updated_at: Mapped[datetime | None]


class ParticipantRow(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("incident_id", "user_id", name="uq_participants_incident_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_reason: Mapped[str] = mapped_column(Text, default="")
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    after_hours_notified: Mapped[bool] = mapped_column(Boolean, default=False)


class ParticipantRoleRow(Base):
    """A role held from `assumed_at` until `renounced_at` (null while held); incident costs derive from it."""

    __tablename__ = "participant_roles"
    __table_args__ = (Index("ix_participant_roles_participant", "participant_id", "renounced_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    assumed_at: Mapped[datetime]
    renounced_at: Mapped[datetime | None]


class TimelineEventRow(Base):
    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_events_incident", "incident_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    details: Mapped[dict[str, Any]]
    source_key: Mapped[str | None] = mapped_column(String(255), unique=True)


class SubscriptionRow(Base):
    """People who asked (Subscribe button) to be DMed this incident's updates."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("incident_id", "user_id", name="uq_subscriptions_incident_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class NotificationMemberRow(Base):
    """The incident's notifications group: Slack users and channels (emails kept for later providers)."""

    __tablename__ = "notification_members"
    __table_args__ = (
        UniqueConstraint("incident_id", "kind", "value", name="uq_notification_members_incident_kind_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))


class ReportRow(Base):
    """A tactical or executive report; `creation_key` (the modal submission) makes writing it idempotent."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_incident_kind", "incident_id", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    creation_key: Mapped[str] = mapped_column(String(255), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    message_ts: Mapped[str | None] = mapped_column(String(32))


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_incident_status", "incident_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    creation_key: Mapped[str] = mapped_column(String(255), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    creator_id: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    """Set for tasks that mirror a document comment: "<file id>:<comment id>"."""


class TaskAssigneeRow(Base):
    __tablename__ = "task_assignees"
    __table_args__ = (UniqueConstraint("task_id", "user_id", name="uq_task_assignees_task_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)


class ReminderRow(Base):
    """A reminder due at `due_at` (null once done); a replica claims it until `claimed_until` to send it."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("kind", "incident_id", "subject", name="uq_reminders_kind_incident_subject"),
        Index("ix_reminders_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None]
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[datetime | None]


class SchedulerJobRow(Base):
    """What the leader last did with each job, so `dispatchbot scheduler list` can show it from outside."""

    __tablename__ = "scheduler_jobs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    every_seconds: Mapped[float] = mapped_column(Float)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    leader: Mapped[str | None] = mapped_column(String(128))


class ParticipantActivityRow(Base):
    """A message someone posted in an incident channel or its threads: the activity cost model's input."""

    __tablename__ = "participant_activity"
    __table_args__ = (Index("ix_participant_activity_incident", "incident_id", "user_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    source_key: Mapped[str] = mapped_column(
        String(128), unique=True
    )  # "<channel>:<ts>": redeliveries add nothing


class FeedbackRow(Base):
    """A participant's feedback on a closed incident; one per person, a second submission updates it."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("incident_id", "user_id", name="uq_feedback_incident_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    rating: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class ShiftFeedbackRow(Base):
    """Feedback asked of someone whose on-call shift just ended; the row exists from the moment we ask."""

    __tablename__ = "shift_feedback"
    __table_args__ = (
        UniqueConstraint("service", "user_id", "shift_end", name="uq_shift_feedback_service_user_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(75))
    user_id: Mapped[str] = mapped_column(String(32))
    shift_start: Mapped[datetime]
    shift_end: Mapped[datetime]
    requested_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    effort: Mapped[str | None] = mapped_column(String(32))
    hours: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)


class SentOnceRow(Base):
    """Scheduled messages already sent (e.g. "summary:C123:2026-11-23"), so no replica sends one twice."""

    __tablename__ = "sent_once"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    sent_at: Mapped[datetime]


class EngagementRow(Base):
    """An on-call person brought into an incident through a service (once per service and incident)."""

    __tablename__ = "engagements"
    __table_args__ = (UniqueConstraint("incident_id", "service", name="uq_engagements_incident_service"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(75))
    user_id: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(255))
    engaged_by: Mapped[str] = mapped_column(String(32))
    engaged_at: Mapped[datetime]


class PageRow(Base):
    """A page sent through an on-call provider and followed until acknowledged, escalated or resolved."""

    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(75))
    provider: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(255))
    target_user_id: Mapped[str | None] = mapped_column(String(32))
    target_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(32))
    paged_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    last_polled_at: Mapped[datetime | None]


class DocumentRow(Base):
    """An incident resource in the documents provider (folder, incident/review/executive document)."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("incident_id", "kind", name="uq_documents_incident_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # a DocumentKind; "executive:<report id>" per report
    external_id: Mapped[str | None] = mapped_column(String(255))
    weblink: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # ready | failed
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    synced_at: Mapped[datetime | None]


class DocumentShareRow(Base):
    """An email the incident's documents are shared with, so each person is shared with once."""

    __tablename__ = "document_shares"
    __table_args__ = (UniqueConstraint("incident_id", "email", name="uq_document_shares_incident_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(255))
    shared_at: Mapped[datetime]


class AlertRow(Base):
    """One alert: a (source, dedup key) from its first firing until it recovers or is closed.

    `open_key` is set only while the alert is open and is unique, so two concurrent writers can never
    open the same alert twice; a firing after recovery opens a new row (C6)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_source_key", "source", "dedup_key"),
        Index("ix_alerts_source_title", "source", "title"),
        Index("ix_alerts_next_realert", "next_realert_at"),
        Index("ix_alerts_dirty", "rendered_version", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(255))
    open_key: Mapped[str | None] = mapped_column(String(330), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    signal: Mapped[str] = mapped_column(String(80))
    route: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    labels: Mapped[dict[str, Any]]
    source_url: Mapped[str] = mapped_column(Text)
    runbook_url: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(80))
    users: Mapped[list[str]]
    oncall_service: Mapped[str] = mapped_column(String(75))
    alert_channels: Mapped[list[str]]
    message_ts: Mapped[str | None] = mapped_column(String(32))
    ack_by: Mapped[str | None] = mapped_column(String(80))
    ack_at: Mapped[datetime | None]
    ack_expires_at: Mapped[datetime | None]
    last_alerted_at: Mapped[datetime | None]
    next_realert_at: Mapped[datetime | None]
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    page_id: Mapped[str | None] = mapped_column(String(255))
    mapbox: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    details: Mapped[dict[str, Any]]
    last_event_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    """Bumped by every change the message shows; the message is edited until `rendered_version` catches up."""
    rendered_version: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The case it opened or joined (route `case`)."""


class AlertEventRow(Base):
    """An alert's audit trail: each inbound event (with its payload), each thing a person or the bot did."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)


class AlertNoticeRow(Base):
    """Work the alert's state change owes the outside world (post, re-alert, page, DM), written in the
    same transaction as the change: the outbox that makes "stored before the 202" mean "delivered"."""

    __tablename__ = "alert_notices"
    __table_args__ = (Index("ix_alert_notices_pending", "done_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    attempted: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None]


class CaseRow(Base):
    """A case: alerts of one signal (or a person) to triage, resolved in minutes or escalated into an
    incident. Its message is edited until `rendered_version` catches up with `version`."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_signal_status", "signal", "status"),
        Index("ix_cases_dirty", "rendered_version", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    signal: Mapped[str] = mapped_column(String(80))
    case_type: Mapped[str] = mapped_column(String(60))
    case_priority: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(80))
    alert_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    last_alert_at: Mapped[datetime | None]
    reporter: Mapped[str | None] = mapped_column(String(80))
    assignee: Mapped[str | None] = mapped_column(String(80))
    participants: Mapped[list[str]]
    restricted: Mapped[bool] = mapped_column(Boolean)
    resolution_reason: Mapped[str | None] = mapped_column(String(40))
    resolution: Mapped[str] = mapped_column(Text)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)
    rendered_version: Mapped[int] = mapped_column(Integer)


class CaseEventRow(Base):
    """A case's timeline; each line is also said in the case's thread (`posted` once it is)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_unposted", "posted", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    posted: Mapped[bool] = mapped_column(Boolean)


class SignalSnoozeRow(Base):
    """A snooze: until `expires_at`, new alerts of `signal` whose entities include `entities` (all of
    them when empty) are stored and counted (`matched`) but not announced."""

    __tablename__ = "signal_snoozes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    signal: Mapped[str] = mapped_column(String(80))
    entities: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    matched: Mapped[int] = mapped_column(Integer)
    ended_said: Mapped[bool] = mapped_column(Boolean)
    """Whether its end was said (in its case's thread, or its signal's channel)."""


class CaseEntityRow(Base):
    """An entity value (a host, a user) one of the case's alerts carried, and when last: a signal with
    `dedup_entities` sends a new alert to the open case that shares one within its window."""

    __tablename__ = "case_entities"
    __table_args__ = (Index("ix_case_entities_signal_value", "signal", "value"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    signal: Mapped[str] = mapped_column(String(80))
    last_seen_at: Mapped[datetime]


class WorkflowRunRow(Base):
    """A workflow run (`dispatchbot.workflow_runs.WorkflowRun`): stored before the provider is called,
    followed until it finishes, its message edited until `rendered_version` catches up with `version`."""

    __tablename__ = "workflow_runs"
    __table_args__ = (
        Index("ix_workflow_runs_next_poll", "next_poll_at"),
        Index("ix_workflow_runs_dirty", "rendered_version", "version"),
        Index("ix_workflow_runs_unreplied", "reply_ts", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    workflow: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]]
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(80))
    signal: Mapped[str] = mapped_column(String(80))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(80))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    reply_ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    instance_id: Mapped[str | None] = mapped_column(String(255))
    weblink: Mapped[str] = mapped_column(Text)
    artifacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    unknown_since: Mapped[datetime | None]
    poll_failures: Mapped[int] = mapped_column(Integer)
    next_poll_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)
    rendered_version: Mapped[int] = mapped_column(Integer)
