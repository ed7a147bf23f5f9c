"""`dispatchbot doctor`'s checks against the fakes: a healthy deployment passes every check, and each
failure an operator can meet is reported on its own line with a fix. The command itself, as a process,
is in tests/e2e/test_doctor.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from sqlalchemy import text

from dispatchbot.config import (
    DEFAULT_INCIDENT_TYPES,
    AlertSettings,
    IncidentTypeSettings,
    NotificationSettings,
    ServiceSettings,
    Settings,
    SignalSettings,
    SlackMode,
)
from dispatchbot.doctor import CheckResult, Status, diagnose
from dispatchbot.doctor.render import render_json, render_text
from dispatchbot.manifest import BOT_SCOPES
from dispatchbot.storage import migrate
from dispatchbot.storage.engine import open_database
from dispatchbot.testing import Channel, FakeGoogle, FakeOpsgenie, FakePagerDuty, FakeSlack
from tests.support import oncall
from tests.support.bot import bot_settings, free_port
from tests.support.oncall import DATABASE, PAYMENTS
from tests.support.waiting import eventually

TEMPLATE = "incident-template"


pd, og = oncall.pd, oncall.og  # fixtures


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    async with FakeGoogle() as fake:
        fake.add_template(TEMPLATE, "Incident document template", "Incident {{name}}")
        yield fake


async def migrate_to_head(url: str) -> str:
    database = open_database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    return url


@pytest.fixture
async def migrated(tmp_path: Path) -> str:
    """A migrated SQLite database; the tests about the database itself also run on PostgreSQL."""
    return await migrate_to_head(f"sqlite+aiosqlite:///{tmp_path}/migrated.db")


@pytest.fixture
def incidents(slack: FakeSlack) -> Channel:
    """A notification channel the bot is in."""
    return slack.add_channel("incidents", members=[slack.bot_user_id])


@pytest.fixture
def announcements(slack: FakeSlack) -> Channel:
    """A public notification channel the bot is not in: it posts there with chat:write.public."""
    someone = slack.add_user("sam", real_name="Sam Smith")
    return slack.add_channel("announcements", members=[someone.id])


@pytest.fixture
def healthy(
    slack: FakeSlack,
    migrated: str,
    pd: FakePagerDuty,
    og: FakeOpsgenie,
    google: FakeGoogle,
    incidents: Channel,
    announcements: Channel,
    tmp_path: Path,
) -> Settings:
    """Every check has something to check, and everything is right."""
    return bot_settings(slack, migrated).model_copy(
        update={
            "notifications": [
                NotificationSettings(channel=incidents.id),
                NotificationSettings(channel=announcements.id),
            ],
            "services": [DATABASE, PAYMENTS],
            "pagerduty": pd.settings(),
            "opsgenie": og.settings(),
            "google": google.settings(tmp_path),
            "incident_types": [
                DEFAULT_INCIDENT_TYPES[0].model_copy(update={"document_template": TEMPLATE}),
                DEFAULT_INCIDENT_TYPES[1],
            ],
        }
    )


def changed(settings: Settings, section: str, **values: Any) -> Settings:
    """`settings` with some keys of one section replaced."""
    return settings.model_copy(update={section: getattr(settings, section).model_copy(update=values)})


def by_check(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.check: result for result in results}


def only(results: list[CheckResult], prefix: str) -> CheckResult:
    found = [result for result in results if result.check.startswith(prefix)]
    assert len(found) == 1, (prefix, found)
    return found[0]


def problems(results: list[CheckResult]) -> list[str]:
    return [result.check for result in results if result.status is not Status.OK]


# ------------------------------------------------------------------------- all good


async def test_a_healthy_deployment_passes_every_check(
    healthy: Settings, database_url: str, incidents: Channel, announcements: Channel
) -> None:
    results = await diagnose(changed(healthy, "database", url=await migrate_to_head(database_url)))

    assert problems(results) == []
    checks = by_check(results)
    assert checks["Slack bot token"].detail == "@dispatchbot (U0BOT) in Fake Workspace (T0001)"
    assert checks["Slack scopes"].detail == f"all {len(BOT_SCOPES)} scopes the bot needs are granted"
    assert checks["Slack app token"].detail == "Socket Mode connections can be opened"
    assert checks["clock"].detail == "matches Slack's clock to the second"
    assert checks[f"channel {incidents.id} (notifications[0])"].detail == "#incidents: the bot is a member"
    assert "public; the bot posts there with chat:write.public" in (
        checks[f"channel {announcements.id} (notifications[1])"].detail
    )
    database = checks["database"].detail
    assert database.startswith(("SQLite 3.", "PostgreSQL 1")), database
    assert database.endswith(f"schema up to date ({migrate.HEAD_REVISION})")
    assert checks["pagerduty credentials"].detail == "API key accepted"
    assert checks["service 'Database' (pagerduty PSVC1)"].detail == "Database"
    assert checks["opsgenie credentials"].detail == "API key accepted"
    assert checks["service 'Payments' (opsgenie payments-primary)"].detail == (
        "schedule payments-primary (2 on call now)"  # Olivia, then Bruno
    )
    assert "root folder 'Incidents' readable" in checks["google credentials"].detail
    assert checks[f"template {TEMPLATE} ('Default' document_template)"].detail == (
        "'Incident document template'"
    )

    rendered = render_text(results)
    assert all(line.startswith("✓ ") for line in rendered.splitlines()[:-2])
    assert rendered.endswith(f"all {len(results)} checks passed")


async def test_json_lists_every_check_with_its_outcome(healthy: Settings, slack: FakeSlack) -> None:
    slack.api.granted_scopes.discard("pins:write")

    listed = json.loads(render_json(await diagnose(healthy)))

    assert {tuple(sorted(entry)) for entry in listed} == {("check", "detail", "fix", "ok", "status")}
    scopes = next(entry for entry in listed if entry["check"] == "Slack scopes")
    assert scopes == {
        "check": "Slack scopes",
        "ok": False,
        "status": "fail",
        "detail": "missing pins:write",
        "fix": scopes["fix"],
    }
    assert "reinstall the app" in scopes["fix"]
    assert all(entry["ok"] for entry in listed if entry["check"] != "Slack scopes")


# ---------------------------------------------------------------------------- Slack


async def test_a_rejected_bot_token_fails_and_what_needs_it_is_not_checked(
    healthy: Settings, incidents: Channel
) -> None:
    results = await diagnose(changed(healthy, "slack", bot_token=SecretStr("xoxb-9-revoked")))

    token = by_check(results)["Slack bot token"]
    assert token.status is Status.FAIL
    assert token.detail == "Slack rejected it (invalid_auth)"
    assert "DISPATCHBOT_SLACK__BOT_TOKEN" in token.fix
    assert by_check(results)["Slack scopes"].status is Status.SKIP
    assert only(results, f"channel {incidents.id}").status is Status.SKIP
    assert by_check(results)["clock"].status is Status.OK  # Slack's refusal still carries its Date
    assert "xoxb-9-revoked" not in render_text(results) + render_json(results)


async def test_missing_scopes_are_named_and_public_channels_need_the_bot_without_chat_write_public(
    healthy: Settings, slack: FakeSlack, incidents: Channel, announcements: Channel
) -> None:
    slack.api.granted_scopes -= {"pins:write", "chat:write.public"}

    results = await diagnose(healthy)

    scopes = by_check(results)["Slack scopes"]
    assert scopes.status is Status.FAIL
    assert scopes.detail == "missing chat:write.public, pins:write"
    public = only(results, f"channel {announcements.id}")
    assert public.status is Status.FAIL
    assert public.detail == "#announcements: the bot is not a member and lacks chat:write.public"
    assert public.fix.startswith("invite the bot to it (/invite @dispatchbot)")
    assert only(results, f"channel {incidents.id}").status is Status.OK


async def test_a_rejected_app_token_fails(healthy: Settings) -> None:
    results = await diagnose(changed(healthy, "slack", app_token=SecretStr("xapp-1-A0001-9-revoked")))

    app = by_check(results)["Slack app token"]
    assert app.status is Status.FAIL
    assert app.detail == "Slack refused to open a Socket Mode connection (invalid_auth)"
    assert "App-Level Tokens" in app.fix
    assert problems(results) == ["Slack app token"]


async def test_a_bot_token_where_the_app_token_belongs_is_named(healthy: Settings, slack: FakeSlack) -> None:
    results = await diagnose(changed(healthy, "slack", app_token=SecretStr(slack.bot_token)))

    assert by_check(results)["Slack app token"].detail == (
        "not an app-level token (starts with 'xoxb-', not 'xapp-')"
    )


async def test_http_mode_needs_a_public_https_url_instead_of_an_app_token(healthy: Settings) -> None:
    http = changed(healthy, "slack", mode=SlackMode.HTTP, app_token=None)

    missing = by_check(await diagnose(http))["Slack HTTP mode"]
    assert missing.status is Status.FAIL
    assert missing.detail == "public_url is not set, so Slack has no request URL to post to"

    plain = by_check(await diagnose(changed(http, "slack", public_url="http://bot.example.com")))
    assert plain["Slack HTTP mode"].status is Status.WARN

    good = by_check(await diagnose(changed(http, "slack", public_url="https://bot.example.com/")))
    assert (
        good["Slack HTTP mode"].detail
        == "signing secret set; Slack posts to https://bot.example.com/slack/events"
    )
    assert "Slack app token" not in good


async def test_channels_that_do_not_exist_or_are_archived_fail(
    healthy: Settings, slack: FakeSlack, incidents: Channel
) -> None:
    someone = slack.add_user("pat")
    private = slack.add_channel("secret", members=[someone.id], is_private=True)
    incidents.archived = True
    settings = healthy.model_copy(
        update={
            "notifications": [
                NotificationSettings(channel=incidents.id),
                NotificationSettings(channel="C0GONE"),
                NotificationSettings(channel=private.id, priorities=["High"]),
            ]
        }
    )

    results = await diagnose(settings)

    archived = only(results, f"channel {incidents.id}")
    assert (archived.status, archived.detail) == (Status.FAIL, "#incidents is archived")
    gone = by_check(results)["channel C0GONE (notifications[1])"]
    assert (gone.status, gone.detail) == (Status.FAIL, "not found, or private without the bot in it")
    assert "/invite @dispatchbot" in gone.fix
    assert only(results, f"channel {private.id}").status is Status.FAIL
    assert len(problems(results)) == 3


async def test_alert_channels_are_checked_by_name(healthy: Settings, slack: FakeSlack) -> None:
    slack.add_channel("alerts-db", members=[slack.bot_user_id])
    settings = healthy.model_copy(
        update={
            "alerts": AlertSettings(default_channel="#alerts-db", fallback_channel="#nope"),
            "signals": [SignalSettings(name="Disk full", channel="alerts-db")],
        }
    )

    results = by_check(await diagnose(settings))

    assert results["channel #alerts-db (alerts.default_channel)"].status is Status.OK
    assert results["channel alerts-db (signals[0] (Disk full))"].status is Status.OK
    missing = results["channel #nope (alerts.fallback_channel)"]
    assert (missing.status, missing.detail) == (Status.FAIL, "no channel has this name that the bot can see")


async def test_a_channel_named_twice_is_checked_once(healthy: Settings, incidents: Channel) -> None:
    twice = [NotificationSettings(channel=incidents.id), NotificationSettings(channel=incidents.id)]

    results = await diagnose(healthy.model_copy(update={"notifications": twice}))

    assert only(results, "channel ").check == f"channel {incidents.id} (notifications[0], notifications[1])"


@pytest.mark.parametrize(
    ("skew", "status", "side", "consequence"),
    [
        (20.0, Status.WARN, "behind", "the clock is drifting"),
        (-300.0, Status.FAIL, "ahead of", "reminders and times shown are off"),
    ],
)
async def test_clock_skew_against_slacks_date_header(
    healthy: Settings, slack: FakeSlack, skew: float, status: Status, side: str, consequence: str
) -> None:
    slack.api.clock_skew_seconds = skew

    clock = by_check(await diagnose(healthy))["clock"]

    assert clock.status is status
    seconds, _, rest = clock.detail.partition(" s ")
    assert abs(int(seconds) - abs(skew)) <= 1  # Date has whole seconds
    assert rest.startswith(f"{side} Slack's clock: {consequence}")
    assert "NTP" in clock.fix


async def test_a_slack_that_does_not_answer_fails_within_the_deadline(
    slack: FakeSlack, migrated: str
) -> None:
    slack.faults.latency("auth.test", 1.5)

    results = await diagnose(bot_settings(slack, migrated), deadline=0.5)

    token = by_check(results)["Slack bot token"]
    assert token.status is Status.FAIL
    assert token.detail == f"no answer from {slack.api_url} within 0.5 s"
    assert by_check(results)["clock"].status is Status.SKIP
    # The fake is still holding the abandoned call; let it answer before it is stopped.
    await eventually(lambda: bool(slack.calls_to("auth.test")), what="the delayed auth.test answer")


async def test_an_unreachable_slack_fails_with_the_url(healthy: Settings) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"

    token = by_check(await diagnose(changed(healthy, "slack", api_url=nowhere)))["Slack bot token"]

    assert token.status is Status.FAIL
    assert token.detail.startswith(f"cannot reach Slack at {nowhere} (")
    assert "slack.api_url" in token.fix


# ------------------------------------------------------------------------- database


async def test_a_missing_sqlite_file_fails_and_is_not_created(healthy: Settings, tmp_path: Path) -> None:
    path = tmp_path / "absent.db"

    results = await diagnose(changed(healthy, "database", url=f"sqlite+aiosqlite:///{path}"))

    database = by_check(results)["database"]
    assert database.status is Status.FAIL
    assert database.detail == f"the SQLite file {path} does not exist"
    assert "dispatchbot db upgrade" in database.fix
    assert not path.exists()


async def test_an_unmigrated_database_fails(slack: FakeSlack, database_url: str) -> None:
    empty = open_database(database_url)
    try:
        await empty.ping()  # creates the SQLite file; PostgreSQL's database is already there, empty
    finally:
        await empty.dispose()

    database = by_check(await diagnose(bot_settings(slack, database_url)))["database"]

    assert database.status is Status.FAIL
    assert database.detail.endswith(": no schema yet (the database is empty)")
    assert database.fix.startswith("run `dispatchbot db upgrade`")


async def test_a_schema_behind_or_ahead_of_this_release_fails(slack: FakeSlack, database_url: str) -> None:
    settings = bot_settings(slack, database_url)
    older = open_database(database_url)
    try:
        await migrate.upgrade(older, revision="0001")
        check = by_check(await diagnose(settings))["database"]
        assert check.detail.endswith(f"schema at 0001, behind this release's {migrate.HEAD_REVISION}")
        assert "dispatchbot db upgrade" in check.fix

        async with older.engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        check = by_check(await diagnose(settings))["database"]
        assert check.status is Status.FAIL
        assert "schema at 9999, which this release does not know" in check.detail
    finally:
        await older.dispose()


async def test_an_unreachable_database_fails(healthy: Settings) -> None:
    url = f"postgresql+asyncpg://dispatchbot:hunter22@127.0.0.1:{free_port()}/dispatchbot"

    results = await diagnose(changed(healthy, "database", url=url))

    database = by_check(results)["database"]
    assert database.status is Status.FAIL
    assert database.detail.startswith("cannot use postgresql+asyncpg://dispatchbot:***@127.0.0.1:")
    assert "hunter22" not in render_text(results)


# ------------------------------------------------------------------------ providers


async def test_a_refused_pagerduty_key_fails_once_and_its_services_are_not_checked(
    healthy: Settings,
) -> None:
    results = await diagnose(changed(healthy, "pagerduty", api_key=SecretStr("pd-wrong-key")))

    access = by_check(results)["pagerduty credentials"]
    assert access.status is Status.FAIL
    assert access.detail == (
        "could not check the API key: the API key was refused (HTTP 401); check [pagerduty] api_key"
    )
    assert by_check(results)["service 'Database' (pagerduty PSVC1)"].status is Status.SKIP
    assert problems(results) == ["pagerduty credentials", "service 'Database' (pagerduty PSVC1)"]


async def test_an_unknown_pagerduty_service_id_fails(healthy: Settings) -> None:
    unknown = DATABASE.model_copy(update={"external_id": "PNOPE"})

    results = await diagnose(healthy.model_copy(update={"services": [unknown, PAYMENTS]}))

    service = by_check(results)["service 'Database' (pagerduty PNOPE)"]
    assert service.status is Status.FAIL
    assert service.detail == "could not find service PNOPE: not found (HTTP 404)"
    assert service.fix == "set external_id of [[services]] 'Database' to a PagerDuty service id (P...)"
    assert problems(results) == [service.check]


async def test_a_refused_opsgenie_key_and_an_unknown_schedule_fail(
    healthy: Settings, og: FakeOpsgenie
) -> None:
    search = ServiceSettings(name="Search", provider="opsgenie", external_id="search-primary")
    with_search = healthy.model_copy(update={"services": [DATABASE, PAYMENTS, search]})

    schedule = by_check(await diagnose(with_search))["service 'Search' (opsgenie search-primary)"]
    assert schedule.status is Status.FAIL
    assert "No schedule exists with identifier [search-primary]" in schedule.detail
    assert "an Opsgenie schedule name" in schedule.fix

    refused = await diagnose(changed(with_search, "opsgenie", api_key=SecretStr("og-wrong")))
    access = by_check(refused)["opsgenie credentials"]
    assert access.status is Status.FAIL
    assert "the API key was refused (HTTP 401)" in access.detail
    assert "og-wrong" not in render_text(refused)


async def test_an_unreadable_template_fails(healthy: Settings) -> None:
    types = [IncidentTypeSettings(name="Default", document_template=TEMPLATE, review_template="gone-doc")]

    results = await diagnose(healthy.model_copy(update={"incident_types": types}))

    template = by_check(results)["template gone-doc ('Default' review_template)"]
    assert template.status is Status.FAIL
    assert template.detail.startswith("could not read the template gone-doc: HTTP 404")
    assert "share the template" in template.fix
    assert problems(results) == [template.check]


async def test_a_google_key_google_refuses_fails_and_templates_are_not_checked(
    healthy: Settings, google: FakeGoogle, tmp_path: Path
) -> None:
    forged = tmp_path / "forged.json"
    google.write_key_file(forged, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    results = await diagnose(changed(healthy, "google", service_account_file=str(forged)))

    access = by_check(results)["google credentials"]
    assert access.status is Status.FAIL
    assert "could not get an access token" in access.detail
    assert "delegated_user" in access.fix
    assert only(results, f"template {TEMPLATE}").status is Status.SKIP


async def test_templates_without_a_documents_provider_are_a_warning(healthy: Settings) -> None:
    results = await diagnose(changed(healthy, "google", service_account_file=""))

    warning = by_check(results)["document templates"]
    assert warning.status is Status.WARN
    assert warning.ok
    assert "google credentials" not in by_check(results)


async def test_a_provider_that_cannot_load_fails_with_start_ups_reason(healthy: Settings) -> None:
    results = await diagnose(changed(healthy, "pagerduty", from_email=""))

    loading = by_check(results)["providers"]
    assert loading.status is Status.FAIL
    assert loading.detail.startswith("[pagerduty] from_email is required")


async def test_nothing_to_check_without_providers(slack: FakeSlack, migrated: str) -> None:
    results = await diagnose(bot_settings(slack, migrated))

    assert by_check(results)["providers"].status is Status.SKIP
    assert problems(results) == ["providers"]
    assert render_text(results).endswith(f"{len(results)} checks: 1 not checked")


# ------------------------------------------------------------------------ rendering


def test_failures_and_warnings_carry_their_fix_and_a_summary() -> None:
    results = [
        CheckResult("database", Status.FAIL, "no schema yet", "run `dispatchbot db upgrade`"),
        CheckResult("clock", Status.WARN, "9 s behind", "turn on NTP"),
        CheckResult("Slack scopes", Status.SKIP, "needs a working bot token"),
        CheckResult("Slack bot token", Status.OK, "@dispatchbot"),
    ]

    assert render_text(results).splitlines() == [
        "✗ database: no schema yet",
        "    fix: run `dispatchbot db upgrade`",
        "! clock: 9 s behind",
        "    fix: turn on NTP",
        "- Slack scopes: needs a working bot token",
        "✓ Slack bot token: @dispatchbot",
        "",
        "4 checks: 1 failed, 1 warning(s), 1 not checked",
    ]
    assert render_text(results, "ascii").splitlines()[0] == "FAIL database: no schema yet"
