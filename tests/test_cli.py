"""The `dispatchbot` command line as a newcomer meets it: one clear line and an exit code, no traceback."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sqlite3
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

from dispatchbot import __version__
from dispatchbot.cli import _report_unexpected, main
from dispatchbot.config import LogSettings, Settings, load_settings
from dispatchbot.storage.migrate import HEAD_REVISION
from dispatchbot.testing import FakeSlack
from tests.support.bot import BotProcess, bot_environment, free_port
from tests.support.waiting import eventually

Run = tuple[int, str, str]
Cli = Callable[..., Run]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """`dispatchbot ARGS` in this process: exit code, stdout, stderr; never a traceback."""

    def run(*args: str) -> Run:
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        return code, captured.out, captured.err

    return run


def _problems(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines()[1:]]


# --config before or after the command


@pytest.mark.parametrize(
    "args",
    [
        ["--config", "c.toml", "config", "show"],
        ["config", "show", "--config", "c.toml"],
        ["config", "--config", "c.toml", "show"],
    ],
)
def test_config_option_before_or_after_the_command(cli: Cli, args: list[str]) -> None:
    Path("c.toml").write_text('[slack]\napp_name = "from-the-file"\n')
    code, out, _ = cli(*args)
    assert code == 0
    assert tomllib.loads(out)["slack"]["app_name"] == "from-the-file"


def test_config_option_after_run_and_db_upgrade(cli: Cli, tmp_path: Path) -> None:
    Path("c.toml").write_text(f'[database]\nurl = "sqlite:///{tmp_path}/file.db"\n')
    code, _, err = cli("run", "--config", "c.toml")
    assert code == 2  # the file was read: the problems are the missing tokens, not the command line
    assert "slack.bot_token: missing" in err
    code, out, _ = cli("db", "upgrade", "--config", "c.toml")
    assert code == 0
    assert out.startswith("database at revision ")
    assert (tmp_path / "file.db").is_file()


def test_version(cli: Cli) -> None:
    code, out, _ = cli("--version")
    assert (code, out.strip()) == (0, f"dispatchbot {metadata.version('dispatchbot')}")


def test_unknown_command_is_a_usage_error(cli: Cli) -> None:
    code, _, err = cli("nope")
    assert code == 2
    assert "invalid choice: 'nope'" in err


# database URLs


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "postgres://bot:pw@db.example.com:5432/incidents",
            "postgresql+asyncpg://bot:pw@db.example.com:5432/incidents",
        ),
        ("postgresql://bot@db/incidents", "postgresql+asyncpg://bot@db/incidents"),
        (
            "postgres://bot:pw@db/incidents?sslmode=require",
            "postgresql+asyncpg://bot:pw@db/incidents?ssl=require",
        ),
        ("postgresql+asyncpg://bot@db/incidents", "postgresql+asyncpg://bot@db/incidents"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite:////var/lib/dispatchbot/x.db", "sqlite+aiosqlite:////var/lib/dispatchbot/x.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_urls_are_completed_with_the_async_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", given)
    assert load_settings().database.url == used


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("mysql://bot:hunter22@db/incidents", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://bot:hunter22@db/x", "driver 'psycopg2' is not supported"),
        ("db.example.com/incidents", "not a database URL"),
    ],
)
def test_unsupported_database_url_names_the_key(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, given: str, problem: str
) -> None:
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", given)
    code, _, err = cli("db", "current")
    assert code == 2
    [line] = _problems(err)
    assert line.startswith(f"database.url: {problem} — use ")
    assert "DISPATCHBOT_DATABASE__URL" in line
    assert "hunter22" not in err


def test_platform_database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """DISPATCHBOT_DATABASE__URL, then DATABASE_URL (as Heroku sets it), then the file, then the default."""
    config = tmp_path / "c.toml"
    config.write_text('[database]\nurl = "sqlite:///from-file.db"\n')
    assert load_settings(config).database.url == "sqlite+aiosqlite:///from-file.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@platform/db?sslmode=require")
    assert load_settings(config).database.url == "postgresql+asyncpg://u:p@platform/db?ssl=require"
    assert load_settings().database.url == "postgresql+asyncpg://u:p@platform/db?ssl=require"
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", "sqlite:///ours.db")
    assert load_settings(config).database.url == "sqlite+aiosqlite:///ours.db"


def test_bad_platform_database_url_says_where_it_came_from(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://u:secret1@platform/db")
    code, _, err = cli("config", "show")
    assert code == 2
    assert _problems(err) == [
        "DATABASE_URL: unsupported database 'mysql' — use sqlite:///PATH.db or "
        "postgresql://USER:PASSWORD@HOST:PORT/NAME"
    ]


# commands that look must not create, and database failures are one line


def test_read_only_commands_never_create_the_database(cli: Cli, tmp_path: Path) -> None:
    for args in (["db", "current"], ["scheduler", "list"], ["config", "show"], ["manifest"]):
        code, _, err = cli(*args)
        if args[0] in ("db", "scheduler"):
            assert code == 1
            assert err.strip() == (
                f"dispatchbot: no database at {tmp_path}/dispatchbot.db "
                "(run `dispatchbot db upgrade` or `dispatchbot run` to create it)"
            )
        else:
            assert code == 0
    assert list(tmp_path.iterdir()) == []


async def test_scheduler_list_before_any_migration(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        (tmp_path / "dispatchbot.db").touch()  # there, but empty
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", database_url)
    code, out, err = await asyncio.to_thread(cli, "scheduler", "list")
    assert (code, out) == (1, "")
    assert err == "dispatchbot: database not migrated — run `dispatchbot db upgrade`\n"


@pytest.mark.parametrize("command", [["db", "current"], ["db", "upgrade"], ["scheduler", "list"]])
def test_unreachable_postgresql_is_one_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", f"postgresql://bot:hunter22@127.0.0.1:{free_port()}/x")
    code, out, err = cli(*command)
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith("dispatchbot: database postgresql+asyncpg://bot:***@127.0.0.1:")
    assert "Connect call failed" in line
    assert "check database.url (DISPATCHBOT_DATABASE__URL or DATABASE_URL) and that the server is up" in line
    assert "hunter22" not in err


def test_a_file_that_is_not_a_database(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "dispatchbot.db").write_text("these are my notes\n")
    code, _, err = cli("db", "current")
    assert code == 1
    assert err == (
        "dispatchbot: database sqlite+aiosqlite:///./dispatchbot.db: file is not a database"
        " — check database.url (DISPATCHBOT_DATABASE__URL or DATABASE_URL)\n"
    )


def _migrated_by_a_newer_release(path: Path) -> None:
    """A database a newer dispatchbot migrated: at a revision this release does not ship."""
    assert main(["db", "upgrade"]) == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")


NEWER = (
    "its schema is at revision f00dcafe, written by a newer dispatchbot than this one "
    f"({__version__}, schema {HEAD_REVISION}) — upgrade dispatchbot, or use another database"
)


def test_a_database_from_a_newer_release_is_named_so(
    cli: Cli, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _migrated_by_a_newer_release(tmp_path / "dispatchbot.db")
    capsys.readouterr()  # what the upgrade printed
    code, out, err = cli("db", "current")
    assert (code, err) == (0, "")
    assert out == (
        f"f00dcafe — newer than this release's {HEAD_REVISION} "
        "(written by a newer dispatchbot; upgrade dispatchbot)\n"
    )
    code, out, err = cli("db", "upgrade")
    assert (code, out) == (1, "")
    assert err == f"dispatchbot: database sqlite+aiosqlite:///./dispatchbot.db: {NEWER}\n"


async def _refused_start(database_url: str, port: int) -> str:
    """`dispatchbot run` that must refuse to start: what it said on stderr (exit code 1, no traceback)."""
    async with FakeSlack() as slack:
        process = BotProcess(bot_environment(slack, database_url, port), probe=False)
        await process.start()
        try:
            assert await process.wait() == 1
        finally:
            await process.ensure_stopped()
    errors = process.stderr.decode()
    assert "Traceback" not in errors
    return errors


@pytest.mark.slow
async def test_run_on_a_database_from_a_newer_release_is_one_line(tmp_path: Path) -> None:
    await asyncio.to_thread(_migrated_by_a_newer_release, tmp_path / "dispatchbot.db")
    errors = await _refused_start(f"sqlite:///{tmp_path}/dispatchbot.db", free_port())
    assert (
        f"dispatchbot: cannot start: database sqlite+aiosqlite:///{tmp_path}/dispatchbot.db: {NEWER}"
        in errors
    )


# the config file


def test_config_is_a_directory(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    code, _, err = cli("run", "--config", "conf")
    assert code == 2
    assert _problems(err) == [
        "config file conf: is a directory — --config must name the TOML file itself, e.g. conf/config.toml"
    ]


def test_config_file_not_utf8_names_the_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_bytes('[slack]\n# ok\napp_name = "café"\n'.encode("latin-1"))
    code, _, err = cli("--config", "c.toml", "config", "show")
    assert code == 2
    assert _problems(err) == ["config file c.toml, line 3: not UTF-8 (byte 0xe9) — save the file as UTF-8"]


def test_config_file_with_byte_order_mark_is_read(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_bytes(b'\xef\xbb\xbf[slack]\napp_name = "bom"\n')
    code, out, _ = cli("--config", "c.toml", "config", "show")
    assert code == 0
    assert tomllib.loads(out)["slack"]["app_name"] == "bom"


def test_invalid_toml_names_file_and_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[slack]\napp_name = "x"\nmode = \n')
    code, _, err = cli("config", "show", "--config", "c.toml")
    assert code == 2
    [line] = _problems(err)
    assert line.startswith("config file c.toml: invalid TOML (")
    assert "line 3" in line


def test_missing_config_file_from_either_place(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, _, err = cli("config", "show", "--config", "nope.toml")
    assert code == 2
    assert _problems(err) == ["config file nope.toml: not found — --config must name an existing file"]
    monkeypatch.setenv("DISPATCHBOT_CONFIG", str(tmp_path / "gone.toml"))
    code, _, err = cli("config", "show")
    assert code == 2
    assert _problems(err) == [
        f"config file {tmp_path}/gone.toml: not found — DISPATCHBOT_CONFIG must name an existing file"
    ]


def test_unknown_section_in_the_file(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[slak]\nbot_token = "xoxb-1"\n')
    code, _, err = cli("config", "show", "--config", "c.toml")
    assert code == 2
    assert _problems(err)[0].startswith("slak: unknown key (in c.toml or the environment)")


# DISPATCHBOT_* variables


def test_unknown_environment_variables_are_errors_with_a_did_you_mean(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCHBOT_NOPE__X", "1")
    monkeypatch.setenv("DISPATCHBOT_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("DISPATCHBOT_SLACK__BOT_TOKN", "xoxb-1")
    code, _, err = cli("config", "show")
    assert code == 2
    assert _problems(err) == [
        "DISPATCHBOT_LOG_LEVEL: unknown environment variable — did you mean DISPATCHBOT_LOG__LEVEL?",
        "DISPATCHBOT_NOPE__X: unknown environment variable — unset it, or see config.example.toml: "
        "settings are DISPATCHBOT_<SECTION>__<KEY>",
        "DISPATCHBOT_SLACK__BOT_TOKN: unknown environment variable — "
        "did you mean DISPATCHBOT_SLACK__BOT_TOKEN?",
    ]


def test_every_documented_form_of_variable_is_accepted(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "c.toml").write_text("")
    monkeypatch.setenv("DISPATCHBOT_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.setenv("DISPATCHBOT_LOG__LEVEL", "debug")
    monkeypatch.setenv("dispatchbot_http__port", "9000")  # read case-insensitively, so checked that way
    monkeypatch.setenv("DISPATCHBOT_PLUGINS__STATUSPAGE__PAGE_ID", "p1")
    monkeypatch.setenv("DISPATCHBOT_INCIDENT_TYPES", json.dumps([{"name": "Outage"}]))
    monkeypatch.setenv("DISPATCHBOT_TIMELINE", json.dumps({"reaction": "pushpin"}))
    code, out, err = cli("config", "show")
    assert (code, err) == (0, "")
    shown = tomllib.loads(out)
    assert shown["log"]["level"] == "DEBUG"
    assert shown["http"]["port"] == 9000
    assert shown["plugins"]["statuspage"] == {"page_id": "p1"}
    assert [entry["name"] for entry in shown["incident_types"]] == ["Outage"]
    assert shown["timeline"]["reaction"] == "pushpin"


def test_kubernetes_service_links_are_not_mistaken_for_settings(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Service named `dispatchbot` puts these in every pod unless `enableServiceLinks: false`."""
    links = {
        "DISPATCHBOT_SERVICE_HOST": "10.0.0.7",
        "DISPATCHBOT_SERVICE_PORT": "8080",
        "DISPATCHBOT_SERVICE_PORT_HTTP": "8080",
        "DISPATCHBOT_PORT": "tcp://10.0.0.7:8080",
        "DISPATCHBOT_PORT_8080_TCP": "tcp://10.0.0.7:8080",
        "DISPATCHBOT_PORT_8080_TCP_PROTO": "tcp",
        "DISPATCHBOT_PORT_8080_TCP_PORT": "8080",
        "DISPATCHBOT_PORT_8080_TCP_ADDR": "10.0.0.7",
        "DISPATCHBOT_METRICS_SERVICE_HOST": "10.0.0.8",
        "DISPATCHBOT_METRICS_PORT_9090_TCP": "tcp://10.0.0.8:9090",
    }
    for name, value in links.items():
        monkeypatch.setenv(name, value)
    assert cli("config", "show")[0] == 0
    monkeypatch.setenv("DISPATCHBOT_HTTP_PORT", "9000")  # no DISPATCHBOT_HTTP_SERVICE_HOST: a typo
    code, _, err = cli("config", "show")
    assert code == 2
    assert _problems(err) == [
        "DISPATCHBOT_HTTP_PORT: unknown environment variable — did you mean DISPATCHBOT_HTTP__PORT?"
    ]


def test_a_section_from_the_environment_that_is_not_json(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCHBOT_INCIDENT_TYPES", "Outage, Security")
    code, _, err = cli("config", "show")
    assert code == 2
    [line] = _problems(err)
    assert '"incident_types"' in line
    assert line.endswith("a whole section set from the environment must be JSON")


# manifest


def test_manifest_in_http_mode_without_public_url_warns_on_stderr(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCHBOT_SLACK__MODE", "http")
    code, out, err = cli("manifest")
    assert code == 0
    assert json.loads(out)["settings"]["event_subscriptions"]["request_url"] == "/slack/events"
    assert err.startswith("dispatchbot: warning: slack.public_url is not set")
    assert "DISPATCHBOT_SLACK__PUBLIC_URL" in err
    monkeypatch.setenv("DISPATCHBOT_SLACK__PUBLIC_URL", "https://bot.example.com")
    assert cli("manifest")[2] == ""


# a bug


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_an_unexpected_error_is_one_line_with_an_id(capsys: pytest.CaptureFixture[str], level: str) -> None:
    """The catch-all at the top of `main`: the traceback only when asked for, under the same id."""
    try:
        raise RuntimeError("the innards")
    except RuntimeError as exc:
        code = _report_unexpected(exc, Settings(log=LogSettings(level=level)))
    err = capsys.readouterr().err
    assert code == 1
    first, *rest = err.splitlines()
    assert first.startswith("dispatchbot: unexpected error ")
    assert first.endswith(" (RuntimeError) — run with DISPATCHBOT_LOG__LEVEL=DEBUG for details")
    error_id = first.split()[3]
    if level == "INFO":
        assert rest == []
    else:
        assert rest[0] == f"error {error_id}:"
        assert "Traceback" in err
        assert "the innards" in err


# signals during start-up, in a real `dispatchbot run`


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["auth.test", "apps.connections.open"])
@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
async def test_a_signal_during_start_up_is_obeyed_at_once(
    tmp_path: Path, stage: str, signum: signal.Signals, exit_code: int
) -> None:
    """Slack answers `stage` only after a minute: the signal must not wait for it, nor for retries."""
    async with FakeSlack() as slack:
        slack.faults.latency(stage, 60)
        environment = bot_environment(slack, f"sqlite:///{tmp_path}/bot.db", free_port())
        process = BotProcess(environment, probe=False)
        await process.start()
        try:
            await eventually(lambda: slack.arrivals(stage) == 1, within=30, what=f"start-up to reach {stage}")
            assert process.process is not None
            process.process.send_signal(signum)
            assert await process.wait(within=10) == exit_code
        finally:
            await process.ensure_stopped()
    logs = process.stderr.decode()
    assert "Traceback" not in logs
    stopping = [json.loads(line) for line in logs.splitlines() if '"bot.stopping"' in line]
    assert [(line["signal"], line["started"]) for line in stopping] == [(signum.name, False)]


@pytest.mark.slow
async def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        errors = await _refused_start(f"sqlite:///{tmp_path}/bot.db", port)
    assert f"dispatchbot: cannot start: cannot listen on 127.0.0.1:{port} (" in errors
    assert "set DISPATCHBOT_HTTP__PORT to a free port" in errors
