"""Cross-checks between sections that no single section can make: the catalog (incident types,
priorities, severities) has unique names and one default at most, and every name a role policy, a
notification or feedback refers to exists. All problems are reported at once, one clause each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dispatchbot.config.workflows import parse_github_workflow

if TYPE_CHECKING:
    from dispatchbot.config.sections import Settings


def catalog_problems(settings: Settings) -> list[str]:
    """In a stable order: the catalog's names, its defaults, the services, then what refers to them."""
    catalog = {
        "incident_types": [entry.name for entry in settings.incident_types],
        "priorities": [entry.name for entry in settings.priorities],
        "severities": [entry.name for entry in settings.severities],
    }
    problems = [problem for label, names in catalog.items() for problem in _name_problems(label, names)]
    for label, entries in (("priorities", settings.priorities), ("severities", settings.severities)):
        if sum(1 for entry in entries if entry.default) > 1:
            problems.append(f"{label}: more than one is marked default = true")
    services = [service.name for service in settings.services]
    problems += _duplicates("services", services)
    known = {label: set(names) for label, names in catalog.items()}
    problems += _reference_problems(settings, known, services) + _alert_problems(settings, services)
    return problems + _case_problems(settings, known, services) + _workflow_problems(settings)


def _workflow_problems(settings: Settings) -> list[str]:
    """Workflows: unique names and parameter keys, a GitHub workflow's resource_id in its form, and every
    workflow a signal runs exists."""
    names = [workflow.name for workflow in settings.workflows]
    problems = _duplicates("workflows", names)
    for index, workflow in enumerate(settings.workflows):
        keys = [parameter.key for parameter in workflow.parameters]
        problems += _duplicates(f"workflows[{index}] ({workflow.name}).parameters", keys)
        if workflow.provider == "github_actions":
            try:
                parse_github_workflow(workflow.resource_id)
            except ValueError as exc:
                problems.append(f"workflows[{index}] ({workflow.name}).resource_id: {exc}")
    for index, signal in enumerate(settings.signals):
        problems += _unknown(f"signals[{index}] ({signal.name}).workflows", signal.workflows, set(names))
    return problems


def _alert_problems(settings: Settings, services: list[str]) -> list[str]:
    """Sources and signals: unique names, and every source and on-call service a signal names exists."""
    sources = [source.name for source in settings.alert_sources]
    problems = _duplicates("alert_sources", sources)
    problems += _duplicates("signals", [signal.name for signal in settings.signals])
    for index, signal in enumerate(settings.signals):
        if signal.source and signal.source not in sources:
            problems.append(f"signals[{index}] ({signal.name}).source: no alert source {signal.source!r}")
        if signal.oncall_service and signal.oncall_service not in services:
            problems.append(
                f"signals[{index}] ({signal.name}).oncall_service: no service named {signal.oncall_service!r}"
            )
        if signal.route == "page" and not signal.oncall_service:
            problems.append(f'signals[{index}] ({signal.name}): route "page" needs an oncall_service')
    return problems


def _case_problems(settings: Settings, known: dict[str, set[str]], services: list[str]) -> list[str]:
    """The case catalog: unique names, one default priority at most, references that resolve, a
    channel for every signal that opens cases, and an entity it extracts for each one that engages."""
    types = [entry.name for entry in settings.case_types]
    priorities = [entry.name for entry in settings.case_priorities]
    problems = _name_problems("case_types", types) + _name_problems("case_priorities", priorities)
    if sum(1 for entry in settings.case_priorities if entry.default) > 1:
        problems.append("case_priorities: more than one is marked default = true")
    for index, case_type in enumerate(settings.case_types):
        where = f"case_types[{index}] ({case_type.name})"
        if case_type.oncall_service and case_type.oncall_service not in services:
            problems.append(f"{where}.oncall_service: no service named {case_type.oncall_service!r}")
        if case_type.incident_type and case_type.incident_type not in known["incident_types"]:
            problems.append(f"{where}.incident_type: no incident type {case_type.incident_type!r}")
    for index, signal in enumerate(settings.signals):
        where = f"signals[{index}] ({signal.name})"
        if signal.case_type and signal.case_type not in types:
            problems.append(f"{where}.case_type: no case type {signal.case_type!r}")
        if signal.case_priority and signal.case_priority not in priorities:
            problems.append(f"{where}.case_priority: no case priority {signal.case_priority!r}")
        unknown_entities = sorted(set(signal.dedup_entities) - set(signal.entities))
        if unknown_entities:
            problems.append(f"{where}.dedup_entities: not among its entities {unknown_entities}")
        if signal.dedup_entities and signal.route != "case":
            problems.append(f'{where}.dedup_entities: only for route "case"')
        if signal.route == "case" and types and not settings.case_channel(signal):
            problems.append(f'{where}: route "case" needs a channel ({CASE_CHANNELS})')
        if signal.engage and signal.engage not in signal.entities:
            problems.append(f"{where}.engage: no entity {signal.engage!r} in its entities")
        if signal.engage and signal.route != "case":
            problems.append(f'{where}.engage: only signals with route "case" engage someone')
    return problems


CASE_CHANNELS = "the signal's, its case type's or [alerts] default_channel"


def _reference_problems(settings: Settings, known: dict[str, set[str]], services: list[str]) -> list[str]:
    problems: list[str] = []
    for index, policy in enumerate(settings.role_policies):
        for field_name in ("incident_types", "priorities"):
            problems += _unknown(
                f"role_policies[{index}].{field_name}", getattr(policy, field_name), known[field_name]
            )
        if policy.oncall_service and policy.oncall_service not in services:
            problems.append(
                f"role_policies[{index}].oncall_service: no service named {policy.oncall_service!r}"
            )
    unknown_shifts = sorted(set(settings.feedback.shift_services) - set(services))
    if unknown_shifts:
        problems.append(f"feedback.shift_services: unknown services {unknown_shifts}")
    for index, target in enumerate(settings.notifications):
        for field_name in ("incident_types", "severities", "priorities"):
            problems += _unknown(
                f"notifications[{index}].{field_name}", getattr(target, field_name), known[field_name]
            )
    return problems


def _name_problems(label: str, names: list[str]) -> list[str]:
    return ([] if names else [f"{label}: at least one is needed"]) + _duplicates(label, names)


def _duplicates(label: str, names: list[str]) -> list[str]:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    return [f"{label}: duplicate names {duplicates}"] if duplicates else []


def _unknown(label: str, given: Sequence[str], known: set[str]) -> list[str]:
    unknown = sorted(set(given) - known)
    return [f"{label}: unknown {unknown}"] if unknown else []
