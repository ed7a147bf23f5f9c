"""`dispatchbot doctor`: check a deployment from the outside, one line per check with how to fix it.

It talks to what the bot talks to (Slack, the database, the providers) with the same clients and
adapters, but starts no bolt app, runs no migration and writes nothing. Independent checks run at
once, each under a short deadline, so a dead endpoint costs one failed line, not a hung command.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from dispatchbot.config import Settings
from dispatchbot.doctor.channels import channel_checks
from dispatchbot.doctor.database import database_check
from dispatchbot.doctor.providers import provider_checks
from dispatchbot.doctor.render import render_json, render_text
from dispatchbot.doctor.results import CheckResult, Status
from dispatchbot.doctor.slack import app_checks, slack_checks
from dispatchbot.doctor.threads import AbandoningExecutor
from dispatchbot.logs import RedactSecrets, configure_logging

CHECK_TIMEOUT_SECONDS = 10.0
EXIT_PROBLEMS = 1

__all__ = ["CHECK_TIMEOUT_SECONDS", "CheckResult", "Status", "diagnose", "run_doctor"]


async def diagnose(settings: Settings, *, deadline: float = CHECK_TIMEOUT_SECONDS) -> list[CheckResult]:
    """Every check's result, Slack first, then the database and the providers."""
    slack, app, database, providers = await asyncio.gather(
        _slack_then_channels(settings, deadline),
        app_checks(settings, deadline),
        database_check(settings, deadline),
        provider_checks(settings, deadline),
    )
    results = [*slack[:2], app, *slack[2:], database, *providers]
    return [_scrubbed(result, RedactSecrets(settings.secrets())) for result in results]


async def _slack_then_channels(settings: Settings, deadline: float) -> list[CheckResult]:
    """The channel checks need to know whether the token works and what it may post."""
    results, posting = await slack_checks(settings, deadline)
    return results + await channel_checks(settings, posting, deadline)


def run_doctor(settings: Settings, *, as_json: bool, stream: TextIO | None = None) -> int:
    """What `dispatchbot doctor [--json]` does: print the results; exit code 1 when any check failed."""
    output = stream if stream is not None else sys.stdout
    # Adapters log their failures as warnings; here each one is already a line of the report.
    configure_logging(level="ERROR", fmt=settings.log.format, secrets=settings.secrets())
    results = asyncio.run(_diagnose_abandoning_stuck_threads(settings))
    print(render_json(results) if as_json else render_text(results, output.encoding), file=output)
    return EXIT_PROBLEMS if any(not result.ok for result in results) else 0


async def _diagnose_abandoning_stuck_threads(settings: Settings) -> list[CheckResult]:
    asyncio.get_running_loop().set_default_executor(AbandoningExecutor())
    return await diagnose(settings)


def _scrubbed(result: CheckResult, redact: RedactSecrets) -> CheckResult:
    """Error texts come from libraries and servers: make sure none of them echoes a secret."""
    clean = redact(None, "doctor", {"detail": result.detail, "fix": result.fix})
    return CheckResult(result.check, result.status, str(clean["detail"]), str(clean["fix"]))
