"""`dispatchbot manifest`: what Slack is told matches what the bot listens for."""

from __future__ import annotations

import json

import pytest

from dispatchbot.cli import main
from dispatchbot.commands import COMMANDS


def _manifest(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["manifest"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_socket_mode_manifest_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _manifest(capsys)
    features = manifest["features"]
    assert isinstance(features, dict)
    names = [command["command"] for command in features["slash_commands"]]
    assert names == [info.default_name for info in COMMANDS.values()]
    assert all(command["description"] for command in features["slash_commands"])
    assert features["shortcuts"][0]["type"] == "message"
    assert features["app_home"]["home_tab_enabled"] is True
    settings = manifest["settings"]
    assert isinstance(settings, dict)
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"] == {"is_enabled": True}
    assert "member_joined_channel" in settings["event_subscriptions"]["bot_events"]
    scopes = manifest["oauth_config"]["scopes"]["bot"]  # type: ignore[index]
    assert {"commands", "chat:write", "channels:manage", "groups:write", "users:read.email"} <= set(scopes)


def test_manifest_follows_configured_names_and_http_mode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPATCHBOT_COMMANDS__REPORT_INCIDENT", "/incident")
    monkeypatch.setenv("DISPATCHBOT_SLACK__MODE", "http")
    monkeypatch.setenv("DISPATCHBOT_SLACK__PUBLIC_URL", "https://bot.example.com/")
    manifest = _manifest(capsys)
    commands = manifest["features"]["slash_commands"]  # type: ignore[index]
    assert commands[0] == {
        "command": "/incident",
        "description": "Report a new incident",
        "should_escape": False,
        "url": "https://bot.example.com/slack/events",
    }
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False  # type: ignore[index]
    assert settings["event_subscriptions"]["request_url"] == "https://bot.example.com/slack/events"  # type: ignore[index]
