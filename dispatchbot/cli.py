"""`dispatchbot` command line: every failure is one line on stderr and an exit code, never a traceback.

Exit codes: 0 done (and `run` stopped by SIGTERM), 1 the command failed (start-up, database, a bug),
2 the configuration or the command line is wrong, 130 interrupted by SIGINT (Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import json
import os
import signal
import sys
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dispatchbot.errors import StartupError
from dispatchbot.logs import configure_logging, get_logger

if TYPE_CHECKING:
    from dispatchbot.alerting.model import Alert, AuditEntry
    from dispatchbot.app import Extension
    from dispatchbot.config import Settings
    from dispatchbot.services.alerts import AlertService
    from dispatchbot.storage.engine import Database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 128 + signal.SIGINT
DEBUG_HINT = "run with DISPATCHBOT_LOG__LEVEL=DEBUG for details"

T = TypeVar("T")


class CommandError(Exception):
    """A command could not do its job for a reason the operator can act on; printed as one line."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `dispatchbot` console script; returns the process exit code.

    pydantic and the rest are imported under this guard, not at module level, so a Ctrl-C in the
    first second ends with exit code 130 instead of a traceback from the middle of an import.
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("dispatchbot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Import the heavy modules with the garbage collector off, then freeze what they made.

    Importing the bot makes about 190,000 long-lived objects, and the collector would walk them
    again and again while they are made: about 180 ms of every restart, which a reporter waiting on
    a resumed run pays. Frozen (`gc.freeze`), they stay out of every later collection too.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _main(argv: Sequence[str] | None) -> int:
    with _collector_paused():
        from dispatchbot.config import ConfigError, load_settings

    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed them
        return exc.code if isinstance(exc.code, int) else EXIT_CONFIG
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_CONFIG
    settings: Settings | None = None
    try:
        settings = load_settings(getattr(args, "config", None))
        return int(args.handler(settings, args))
    except ConfigError as exc:
        return _report_config(exc.problems)
    except CommandError as exc:
        print(f"dispatchbot: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        return _report_unexpected(exc, settings)


class _CommandParser(argparse.ArgumentParser):
    """Every command and sub-command parser takes `--config`, so it may come before or after the command.

    `add_subparsers` builds sub-parsers of its parser's class, so a command added later gets the option
    too. The default is SUPPRESS so a sub-parser never overwrites a value given before the command.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument(
            "--config",
            type=Path,
            default=argparse.SUPPRESS,
            metavar="PATH",
            help="TOML config file (default: $DISPATCHBOT_CONFIG, else ./config.toml if it exists)",
        )


def _parser() -> argparse.ArgumentParser:
    parser = _CommandParser(prog="dispatchbot", description="Slack-first incident management bot.")
    parser.add_argument("--version", action="version", version=f"dispatchbot {_version()}")
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
    doctor = commands.add_parser("doctor", help="check tokens, scopes, channels, database, providers")
    doctor.add_argument("--json", action="store_true", help="print the results as a JSON list")
    doctor.set_defaults(handler=_doctor)
    scheduler = commands.add_parser("scheduler", help="scheduled jobs").add_subparsers(metavar="ACTION")
    scheduler.add_parser("list", help="jobs, periods, last and next runs, leader").set_defaults(
        handler=_scheduler_list
    )
    run_job = scheduler.add_parser("run", help="run one tick of a job now")
    run_job.add_argument("job")
    run_job.set_defaults(handler=_scheduler_run)
    alerts = commands.add_parser("alerts", help="stored alerts").add_subparsers(metavar="ACTION")
    listing = alerts.add_parser("list", help="the newest alerts: state, severity, count, last seen")
    listing.add_argument("--firing", action="store_true", help="only the alerts still firing")
    listing.add_argument("--limit", type=_positive, default=50, metavar="N", help="at most N (default 50)")
    listing.set_defaults(handler=_alerts_list)
    show = alerts.add_parser("show", help="every alert of SOURCE and KEY, with its audit trail")
    show.add_argument("source", metavar="SOURCE", help="the source's name, as in POST /alerts/SOURCE")
    show.add_argument("key", metavar="KEY", help="the de-duplication key, as answered in the 202")
    show.set_defaults(handler=_alerts_show)
    sandbox = commands.add_parser("sandbox", help="try the bot in a local workspace in your browser")
    sandbox.add_argument("--port", type=int, default=8090, help="the web UI's port (default 8090)")
    sandbox.add_argument(
        "--db", metavar="PATH", help="SQLite database, kept with the workspace (default: fresh on each start)"
    )
    sandbox.add_argument("--seed", choices=("demo", "empty"), default="empty", help="what to start with")
    sandbox.add_argument("--open", action="store_true", help="open the UI in a browser")
    sandbox.set_defaults(handler=_sandbox)
    return parser


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from dispatchbot.sandbox.run import Options, SandboxError, run

    options = Options(
        port=args.port,
        database=None if args.db is None else Path(args.db),
        seed=args.seed,
        open_browser=args.open,
        config=getattr(args, "config", None),
    )
    try:
        return run(options, settings.commands.model_dump())
    except SandboxError as exc:
        raise CommandError(str(exc)) from None


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return number


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    return run_daemon(settings)


def run_daemon(settings: Settings, extensions: Sequence[Extension] = ()) -> int:
    """What `dispatchbot run` does once the settings are loaded; returns the exit code.

    SIGTERM (the supervisor's stop) exits 0; SIGINT exits 130, the shell's code for an interrupted
    command. Either one stops start-up at once.
    """
    with _collector_paused():
        from dispatchbot.app import Bot
    refused = _refuse_to_run(settings)
    if refused is not None:
        return refused

    try:
        received = asyncio.run(Bot(settings, extensions=extensions).run_until_signalled())
    except StartupError as exc:
        return _cannot_start(str(exc))
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
            raise
        return _cannot_start(
            f"cannot listen on {settings.http.host}:{settings.http.port} ({exc.strerror}) — set "
            "DISPATCHBOT_HTTP__PORT to a free port, or DISPATCHBOT_HTTP__HOST to a local address"
        )
    return EXIT_INTERRUPTED if received == signal.SIGINT else EXIT_OK


def _refuse_to_run(settings: Settings) -> int | None:
    """The exit code when the settings cannot run the bot (their problems printed); None when they can,
    logging then set up as they say. Shared by `run` and `scheduler run`, which both boot the bot."""
    from dispatchbot.config import runtime_problems

    problems = runtime_problems(settings)
    if problems:
        return _report_config(problems)
    configure_logging(level=settings.log.level, fmt=settings.log.format, secrets=settings.secrets())
    return None


def _cannot_start(reason: str) -> int:
    get_logger("dispatchbot").error("bot.startup_failed", reason=reason)
    print(f"dispatchbot: cannot start: {reason}", file=sys.stderr)
    return EXIT_FAILED


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.storage import migrate

    async def upgrade(database: Database) -> str | None:
        await migrate.upgrade(database)
        return await migrate.current_revision(database)

    print(f"database at revision {_on_database(settings, upgrade, create=True)}")
    return 0


def _db_current(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.storage import migrate

    revision = _on_database(settings, migrate.current_revision)
    head = migrate.HEAD_REVISION
    if revision == head:
        state = "up to date"
    elif revision is None or migrate.is_known(revision):
        state = f"behind (head is {head}; run `dispatchbot db upgrade`)"
    else:
        state = f"newer than this release's {head} (written by a newer dispatchbot; upgrade dispatchbot)"
    print(f"{revision or 'empty'} — {state}")
    return 0


def _config_show(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.config import masked_dict

    print(_to_toml(masked_dict(settings)))
    return 0


def _manifest(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.config import SlackMode
    from dispatchbot.manifest import build_manifest

    if settings.slack.mode is SlackMode.HTTP and not settings.slack.public_url:
        print(
            "dispatchbot: warning: slack.public_url is not set, so the manifest's request URLs are relative "
            "(/slack/events) and Slack will refuse them — set DISPATCHBOT_SLACK__PUBLIC_URL (or public_url "
            "in [slack]) to the bot's public https:// address",
            file=sys.stderr,
        )
    print(json.dumps(build_manifest(settings), indent=2))
    return 0


def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    from dispatchbot.doctor import run_doctor

    return run_doctor(settings, as_json=args.json)


def _scheduler_list(settings: Settings, _args: argparse.Namespace) -> int:
    from dispatchbot.clock import SystemClock
    from dispatchbot.domain import JobState
    from dispatchbot.scheduler.jobs import job_specs
    from dispatchbot.services.scheduler_jobs import JobStateService

    async def states(database: Database) -> tuple[dict[str, JobState], str]:
        await _check_schema(database)
        return await JobStateService(database.sessions, SystemClock()).all(), database.dialect

    found, dialect = _on_database(settings, states)
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


def _alerts_list(settings: Settings, args: argparse.Namespace) -> int:
    from dispatchbot.cli_alerts import alert_table

    async def newest(database: Database) -> list[Alert]:
        await _check_schema(database, current=True)
        return await _alert_service(settings, database).listing(firing_only=args.firing, limit=args.limit)

    alerts = _on_database(settings, newest)
    if not alerts:
        print("No firing alerts." if args.firing else "No alerts.")
    else:
        print(alert_table(alerts, datetime.now(UTC)))
    return EXIT_OK


def _alerts_show(settings: Settings, args: argparse.Namespace) -> int:
    from dispatchbot.cli_alerts import alert_details, plain

    async def with_trails(database: Database) -> list[tuple[Alert, list[AuditEntry]]]:
        await _check_schema(database, current=True)
        service = _alert_service(settings, database)
        return [
            (alert, await service.audit_trail(alert.id))
            for alert in await service.find(args.source, args.key)
        ]

    found = _on_database(settings, with_trails)
    if not found:
        raise CommandError(f"no alert from {plain(args.source)} with key {plain(args.key)}")
    now = datetime.now(UTC)
    print("\n\n".join(alert_details(alert, trail, now) for alert, trail in found))
    return EXIT_OK


def _alert_service(settings: Settings, database: Database) -> AlertService:
    """The alert service for reading: the router only times acknowledgements, which reading never does."""
    from dispatchbot.alerting.routing import SignalRouter
    from dispatchbot.clock import SystemClock
    from dispatchbot.services.alerts import AlertService

    return AlertService(database.sessions, SystemClock(), SignalRouter(settings))


def _scheduler_run(settings: Settings, args: argparse.Namespace) -> int:
    with _collector_paused():
        from dispatchbot.app import Bot
    refused = _refuse_to_run(settings)
    if refused is not None:
        return refused

    try:
        asyncio.run(Bot(settings).run_job(args.job))
    except StartupError as exc:
        print(f"dispatchbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"ran {args.job}")
    return 0


async def _check_schema(database: Database, *, current: bool = False) -> None:
    """Refuse a database that was never migrated. A schema behind this release's is a warning, or
    (`current`: the command reads tables or columns a pending migration makes) a refusal."""
    from dispatchbot.storage import migrate

    revision = await migrate.current_revision(database)
    if revision is None:
        raise CommandError("database not migrated — run `dispatchbot db upgrade`")
    if revision == migrate.HEAD_REVISION:
        return
    behind = migrate.is_known(revision)
    if behind and current:
        raise CommandError(
            f"the database schema is at {revision}, behind this release's {migrate.HEAD_REVISION} — "
            "run `dispatchbot db upgrade`"
        )
    state = "behind — run `dispatchbot db upgrade`" if behind else "newer than this release's"
    print(f"dispatchbot: warning: the database schema is {state}", file=sys.stderr)


def _on_database(settings: Settings, use: Callable[[Database], Awaitable[T]], *, create: bool = False) -> T:
    """Run `use` on the configured database, turning the ways that fails into one-line `CommandError`s.

    Unless `create` is set, a missing SQLite file is reported rather than created, so looking at a
    deployment (`db current`, `scheduler list`) never leaves an empty database behind.
    """
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from dispatchbot.config import masked_dict
    from dispatchbot.storage.engine import NoDatabase, open_database, open_existing_database
    from dispatchbot.storage.migrate import SchemaFromNewerRelease

    async def session() -> T:
        url = settings.database.url
        database = open_database(url) if create else open_existing_database(url)
        try:
            return await use(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(session())
    except NoDatabase as exc:
        raise CommandError(
            f"no database at {exc.path} (run `dispatchbot db upgrade` or `dispatchbot run` to create it)"
        ) from None
    except SchemaFromNewerRelease as exc:
        raise CommandError(f"database {masked_dict(settings)['database']['url']}: {exc}") from None
    except (OSError, SQLAlchemyError) as exc:
        cause: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        server = "" if settings.database.url.startswith("sqlite") else " and that the server is up"
        raise CommandError(
            f"database {masked_dict(settings)['database']['url']}: {_one_line(cause)} — check database.url "
            f"(DISPATCHBOT_DATABASE__URL or DATABASE_URL){server}"
        ) from None


def _one_line(exc: BaseException) -> str:
    """A driver's error as one short line: the OS reason, or the first line without a class prefix."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if first.startswith("<class '"):  # SQLAlchemy's asyncpg adapter: "<class 'asyncpg....Error'>: reason"
        first = first.partition(">: ")[2] or first
    return first


def _report_unexpected(exc: Exception, settings: Settings | None) -> int:
    """A bug, not an operator's mistake: one line with an id to quote; the traceback only at DEBUG."""
    error_id = uuid.uuid4().hex[:8]
    level = settings.log.level if settings is not None else os.environ.get("DISPATCHBOT_LOG__LEVEL", "")
    print(f"dispatchbot: unexpected error {error_id} ({type(exc).__name__}) — {DEBUG_HINT}", file=sys.stderr)
    if level.upper() == "DEBUG":
        print(f"error {error_id}:", file=sys.stderr)
        traceback.print_exception(exc, file=sys.stderr)
    return EXIT_FAILED


def _version() -> str:
    try:
        return metadata.version("dispatchbot")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


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
    """Tables and arrays of tables, as all our settings are; free-form tables (plugins) go inline."""
    lines: list[str] = []
    for section, values in data.items():
        tables = values if isinstance(values, list) else [values]
        for table in tables:
            lines.append(f"[[{section}]]" if isinstance(values, list) else f"[{section}]")
            lines.extend(  # TOML has no null: an unset optional key is left out, as in the file
                f"{_toml_key(key)} = {_toml_value(value)}"
                for key, value in table.items()
                if value is not None
            )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _toml_value(value: Any) -> str:
    """JSON's strings, numbers, booleans and arrays are TOML (unescaped non-ASCII: TOML has no surrogates)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(key)} = {_toml_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _toml_key(key: str) -> str:
    bare = key and all(char.isascii() and (char.isalnum() or char in "_-") for char in key)
    return key if bare else json.dumps(key, ensure_ascii=False)
