"""Entry points of the built-in adapters: decide from the settings first, import the SDK only if needed.

The vendor SDKs (google-api-python-client, pagerduty, opsgenie-sdk) cost about 0.3 s and 25 MB to
import; a bot that uses none of them should not pay for them at every start.
"""

from __future__ import annotations

from dispatchbot.config import Settings
from dispatchbot.providers.documents import Documents
from dispatchbot.providers.oncall import Oncall
from dispatchbot.providers.workflows import Workflows


def pagerduty(settings: Settings) -> Oncall | None:
    if not (settings.pagerduty.api_key and settings.pagerduty.api_key.get_secret_value()):
        return None
    from dispatchbot.providers import pagerduty as adapter

    return adapter.build(settings)


def opsgenie(settings: Settings) -> Oncall | None:
    if not (settings.opsgenie.api_key and settings.opsgenie.api_key.get_secret_value()):
        return None
    from dispatchbot.providers import opsgenie as adapter

    return adapter.build(settings)


def google(settings: Settings) -> Documents | None:
    if not settings.google.service_account_file:
        return None
    from dispatchbot.providers import google as adapter

    return adapter.build(settings)


def webhook(settings: Settings) -> Workflows | None:
    if not settings.webhook.api_url:
        return None
    from dispatchbot.providers import webhook_workflows as adapter

    return adapter.build(settings)


def github_actions(settings: Settings) -> Workflows | None:
    if not (settings.github_actions.token and settings.github_actions.token.get_secret_value()):
        return None
    from dispatchbot.providers import github_actions as adapter

    return adapter.build(settings)
