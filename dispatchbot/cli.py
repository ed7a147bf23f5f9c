"""`dispatchbot` command line. Operator mistakes end with exit code 2 and one line per problem."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dispatchbot.config import ConfigError, Settings, load_settings, masked_dict, runtime_problems
from dispatchbot.errors import StartupError
from dispatchbot.logs import configure_logging, get_logger

if TYPE_CHECKING:
    from dispatchbot.app import Extension

EXIT_CONFIG = 2
EXIT_STARTUP = 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `dispatchbot` console script; returns the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_CONFIG
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        return _report_config(exc.problems)
    return int(args.handler(settings, args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dispatchbot", description="Slack-first incident management bot.")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="TOML config file (default: $DISPATCHBOT_CONFIG or ./config.toml)",
    )
    commands = parser.add_subparsers(metavar="COMMAND")
    commands.add_parser("run", help="run the bot").set_defaults(handler=_run)
    database = commands.add_parser("db", help="database schema").add_subparsers(metavar="ACTION")
    database.add_parser("upgrade", help="apply pending migrations").set_defaults(handler=_db_upgrade)
    database.add_parser("current", help="show the schema revision").set_defaults(handler=_db_current)
    config = commands.add_parser("config", help="configuration").add_subparsers(metavar="ACTION")
    config.add_parser("show", help="print the effective configuration, secrets masked").set_defaults(
        handler=_config_show
    )
    commands.add_parser("manifest", help="print the Slack app manifest (JSON)").set_defaults(
        handler=_manifest
    )
    scheduler = commands.add_parser("scheduler", help="scheduled jobs").add_subparsers(metavar="ACTION")
    scheduler.add_parser("list", help="jobs, periods, last and next runs, leader").set_defaults(
        handler=_scheduler_list
    )
    run_job = scheduler.add_parser("run", help="run one tick of a job now")
    run_job.add_argument("job")
    run_job.set_defaults(handler=_scheduler_run)
    return parser


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    return run_daemon(settings)


def run_daemon(settings: Settings, extensions: Sequence[Extension] = ()) -> int:
    """What `dispatchbot run` does once the settings are loaded; returns the exit code."""
    problems = runtime_problems(settings)
    if problems:
        return _report_config(problems)
    configure_logging(level=settings.log.level, fmt=settings.log.format, secrets=settings.secrets())
    from dispatchbot.app import Bot

    try:
        asyncio.run(Bot(settings, extensions=extensions).run_until_signalled())
    except StartupError as exc:
        get_logger("dispatchbot").error("bot.startup_failed", reason=str(exc))
        print(f"dispatchbot: cannot start: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    return 0


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.storage import migrate
    from dispatchbot.storage.engine import open_database

    async def upgrade() -> str | None:
        database = open_database(settings.database.url)
        try:
            await migrate.upgrade(database)
            return await migrate.current_revision(database)
        finally:
            await database.dispose()

    print(f"database at revision {asyncio.run(upgrade())}")
    return 0


def _db_current(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.storage import migrate
    from dispatchbot.storage.engine import open_database

    async def current() -> str | None:
        database = open_database(settings.database.url)
        try:
            return await migrate.current_revision(database)
        finally:
            await database.dispose()

    revision = asyncio.run(current())
    head = migrate.head_revision()
    state = "up to date" if revision == head else f"behind (head is {head}; run `dispatchbot db upgrade`)"
    print(f"{revision or 'empty'} — {state}")
    return 0


def _config_show(settings: Settings, _args: argparse.Namespace) -> int:
    print(_to_toml(masked_dict(settings)))
    return 0


def _manifest(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.manifest import build_manifest

    print(json.dumps(build_manifest(settings), indent=2))
    return 0


def _scheduler_list(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.clock import SystemClock
    from dispatchbot.scheduler.jobs import job_specs
    from dispatchbot.services.scheduler_jobs import JobState, JobStateService
    from dispatchbot.storage.engine import open_database

    async def states() -> tuple[dict[str, JobState], str]:
        database = open_database(settings.database.url)
        try:
            return await JobStateService(database.sessions, SystemClock()).all(), database.dialect
        finally:
            await database.dispose()

    found, dialect = asyncio.run(states())
    print(f"{'job':22} {'every':>8}  {'leader only':11}  {'last run (UTC)':19}  {'next run (UTC)':19}  error")
    leaders: set[str] = set()
    for spec in job_specs(settings):
        state = found.get(spec.name)
        last = state.last_started_at if state else None
        upcoming = last + spec.every if last else None
        if state and state.leader:
            leaders.add(state.leader)
        only = "yes" if spec.leader_only else "no"
        error = (state.last_error if state else None) or "-"
        print(
            f"{spec.name:22} {_duration(spec.every.total_seconds()):>8}  {only:11}  "
            f"{_when(last):19}  {_when(upcoming):19}  {error}"
        )
    if dialect == "sqlite":
        print("leader: this single replica (SQLite)")
    else:
        print(f"leader: {', '.join(sorted(leaders)) or 'none yet'} (the last to run leader-only jobs)")
    return 0


def _scheduler_run(settings: Settings, args: argparse.Namespace) -> int:
    problems = runtime_problems(settings)
    if problems:
        return _report_config(problems)
    configure_logging(level=settings.log.level, fmt=settings.log.format, secrets=settings.secrets())
    from dispatchbot.app import Bot

    try:
        asyncio.run(Bot(settings).run_job(args.job))
    except StartupError as exc:
        print(f"dispatchbot: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    print(f"ran {args.job}")
    return 0


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds:g}s"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"


def _report_config(problems: list[str]) -> int:
    print("dispatchbot: invalid configuration:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_CONFIG


def _to_toml(data: dict[str, Any]) -> str:
    """Tables and arrays of tables of scalars and lists: all our settings are (JSON literals are TOML)."""
    lines: list[str] = []
    for section, values in data.items():
        tables = values if isinstance(values, list) else [values]
        for table in tables:
            lines.append(f"[[{section}]]" if isinstance(values, list) else f"[{section}]")
            lines.extend(f"{key} = {json.dumps(value)}" for key, value in table.items())
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
