"""What `dispatchbot run` needs beyond a well-formed configuration, in words an operator can act on."""

from __future__ import annotations

from dispatchbot.config.sections import Settings, SlackMode, env_name


def runtime_problems(settings: Settings) -> list[str]:
    """What `dispatchbot run` needs beyond a well-formed file: tokens of the right kind for the mode."""
    problems: list[str] = []
    slack = settings.slack
    bot = slack.bot_token.get_secret_value() if slack.bot_token else ""
    if not bot:
        problems.append(
            _missing("slack.bot_token", "the Bot User OAuth Token (xoxb-...) from OAuth & Permissions")
        )
    elif not bot.startswith("xoxb-"):
        problems.append(
            f"slack.bot_token: expected a bot token starting with 'xoxb-' but got one starting with "
            f"'{bot[:5]}' — use the Bot User OAuth Token (set {env_name('slack.bot_token')})"
        )
    if slack.mode is SlackMode.SOCKET:
        app = slack.app_token.get_secret_value() if slack.app_token else ""
        if not app:
            problems.append(
                _missing(
                    "slack.app_token", "an app-level token (xapp-...) with connections:write, for Socket Mode"
                )
            )
        elif not app.startswith("xapp-"):
            problems.append(
                "slack.app_token: expected an app-level token starting with 'xapp-' but got one starting "
                f"with '{app[:5]}' — create one under Basic Information > App-Level Tokens "
                f"(set {env_name('slack.app_token')})"
            )
    elif not (slack.signing_secret and slack.signing_secret.get_secret_value()):
        problems.append(
            _missing("slack.signing_secret", "the Signing Secret from Basic Information, for HTTP mode")
        )
    return problems


def _missing(key: str, what: str) -> str:
    return f"{key}: missing — set {env_name(key)} (or {key.split('.')[-1]} in the [slack] table) to {what}"
