"""Report → incident channel ready, with 50 ms injected on every Slack call.

The bot runs as a real `dispatchbot run` process. Prints the wall time from submitting the report to
the reporter's confirmation (channel created, set up, header pinned, people invited and welcomed), and
the number of sequential Slack calls on that critical path (the longest chain of calls each starting
after the previous one ended). Targets: <= 0.6 s and <= 8 calls.

`--providers` runs it again with Google documents and PagerDuty on (local fakes): the commander comes
from an on-call role policy and is paged, and the incident document is made from a template. Channel
ready must not get slower; it also prints when all resources are ready (the pinned header links the
incident document and shows the page).
Run: python benchmarks/create_incident.py [--reports 5] [--latency 0.05] [--providers]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from _harness import free_port, spawn_bot, stop_bot

from dispatchbot.testing import ApiCall, FakeGoogle, FakePagerDuty, FakeSlack

PROVIDERS_CONFIG = """
[[services]]
name = "Database"
provider = "pagerduty"
external_id = "PSVC1"

[[role_policies]]
role = "commander"
oncall_service = "Database"

[[incident_types]]
name = "Default"
document_template = "tpl-incident"

[[priorities]]
name = "Medium"
page_commander = true
default = true
"""


def critical_path(calls: list[ApiCall], since: float) -> int:
    """Length of the longest chain of non-overlapping calls after `since`: the sequential calls."""
    window = sorted((c for c in calls if c.started >= since), key=lambda c: c.at)
    chain: list[int] = []
    for index, call in enumerate(window):
        before = [chain[j] for j in range(index) if window[j].at <= call.started]
        chain.append(1 + max(before, default=0))
    return max(chain, default=0)


def all_resources_ready(slack: FakeSlack, channel_name: str) -> bool:
    channel = slack.workspace.channel_by_name(channel_name)
    if channel is None:
        return False
    text = " ".join(str(message.blocks) for message in slack.messages(channel.id))
    return "Incident document" in text and "Paged" in text


async def providers_environment(stack: AsyncExitStack, slack: FakeSlack, directory: Path) -> dict[str, str]:
    google = await stack.enter_async_context(FakeGoogle())
    google.add_template(
        "tpl-incident", "Incident template", "{{name}}: {{title}} led by {{commander_fullname}}"
    )
    pagerduty = await stack.enter_async_context(FakePagerDuty())
    slack.add_user("oncall", real_name="Olga Oncall", email="olga@example.com")
    pagerduty.add_service("PSVC1", "Database", oncall=[("olga@example.com", "Olga Oncall")])
    google_settings = google.settings(directory)
    pd_settings = pagerduty.settings()
    config = directory / "config.toml"
    config.write_text(PROVIDERS_CONFIG)
    assert pd_settings.api_key is not None
    return {
        "DISPATCHBOT_CONFIG": str(config),
        "DISPATCHBOT_PAGERDUTY__API_URL": pd_settings.api_url,
        "DISPATCHBOT_PAGERDUTY__API_KEY": pd_settings.api_key.get_secret_value(),
        "DISPATCHBOT_PAGERDUTY__FROM_EMAIL": pd_settings.from_email,
        "DISPATCHBOT_PAGERDUTY__CA_FILE": pd_settings.ca_file,
        "DISPATCHBOT_GOOGLE__API_URL": google_settings.api_url,
        "DISPATCHBOT_GOOGLE__TOKEN_URI": google_settings.token_uri,
        "DISPATCHBOT_GOOGLE__SERVICE_ACCOUNT_FILE": google_settings.service_account_file,
        "DISPATCHBOT_GOOGLE__DELEGATED_USER": google_settings.delegated_user,
        "DISPATCHBOT_GOOGLE__ROOT_FOLDER_ID": google_settings.root_folder_id,
    }


async def main(reports: int, latency: float, providers: bool) -> None:
    times: list[float] = []
    ready_times: list[float] = []
    paths: list[int] = []
    with tempfile.TemporaryDirectory() as directory:
        async with FakeSlack() as slack, AsyncExitStack() as stack:
            reporter = slack.add_user("reporter", real_name="Rita Reporter", email="rita@example.com")
            general = slack.add_channel("general", members=[reporter.id, slack.bot_user_id])
            person = slack.as_user(reporter)
            extra = await providers_environment(stack, slack, Path(directory)) if providers else {}
            bot = await spawn_bot(slack, Path(directory), free_port(), **extra)
            try:
                await slack.socket.wait_connected(timeout=30)
                for index in range(reports + 1):  # the first is a warm-up
                    slack.faults.clear()
                    await person.slash_command("/dispatch-report-incident", channel=general.id)
                    view = await person.wait_for_view(callback_id="report_incident", timeout=10)
                    view.fill({"Title": f"Benchmark incident {index}"})
                    slack.faults.latency("*", latency)
                    started = time.monotonic()
                    await view.submit()
                    while True:
                        top = slack.workspace.top_view(reporter.id)
                        if top is not None and top.title == "Incident Reported":
                            break
                        await asyncio.sleep(0.002)
                    elapsed = time.monotonic() - started
                    path = critical_path(slack.calls, started)
                    if providers:
                        name = f"inc-{index + 1}-benchmark-incident-{index}"
                        while True:
                            if all_resources_ready(slack, name):
                                break
                            await asyncio.sleep(0.005)
                        if index:
                            ready_times.append(time.monotonic() - started)
                    if index:
                        times.append(elapsed)
                        paths.append(path)
            finally:
                slack.faults.clear()
                await stop_bot(bot)
    mode = "Google documents + PagerDuty on" if providers else "no providers"
    print(f"report → channel ready, {reports} reports, {latency * 1000:.0f} ms per Slack call, {mode}")
    print(f"  wall time: median {statistics.median(times):.3f} s, max {max(times):.3f} s   (target <= 0.6 s)")
    print(f"  sequential Slack calls on the critical path: {max(paths)}   (target <= 8)")
    if providers:
        print(
            f"  all resources ready (document linked, commander paged): median "
            f"{statistics.median(ready_times):.3f} s, max {max(ready_times):.3f} s"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--providers", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.reports, arguments.latency, arguments.providers))
