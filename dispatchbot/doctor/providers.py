"""Provider checks: each configured adapter's credentials, each `[[services]]` id at its provider, and each
incident-document template, through the same adapters (and entry points) the bot loads.

An adapter's checks come from the optional `providers.health` protocols; a third-party adapter without
them is reported as not checked rather than failed. Services and templates are checked only once their
provider's credentials work, so one bad key gives one failed line, not one per service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from dispatchbot.config import Settings
from dispatchbot.doctor.results import CheckResult, failed, guarded, passed, skipped, warned
from dispatchbot.errors import ProviderError, StartupError
from dispatchbot.providers.documents import Documents
from dispatchbot.providers.health import DocumentsHealth, OncallHealth
from dispatchbot.providers.registry import Providers, load_providers

TEMPLATE_FIELDS = ("document_template", "review_template", "executive_template")
ACCESS_FIXES = {
    "pagerduty": "check [pagerduty] api_key (a REST API key from Integrations > API Access Keys) and api_url",
    "opsgenie": "check [opsgenie] api_key (an API integration's key with read and create rights) and api_url",
    "google": (
        "check [google] service_account_file, delegated_user (domain-wide delegation must grant the Drive "
        "and Docs scopes), token_uri and root_folder_id"
    ),
}
SERVICE_IDS = {"pagerduty": "a PagerDuty service id (P...)", "opsgenie": "an Opsgenie schedule name"}


async def provider_checks(settings: Settings, deadline: float) -> list[CheckResult]:
    try:
        providers = await asyncio.to_thread(load_providers, settings)
    except StartupError as exc:
        return [
            failed("providers", str(exc), "fix the settings named above; `dispatchbot run` stops on it too")
        ]
    groups = [_oncall_checks(settings, providers, name, deadline) for name in sorted(providers.oncall)]
    groups.append(_documents_checks(settings, providers.documents, deadline))
    results = [result for group in await asyncio.gather(*groups) for result in group]
    if not results:
        return [skipped("providers", "no on-call or documents provider is configured")]
    return results


async def _oncall_checks(
    settings: Settings, providers: Providers, name: str, deadline: float
) -> list[CheckResult]:
    adapter = providers.oncall[name]
    services = [service for service in settings.services if service.provider == name]
    access = f"{name} credentials"
    if not isinstance(adapter, OncallHealth):
        return [skipped(access, f"the {name} adapter offers no health check")]
    fix = ACCESS_FIXES.get(name, f"check [plugins.{name}]")
    results = [
        await guarded(access, _described(access, adapter.check_access(), fix), deadline=deadline, fix=fix)
    ]
    checks = []
    for service in services:
        check = f"service {service.name!r} ({name} {service.external_id})"
        if not results[0].ok:
            results.append(skipped(check, f"needs working {name} credentials"))
            continue
        service_fix = (
            f"set external_id of [[services]] {service.name!r} to "
            f"{SERVICE_IDS.get(name, 'the id ' + name + ' knows it by')}"
        )
        described = _described(check, adapter.check_service(service.external_id), service_fix)
        checks.append(guarded(check, described, deadline=deadline, fix=service_fix))
    return results + list(await asyncio.gather(*checks))


async def _documents_checks(
    settings: Settings, documents: Documents | None, deadline: float
) -> list[CheckResult]:
    templates: dict[str, list[str]] = {}
    for kind in settings.incident_types:
        for field_name in TEMPLATE_FIELDS:
            template_id = getattr(kind, field_name)
            if template_id:
                templates.setdefault(template_id, []).append(f"{kind.name!r} {field_name}")
    if documents is None:
        if not templates:
            return []
        return [
            warned(
                "document templates",
                f"{len(templates)} template(s) set but no documents provider, so no documents are made",
                "configure [google] (service_account_file), or remove the ids from [[incident_types]]",
            )
        ]
    access = f"{documents.name} credentials"
    if not isinstance(documents, DocumentsHealth):
        return [skipped(access, f"the {documents.name} adapter offers no health check")]
    fix = ACCESS_FIXES.get(documents.name, f"check [plugins.{documents.name}]")
    results = [
        await guarded(access, _described(access, documents.check_access(), fix), deadline=deadline, fix=fix)
    ]
    checks = []
    for template_id, uses in templates.items():
        check = f"template {template_id} ({', '.join(uses)})"
        if not results[0].ok:
            results.append(skipped(check, f"needs working {documents.name} credentials"))
            continue
        template_fix = (
            "share the template with the account the bot acts as ([google] delegated_user), or fix the id "
            "in [[incident_types]]"
        )
        described = _described(check, documents.check_file(template_id), template_fix)
        checks.append(guarded(check, described, deadline=deadline, fix=template_fix))
    return results + list(await asyncio.gather(*checks))


async def _described(check: str, work: Awaitable[str], fix: str) -> CheckResult:
    """A health method's line as a result: its answer passes, its `ProviderError` fails with `fix`."""
    try:
        return passed(check, await work)
    except ProviderError as exc:
        return failed(check, exc.detail, fix)
