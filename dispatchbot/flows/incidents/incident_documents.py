"""Use case: the incident's documents (folder, incident document, review and executive documents).

Documents are a courtesy to the channel, never a condition for it: each is made by a step that runs
after the channel is ready (or after the update or report it belongs to), and a provider failure is
recorded as a failed resource that the pinned header shows with a Retry button — the step itself
returns normally, so the incident, the update or the report always succeeds. When the provider only
refused for now (rate limit, outage: `ProviderUnavailable`, after the call's own retries), the channel
is told once that the document is delayed and a `RETRY_DOCUMENTS` run makes it again with the
runner's back-off, as the Retry button would; the button stays for whoever does not want to wait.
Every resource is remembered in `documents` before the next call, so a resumed, repeated or retried
run never makes a second folder or document: it continues the one it has (a copied document is
filled again, which is harmless, since a filled placeholder is gone).

A new document is shared with everyone the incident's documents were shared with before and with the
current participants; people who join later are shared with by the periodic sync (`document_tasks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dispatchbot.blocks.common import Message
from dispatchbot.blocks.incidents import documents as document_blocks
from dispatchbot.blocks.incidents.documents import Links, executive_document_ready, review_ready
from dispatchbot.deps import Deps
from dispatchbot.domain import Document, DocumentKind, Incident, Report, ResourceStatus, Status
from dispatchbot.errors import Forbidden, ProviderError, ProviderUnavailable, UserFacingError
from dispatchbot.flows import access, posting
from dispatchbot.flows.incidents import incident_channel
from dispatchbot.flows.incidents.create_incident_run import CreateIncidentContext
from dispatchbot.flows.incidents.update_incident_run import UpdateIncidentContext
from dispatchbot.flows.posting import PostingContext, PostingState
from dispatchbot.flows.reports.report_run import ReportContext
from dispatchbot.flows.run_models import IncidentArgs
from dispatchbot.flows.runner import Flow, RunContext, Step
from dispatchbot.logs import get_logger
from dispatchbot.providers.documents import Documents, StoredFile

log = get_logger(__name__)

NOT_CONFIGURED_TEXT = "Documents are not configured for this workspace, so there is nothing to retry."


class DocumentDelayed(Exception):
    """A document the provider refused for now; it is recorded failed, for a retry run to make."""

    def __init__(self, document: Document, error: ProviderUnavailable) -> None:
        super().__init__(error.detail)
        self.document = document
        self.error = error


RetryContext = RunContext[Deps, IncidentArgs, PostingState]

# ------------------------------------------------------------------ steps of other flows


async def create_documents(ctx: CreateIncidentContext) -> None:
    """Create-incident step, after the channel is ready: folder and incident document."""
    incident = await ctx.deps.incidents.get(ctx.state.incident)
    try:
        await make_incident_document(ctx.deps, incident)
    except DocumentDelayed as delayed:
        await _retry_later(ctx, incident, delayed)


async def follow_update(ctx: UpdateIncidentContext) -> None:
    """Update-incident step: the review document on Stable (or on Closed straight from Active); open the
    documents to the domain on Closed."""
    if not ctx.state.status_changed:
        return
    incident = await ctx.deps.incidents.get(ctx.args.incident_id)
    before, after = Status(ctx.state.before["status"]), Status(ctx.state.after["status"])
    if after is Status.STABLE or (after is Status.CLOSED and before is Status.ACTIVE):
        await _review_on_stable(ctx, incident)  # closing straight from Active skips Stable, not its review
    if after is Status.CLOSED:
        await open_to_domain(ctx.deps, incident)


async def report_document(ctx: ReportContext) -> None:
    """Executive-report step: the report as a document too, linked in the channel under the report."""
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.args.incident_id)
    report = await deps.reports.get(ctx.state.report)
    try:
        document = await make_executive_document(deps, incident, report)
    except DocumentDelayed as delayed:
        await _retry_later(ctx, incident, delayed)
        return
    if document is None:
        return
    try:
        await _announce(ctx, "executive_document", incident, executive_document_ready(incident, document))
    except ProviderError as exc:  # the report went out already; the header links the document anyway
        log.warning("documents.link_not_posted", incident=incident.reference, error=exc.detail)


# ------------------------------------------------------------------ the Retry button


async def retry(deps: Deps, incident_id: int, user_id: str) -> None:
    """Anyone in the incident may retry its failed documents (checked here, on every click). The run is
    keyed by the failures it answers, so two people clicking at once start one run, not two copies."""
    incident = await access.visible_incident(deps, incident_id, user_id)
    participant = await deps.participants.get(incident.id, user_id)
    if participant is None or not participant.active:
        raise Forbidden(f"Only the participants of {incident.reference} can retry its documents.")
    if deps.providers.documents is None:
        raise UserFacingError(NOT_CONFIGURED_TEXT)
    failed_since = await deps.documents.last_failure_at(incident.id)
    if failed_since is None:
        return  # made meanwhile (another click); the header shows it already
    await deps.runs.start(
        RETRY_DOCUMENTS,
        key=f"{incident.id}:{failed_since.isoformat()}",
        args=IncidentArgs(incident_id=incident.id, requested_by=user_id),
    )


async def redo_failed(ctx: RetryContext) -> None:
    """Make again every resource of the incident that failed, each as the step that first tried it. One
    the provider still refuses for now fails the step after the others were tried, so the runner tries
    again later (a run started automatically names no requester: when it gives up, the header's Retry
    button is what is left, as before)."""
    deps = ctx.deps
    incident = await deps.incidents.get(ctx.args.incident_id)
    delayed: DocumentDelayed | None = None
    for document in await deps.documents.for_incident(incident.id):
        if document.status is not ResourceStatus.FAILED:
            continue
        try:
            await _redo(ctx, incident, document)
        except DocumentDelayed as still:
            delayed = still
    if delayed is not None:
        raise delayed


async def _redo(ctx: RetryContext, incident: Incident, document: Document) -> None:
    """One failed resource made again, as the step that first tried it (and announced as it would)."""
    deps = ctx.deps
    base, _, report_id = document.kind.partition(":")
    if base == DocumentKind.INCIDENT:
        await make_incident_document(deps, incident)
    elif base == DocumentKind.REVIEW:
        made = await make_review_document(deps, incident)
        if made is not None:
            await _announce(ctx, "review_document", incident, review_ready(incident, made))
    elif base == DocumentKind.EXECUTIVE and report_id.isdigit():
        report = await deps.reports.get(int(report_id))
        made = await make_executive_document(deps, incident, report)
        if made is not None:
            await _announce(
                ctx, f"executive_document_{report.id}", incident, executive_document_ready(incident, made)
            )


RETRY_DOCUMENTS = Flow.of(
    "retry_documents",
    "Making the incident's documents again",
    IncidentArgs,
    PostingState,
    steps=(Step("redo", redo_failed),),
)


# ------------------------------------------------------------------ each kind of document


async def make_incident_document(deps: Deps, incident: Incident) -> Document | None:
    """The incident document in its folder, bookmarked in the channel; None when not configured or failed."""
    provider = deps.providers.documents
    template = _template(deps, incident, DocumentKind.INCIDENT)
    if provider is None or not template:
        return None
    name = document_blocks.document_name(incident, DocumentKind.INCIDENT)
    return await _make(deps, provider, incident, DocumentPlan(DocumentKind.INCIDENT, template, name, {}))


async def make_review_document(deps: Deps, incident: Incident) -> Document | None:
    """The post-incident review, with the timeline so far written into `{{timeline}}`."""
    provider = deps.providers.documents
    template = _template(deps, incident, DocumentKind.REVIEW)
    if provider is None or not template:
        return None
    events = await deps.incidents.timeline(incident.id)
    names = {user: await _name(deps, user) for user in document_blocks.mentioned_users(events)}
    extra = {"timeline": document_blocks.timeline_text(events, names)}
    name = document_blocks.document_name(incident, DocumentKind.REVIEW)
    return await _make(deps, provider, incident, DocumentPlan(DocumentKind.REVIEW, template, name, extra))


async def make_executive_document(deps: Deps, incident: Incident, report: Report) -> Document | None:
    """One document per executive report, from the type's executive template."""
    provider = deps.providers.documents
    template = _template(deps, incident, DocumentKind.EXECUTIVE)
    if provider is None or not template:
        return None
    extra = document_blocks.report_placeholders(report, await _name(deps, report.author_id))
    name = document_blocks.document_name(incident, DocumentKind.EXECUTIVE, report)
    plan = DocumentPlan(document_blocks.executive_kind(report.id), template, name, extra)
    return await _make(deps, provider, incident, plan)


async def open_to_domain(deps: Deps, incident: Incident) -> None:
    """On close, when configured: everyone in the Workspace domain may read and comment the documents.
    A document the provider refuses is logged; the close stands."""
    provider, settings = deps.providers.documents, deps.settings.google
    if provider is None or not settings.open_on_close or not settings.domain:
        return
    for document in await deps.documents.for_incident(incident.id):
        if document.status is not ResourceStatus.READY or document.kind == DocumentKind.FOLDER:
            continue
        if document.external_id is None:
            continue
        try:
            await provider.open_to_domain(document.external_id, settings.domain)
        except ProviderError as exc:
            log.warning(
                "documents.open_to_domain_failed",
                incident=incident.reference,
                kind=document.kind,
                error=exc.detail,
            )


# ------------------------------------------------------------------ sharing


async def participant_emails(deps: Deps, incident: Incident) -> set[str]:
    """The email addresses of the incident's active people (bots and the unknown are left out)."""
    emails: set[str] = set()
    for participant in await deps.participants.members(incident.id):
        if participant.user_id == deps.identity.user_id:
            continue
        try:
            user = await deps.slack.user(participant.user_id)
        except ProviderError as exc:
            log.info("documents.participant_unknown", user=participant.user_id, error=exc.detail)
            continue
        if user.email and not user.is_bot and not user.deleted:
            emails.add(user.email.lower())
    return emails


# ------------------------------------------------------------------ the shared mechanics


@dataclass(frozen=True)
class DocumentPlan:
    """A document to make: its kind (one per report for executive ones), the template copied, its name,
    and the placeholder values of its own beside the incident's."""

    kind: str
    template: str
    name: str
    extra: Mapping[str, str]


async def _make(deps: Deps, provider: Documents, incident: Incident, plan: DocumentPlan) -> Document | None:
    """The planned document, made unless it was, then its bookmark and the header — redone even for
    a document made before, since a run may have stopped between making it and showing it. Raises
    `DocumentDelayed` (after the header shows the failure) when the provider refused for now."""
    kind = plan.kind
    document = await deps.documents.get(incident.id, kind)
    if document is None or document.status is not ResourceStatus.READY:
        try:
            document = await _create(deps, provider, incident, plan, document)
        except DocumentDelayed:
            await incident_channel.refresh(deps, incident)
            raise
    if document is not None and kind in (DocumentKind.INCIDENT, DocumentKind.REVIEW):
        await _bookmark(deps, incident, document)
    await incident_channel.refresh(deps, incident)
    return document


async def _create(
    deps: Deps, provider: Documents, incident: Incident, plan: DocumentPlan, existing: Document | None
) -> Document | None:
    """Folder, copy, fill, share — a copy made before is continued, not made again. A provider failure
    marks the kind failed (the header offers Retry) and returns None, or raises `DocumentDelayed` when
    the provider only refused for now."""
    kind = plan.kind
    emails = await participant_emails(deps, incident)
    try:
        folder = await _folder(deps, provider, incident)
        if existing is not None and existing.external_id:
            file = StoredFile(existing.external_id, existing.weblink or "")
        else:
            file = await provider.copy_template(plan.template, plan.name, folder.id)
            await deps.documents.mark_started(incident.id, kind, file.id, file.weblink)
        own = file if kind == DocumentKind.INCIDENT else None
        await provider.fill(file.id, {**await _values(deps, incident, folder, own), **plan.extra})
        everyone = sorted(emails | await deps.documents.shared_emails(incident.id))
        if everyone:
            await provider.share(folder.id, everyone)
            await provider.share(file.id, everyone)
    except ProviderError as exc:
        log.warning("documents.failed", incident=incident.reference, kind=kind, error=exc.detail)
        failed = await deps.documents.mark_failed(incident.id, kind, exc.detail)
        if isinstance(exc, ProviderUnavailable):
            raise DocumentDelayed(failed, exc) from exc
        return None
    await deps.documents.add_shares(incident.id, emails)
    return await deps.documents.mark_ready(incident.id, kind, file.id, file.weblink)


async def _folder(deps: Deps, provider: Documents, incident: Incident) -> StoredFile:
    """The incident's folder, made once; its failure is the failure of the document that needed it."""
    existing = await deps.documents.get(incident.id, DocumentKind.FOLDER)
    if existing is not None and existing.status is ResourceStatus.READY and existing.external_id:
        return StoredFile(existing.external_id, existing.weblink or "")
    folder = await provider.create_folder(document_blocks.folder_name(incident))
    await deps.documents.mark_ready(incident.id, DocumentKind.FOLDER, folder.id, folder.weblink)
    return folder


async def _values(
    deps: Deps, incident: Incident, folder: StoredFile, own: StoredFile | None
) -> dict[str, str]:
    """The incident's placeholder values as of now; `own` is the incident document being filled (its
    `document_weblink` is itself), otherwise that link points at the incident document, if made."""
    if own is None:
        incident_document = await deps.documents.get(incident.id, DocumentKind.INCIDENT)
        ready = incident_document is not None and incident_document.status is ResourceStatus.READY
        document_link = (incident_document.weblink or "") if incident_document and ready else ""
    else:
        document_link = own.weblink
    channel = incident.channel_id
    links = Links(
        conversation=document_blocks.conversation_link(deps.identity.url, channel) if channel else "",
        document=document_link,
        storage=folder.weblink,
    )
    return document_blocks.placeholders(incident, await _name(deps, incident.commander_id), links)


async def _name(deps: Deps, user_id: str) -> str:
    """A person's full name for a document; the id when Slack cannot say (the document still gets made)."""
    try:
        return (await deps.slack.user(user_id)).name
    except ProviderError as exc:
        log.info("documents.name_unknown", user=user_id, error=exc.detail)
        return user_id


async def _bookmark(deps: Deps, incident: Incident, document: Document) -> None:
    """A link at the top of the channel; Slack refusing it (an archived channel) costs only the link."""
    if incident.channel_id is None or not document.weblink:
        return
    try:
        await deps.slack.add_bookmark(incident.channel_id, document.label, document.weblink)
    except ProviderError as exc:
        log.info("documents.bookmark_failed", incident=incident.reference, error=exc.detail)


async def _review_on_stable(ctx: UpdateIncidentContext, incident: Incident) -> None:
    """The review document, announced; made once per incident, even if it becomes Stable again."""
    deps = ctx.deps
    if deps.providers.documents is None or not _template(deps, incident, DocumentKind.REVIEW):
        return
    if not ctx.state.review_started:
        existing = await deps.documents.get(incident.id, DocumentKind.REVIEW)
        if existing is not None and existing.status is ResourceStatus.READY:
            return
        await ctx.record(review_started=True)
    try:
        document = await make_review_document(deps, incident)
    except DocumentDelayed as delayed:
        await _retry_later(ctx, incident, delayed)
        return
    if document is not None:
        await _announce(ctx, "review_document", incident, review_ready(incident, document))


async def _retry_later(ctx: PostingContext, incident: Incident, delayed: DocumentDelayed) -> None:
    """Tell the channel once that the document is delayed, and start the run that makes the incident's
    failed documents again with back-off (keyed by the failure, like the Retry button's run)."""
    document, error = delayed.document, delayed.error
    notice = document_blocks.document_delayed(document, error.provider, rate_limited=error.rate_limited)
    await _announce(ctx, f"{document.kind}_delayed", incident, notice)
    failed_since = await ctx.deps.documents.last_failure_at(incident.id)
    stamp = failed_since.isoformat() if failed_since is not None else ctx.key
    await ctx.deps.runs.start(
        RETRY_DOCUMENTS, key=f"auto:{incident.id}:{stamp}", args=IncidentArgs(incident_id=incident.id)
    )


async def _announce(ctx: PostingContext, name: str, incident: Incident, message: Message) -> None:
    """Tell the channel about a document, once per run (a resumed run looks before posting again)."""
    if incident.channel_id is not None:
        await posting.post_once(ctx, name, incident.channel_id, message, skip_archived=True)


def _template(deps: Deps, incident: Incident, kind: DocumentKind) -> str:
    incident_type = deps.catalog.incident_type(incident.incident_type)
    return incident_type.templates.get(kind, "") if incident_type is not None else ""
