"""Configuration: file + environment, one clear line per problem, exit code 2 from the CLI."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel, SecretStr

from dispatchbot.cli import main
from dispatchbot.config import Settings, load_settings, masked_dict, runtime_problems

REPO = Path(__file__).resolve().parents[1]


def test_example_config_loads_and_documents_every_key() -> None:
    example = REPO / "config.example.toml"
    settings = load_settings(example)
    text = example.read_text()
    written = tomllib.loads(text)
    for section in Settings.model_fields:
        value = getattr(settings, section)
        if isinstance(value, list):  # arrays of tables: every key is shown, live or in a commented example
            item_model = Settings.model_fields[section].annotation.__args__[0]  # type: ignore[union-attr]
            assert f"[[{section}]]" in text, section
            for key in item_model.model_fields:
                assert f"{key} =" in text, f"{section}.{key}"
        elif isinstance(value, dict):  # free-form tables (plugins): shown as a commented example
            assert f"[{section}." in text, section
        else:
            assert set(written[section]) == set(type(value).model_fields), section
    defaults = Settings()
    for section in (
        "incident_types",
        "priorities",
        "severities",
        "incidents",
        "case_types",
        "case_priorities",
    ):
        assert getattr(settings, section) == getattr(defaults, section), (
            f"{section} differs from the defaults"
        )


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[http]\nport = 9000\n[log]\nlevel = "DEBUG"\n')
    monkeypatch.setenv("DISPATCHBOT_HTTP__PORT", "9100")
    monkeypatch.setenv("DISPATCHBOT_SLACK__API_URL", "http://127.0.0.1:1/api")
    settings = load_settings(config)
    assert settings.http.port == 9100
    assert settings.log.level == "DEBUG"
    assert settings.slack.api_url == "http://127.0.0.1:1/api/"


def test_config_file_from_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('[database]\nurl = "sqlite+aiosqlite:///x.db"\n')
    monkeypatch.setenv("DISPATCHBOT_CONFIG", str(config))
    assert load_settings().database.url == "sqlite+aiosqlite:///x.db"


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err


def test_missing_tokens_stop_start_up_with_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run_cli(["run"], capsys)
    assert code == 2
    assert "slack.bot_token: missing — set DISPATCHBOT_SLACK__BOT_TOKEN" in err
    assert "slack.app_token: missing — set DISPATCHBOT_SLACK__APP_TOKEN" in err
    assert "Traceback" not in err


def test_app_token_where_bot_token_is_expected(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPATCHBOT_SLACK__BOT_TOKEN", "xapp-1-A1-1-abcdef")
    monkeypatch.setenv("DISPATCHBOT_SLACK__APP_TOKEN", "xoxb-1-abcdef")
    code, err = _run_cli(["run"], capsys)
    assert code == 2
    assert (
        "slack.bot_token: expected a bot token starting with 'xoxb-' but got one starting with 'xapp-'" in err
    )
    assert "slack.app_token: expected an app-level token starting with 'xapp-'" in err
    assert "abcdef" not in err  # only the prefix of a token is ever echoed


def test_unknown_key_and_bad_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[slack]\nbot_tokn = "xoxb-1"\nmode = "carrier-pigeon"\n[http]\nport = "eighty"\n')
    code, err = _run_cli(["--config", str(config), "run"], capsys)
    assert code == 2
    lines = [line.strip() for line in err.splitlines()[1:]]
    assert any(line.startswith("slack.bot_tokn: unknown key") for line in lines)
    assert any(line.startswith("slack.mode: Input should be 'socket' or 'http'") for line in lines)
    assert any(line.startswith("http.port:") and "DISPATCHBOT_HTTP__PORT" in line for line in lines)
    assert "Traceback" not in err


def test_invalid_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[slack\nbot_token = \n")
    code, err = _run_cli(["--config", str(config), "config", "show"], capsys)
    assert code == 2
    assert f"config file {config}: invalid TOML" in err
    assert "Traceback" not in err


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run_cli(["--config", str(tmp_path / "nope.toml"), "manifest"], capsys)
    assert code == 2
    assert "not found" in err


def test_http_mode_needs_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCHBOT_SLACK__MODE", "http")
    monkeypatch.setenv("DISPATCHBOT_SLACK__BOT_TOKEN", "xoxb-1-abc")
    problems = runtime_problems(load_settings())
    assert problems == [
        "slack.signing_secret: missing — set DISPATCHBOT_SLACK__SIGNING_SECRET "
        "(or signing_secret in the [slack] table) to the Signing Secret from Basic Information, for HTTP mode"
    ]


def test_config_show_masks_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPATCHBOT_SLACK__BOT_TOKEN", "xoxb-1-supersecret")
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", "postgresql+asyncpg://bot:hunter22@db/dispatchbot")
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "supersecret" not in out
    assert "hunter22" not in out
    assert 'bot_token = "********"' in out
    shown = tomllib.loads(out)
    assert shown["database"]["url"] == "postgresql+asyncpg://bot:***@db/dispatchbot"


def test_secrets_list_includes_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCHBOT_SLACK__SIGNING_SECRET", "0123456789abcdef")
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", "postgresql+asyncpg://bot:hunter22@db/dispatchbot")
    settings = load_settings()
    assert set(settings.secrets()) == {"0123456789abcdef", "hunter22"}
    assert masked_dict(settings)["slack"]["signing_secret"] == "********"


LIST_TABLES_WITH_SECRETS = {"alert_sources"}


def test_alert_source_tokens_are_masked_and_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "dispatchbot.toml"
    config.write_text(
        '[[alert_sources]]\nname = "prometheus"\ntoken = "am-token-0123456789abcdef"\n'
        '[[alert_sources]]\nname = "grafana"\ntoken = "gf-token-0123456789abcdef"\n'
    )
    monkeypatch.setenv("DISPATCHBOT_CONFIG", str(config))
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "0123456789abcdef" not in out
    assert [source["token"] for source in tomllib.loads(out)["alert_sources"]] == ["********"] * 2
    assert set(load_settings().secrets()) >= {"am-token-0123456789abcdef", "gf-token-0123456789abcdef"}


def _secret_keys() -> list[tuple[str, str]]:
    """Every `SecretStr` setting, found from the models' annotations (so a new one is covered unlisted)."""
    keys = []
    for section, field in Settings.model_fields.items():
        model = field.annotation
        for item in get_args(model):  # lists of tables: only these hold secrets (tested below)
            if isinstance(item, type) and issubclass(item, BaseModel):
                holds_secret = any(_is_secret(inner.annotation) for inner in item.model_fields.values())
                assert not holds_secret or section in LIST_TABLES_WITH_SECRETS, section
        if isinstance(model, type) and issubclass(model, BaseModel):
            keys += [
                (section, key) for key, inner in model.model_fields.items() if _is_secret(inner.annotation)
            ]
    return keys


def _is_secret(annotation: object) -> bool:
    return annotation is SecretStr or SecretStr in get_args(annotation)


def test_every_secret_setting_is_masked_and_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = _secret_keys()
    assert ("slack", "bot_token") in keys  # the walk finds them
    values = {(section, key): f"xoxb-{section}-{key}-value" for section, key in keys}
    for (section, key), value in values.items():
        monkeypatch.setenv(f"DISPATCHBOT_{section.upper()}__{key.upper()}", value)
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    shown = tomllib.loads(out)
    for (section, key), value in values.items():
        assert value not in out
        assert shown[section][key] == "********", (section, key)
    assert set(load_settings().secrets()) == set(values.values())


def test_command_names_are_validated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPATCHBOT_COMMANDS__REPORT_INCIDENT", "Report Incident")
    code, err = _run_cli(["manifest"], capsys)
    assert code == 2
    assert "commands.report_incident: must start with '/'" in err


def test_db_upgrade_and_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPATCHBOT_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    assert main(["db", "current"]) == 1
    assert f"no database at {tmp_path}/cli.db" in capsys.readouterr().err
    (tmp_path / "cli.db").touch()
    assert main(["db", "current"]) == 0
    assert "empty — behind" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("database at revision ")
    assert main(["db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out
