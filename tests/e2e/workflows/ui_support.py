"""What the end-to-end tests of the workflow commands share: a bot with two workflows on the webhook
fake, and running `/dispatch-run-workflow` as a person does (command, choose, fill, submit)."""

from __future__ import annotations

from typing import Any

from dispatchbot.config import Settings
from dispatchbot.testing import Channel, FakeSlack, FakeWorkflowWebhook, User, View
from dispatchbot.testing.slack.delivery import Ack
from tests.support.bot import bot_settings
from tests.support.forms import open_form

RUN, LIST = "/dispatch-run-workflow", "/dispatch-list-workflows"
RUN_FORM, LIST_MODAL = "workflow_run", "workflow_list"
DIAGNOSTICS, ROLLBACK = "Collect diagnostics", "Roll back"
WORKFLOWS: list[dict[str, Any]] = [
    {
        "name": DIAGNOSTICS,
        "description": "Gathers logs and heap dumps from the affected hosts",
        "provider": "webhook",
        "resource_id": "diagnostics",
        "parameters": [
            {"key": "host", "required": True, "description": "the host to collect from"},
            {"key": "depth", "default": "2"},
        ],
    },
    {"name": ROLLBACK, "provider": "webhook", "resource_id": "rollback"},
]
ELSEWHERE = f"Run this in an incident or case channel. Where cases are posted, name the case: `{RUN} CASE-7`."


def workflow_settings(
    base: Settings, webhook: FakeWorkflowWebhook, workflows: list[dict[str, Any]] | None = None
) -> Settings:
    """`base` with the `[webhook]` section of `webhook` and `workflows` (default: `WORKFLOWS`)."""
    return Settings.model_validate(
        {
            **base.model_dump(mode="python"),
            "webhook": webhook.settings().model_dump(mode="python"),
            "workflows": WORKFLOWS if workflows is None else workflows,
        }
    )


def settings_for(slack: FakeSlack, database_url: str, webhook: FakeWorkflowWebhook) -> Settings:
    return workflow_settings(bot_settings(slack, database_url), webhook)


async def open_run_form(slack: FakeSlack, user: User, channel: Channel, text: str = "") -> View:
    """`user` runs the command in `channel`; the modal it opens (fails if the command was refused)."""
    return await open_form(slack.as_user(user), channel, RUN, RUN_FORM, text)


async def choose(slack: FakeSlack, user: User, form: View, workflow: str) -> View:
    """Pick `workflow` in the form; the form once the bot redrew it for that workflow."""
    assert await form.choose("Workflow", workflow) is not None
    return await slack.as_user(user).wait_for_view(callback_id=RUN_FORM)


async def run_workflow(
    slack: FakeSlack, user: User, channel: Channel, values: dict[str, str], workflow: str = DIAGNOSTICS
) -> tuple[View, Ack]:
    """The whole of it: command, choose `workflow`, fill `values` by label (Reason, parameters), submit."""
    form = await choose(slack, user, await open_run_form(slack, user, channel), workflow)
    ack = await form.fill(values).submit()
    return form, ack


async def open_case(slack: FakeSlack, user: User, channel: Channel) -> None:
    """`user` opens CASE-1 in `channel` with `/dispatch-create-case` (its row is made in the ack)."""
    form = await open_form(slack.as_user(user), channel, "/dispatch-create-case", "case_create")
    assert (await form.fill({"Title": "Odd logins on db1"}).submit()).ok
