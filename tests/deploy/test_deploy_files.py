"""deploy/: what can be checked without a container daemon or a cluster, checked offline.

No image is built and nothing is deployed here (the machines have no container daemon). Instead:
every YAML file passes yamllint; the Kubernetes manifests validate against the Kubernetes JSON
schemas bundled in kubernetes-validate (strict: unknown fields are errors), for the oldest and the
newest Kubernetes it ships; the compose file validates against the Compose specification vendored
in check-jsonschema; the Dockerfile's structure is read with dockerfile-parse; the dashboard and
the alert rules are parsed as PromQL and may use only what `dispatchbot.metrics` exports. The
files must also agree with the bot: grace periods with the drain timeout, ports with `http.port`,
environment names with real settings, and the container health check with a running bot's /healthz.
"""

from __future__ import annotations

import asyncio
import copy
import fnmatch
import inspect
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import promql_parser
import pytest
import yaml
from dockerfile_parse import DockerfileParser
from kubernetes_validate.utils import all_versions
from pydantic import BaseModel
from yamllint import linter
from yamllint.config import YamlLintConfig

import dispatchbot.providers.slack
from dispatchbot.app import Bot
from dispatchbot.config import (
    CONFIG_PATH_ENV,
    ENV_PREFIX,
    HealthSettings,
    HttpSettings,
    RunsSettings,
    Settings,
    load_settings,
)
from dispatchbot.domain import RunStatus
from dispatchbot.testing import FakeSlack
from tests.deploy.promql import (
    exported_series,
    label_values,
    unknown_references,
    without_grafana_variables,
)
from tests.support.bot import REPO, bot_settings

DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
COMPOSE = DEPLOY / "docker-compose.yml"
NOT_APPLIED_BY_KUSTOMIZE = {"secret.example.yaml", "db-upgrade-job.yaml"}
DRAIN_MARGIN_SECONDS = (5, 15)
"""Time beyond the drain for closing the socket and the database before SIGKILL: enough, not idle."""
NOT_IN_IMAGE = ("config.toml", "deploy/dispatchbot.env", ".venv", ".git", "dispatchbot.db", "tests")
HEALTHCHECK_SCRIPT = DEPLOY / "healthcheck.py"
DEAD_PROXY = "http://127.0.0.1:9"


def _yaml_files() -> list[Path]:
    return sorted([*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml")])


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _kubernetes_documents() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, document)
        for path in sorted(KUBERNETES.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def _kind(kind: str) -> dict[str, Any]:
    (document,) = [document for _path, document in _kubernetes_documents() if document["kind"] == kind]
    return document


def _bot_container() -> dict[str, Any]:
    (container,) = _kind("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def _names_a_setting(variable: str) -> bool:
    """`DISPATCHBOT_<SECTION>__<KEY>` naming a real setting (the bot refuses any other such name)."""
    if variable == CONFIG_PATH_ENV:
        return True
    if not variable.startswith(ENV_PREFIX):
        return False
    section, _, key = variable.removeprefix(ENV_PREFIX).lower().partition("__")
    field = Settings.model_fields.get(section)
    model = field.annotation if field is not None else None
    return isinstance(model, type) and issubclass(model, BaseModel) and key in model.model_fields


def _seconds(duration: str) -> float:
    return promql_parser.parse_duration(duration).total_seconds()


def _effective_settings(config_toml: str, tmp_path: Path) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(config_toml)
    return load_settings(path)


def _dockerfile() -> DockerfileParser:
    return DockerfileParser(fileobj=io.BytesIO((DEPLOY / "Dockerfile").read_bytes()))


def _final_stage(parser: DockerfileParser) -> list[dict[str, Any]]:
    instructions = [item for item in parser.structure if item["instruction"] != "COMMENT"]
    last_from = max(index for index, item in enumerate(instructions) if item["instruction"] == "FROM")
    return instructions[last_from:]


def _instruction(stage: list[dict[str, Any]], name: str) -> str:
    (value,) = [item["value"] for item in stage if item["instruction"] == name]
    return str(value)


# --- every YAML file --------------------------------------------------------------------------


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda path: str(path.relative_to(DEPLOY)))
def test_yaml_passes_yamllint(path: Path) -> None:
    config = YamlLintConfig(file=str(DEPLOY / ".yamllint.yaml"))
    problems = [f"{path.name}:{p.line}:{p.column} {p.message}" for p in linter.run(path.read_text(), config)]
    assert problems == []


# --- Kubernetes -------------------------------------------------------------------------------


def test_the_schemas_are_bundled_so_validation_needs_no_network() -> None:
    versions = all_versions()
    assert versions, "kubernetes-validate ships its schemas as package data"
    # The validator resolves schemas only from those files: an unknown kind is reported as missing
    # locally instead of being fetched.
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        kubernetes_validate.validate({"apiVersion": "example.com/v1", "kind": "Nothing"}, versions[-1])


@pytest.mark.parametrize("version", sorted({all_versions()[0], all_versions()[-1]}))
def test_manifests_match_the_kubernetes_schemas(version: str) -> None:
    documents = _kubernetes_documents()
    kinds = {document["kind"] for _path, document in documents}
    assert {"Deployment", "ConfigMap", "Service", "PodDisruptionBudget", "Secret", "Job"} <= kinds
    for path, document in documents:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.name}: {'.'.join(map(str, exc.path))}: {exc.message}")


def test_schema_validation_catches_a_misspelt_field() -> None:
    deployment = copy.deepcopy(_kind("Deployment"))
    deployment["spec"]["template"]["spec"]["terminationGracePeriod"] = 30
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, all_versions()[-1], strict=True)


def test_kustomization_applies_every_manifest_but_the_examples() -> None:
    kustomization = _load(KUBERNETES / "kustomization.yaml")
    assert kustomization["kind"] == "Kustomization"
    resources = set(kustomization["resources"])
    on_disk = {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert resources == on_disk - NOT_APPLIED_BY_KUSTOMIZE
    assert {image["name"] for image in kustomization["images"]} == {_bot_container()["image"]}


def test_deployment_runs_two_replicas_and_probes_healthz() -> None:
    deployment = _kind("Deployment")
    container = _bot_container()
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    (port,) = container["ports"]
    assert port["containerPort"] == HttpSettings().port
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": port["name"]}, probe
        # /healthz waits up to 2 s for the database before answering 503.
        assert container[probe]["timeoutSeconds"] > 2, probe


def test_liveness_gives_up_later_than_readiness() -> None:
    """Readiness takes a draining or cut-off pod out at once; liveness restarts only after a minute of
    failures on top of /healthz's own Socket Mode grace, so a short outage does not restart everyone."""
    container = _bot_container()

    def tolerance(probe: str) -> int:
        return int(container[probe]["periodSeconds"] * container[probe]["failureThreshold"])

    assert tolerance("readinessProbe") <= 15
    assert tolerance("livenessProbe") >= 60
    assert tolerance("startupProbe") >= 60
    assert HealthSettings().slack_disconnect_grace_seconds > 0


def test_termination_grace_covers_the_configured_drain(tmp_path: Path) -> None:
    settings = _effective_settings(_kind("ConfigMap")["data"]["config.toml"], tmp_path)
    assert settings.runs.shutdown_timeout_seconds == RunsSettings().shutdown_timeout_seconds
    grace = _kind("Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    low, high = DRAIN_MARGIN_SECONDS
    assert low <= grace - settings.runs.shutdown_timeout_seconds <= high


def test_config_map_is_a_valid_config_for_the_deployment(tmp_path: Path) -> None:
    config_map = _kind("ConfigMap")
    settings = _effective_settings(config_map["data"]["config.toml"], tmp_path)
    assert settings.http.port == _bot_container()["ports"][0]["containerPort"]
    pod = _kind("Deployment")["spec"]["template"]["spec"]
    (config_volume,) = [volume for volume in pod["volumes"] if "configMap" in volume]
    assert config_volume["configMap"]["name"] == config_map["metadata"]["name"]
    (mount,) = [mount for mount in _bot_container()["volumeMounts"] if mount["name"] == config_volume["name"]]
    environment = {item["name"]: item["value"] for item in _bot_container()["env"]}
    assert environment[CONFIG_PATH_ENV] == f"{mount['mountPath']}/config.toml"


def test_tokens_come_from_the_secret_and_name_real_settings() -> None:
    secret = _kind("Secret")
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in _bot_container()["envFrom"]
    assert {"DISPATCHBOT_SLACK__BOT_TOKEN", "DISPATCHBOT_SLACK__APP_TOKEN"} <= set(secret["stringData"])
    names = [*secret["stringData"], *(item["name"] for item in _bot_container()["env"])]
    assert [name for name in names if not _names_a_setting(name)] == []


def test_pods_run_as_the_image_user_without_privileges_or_service_links() -> None:
    uid = int(_instruction(_final_stage(_dockerfile()), "USER").split(":")[0])
    for path, document in _kubernetes_documents():
        if "template" not in document.get("spec", {}):
            continue
        pod = document["spec"]["template"]["spec"]
        # Service links put DISPATCHBOT_SERVICE_HOST and the like in the environment: not settings.
        assert pod["enableServiceLinks"] is False, path.name
        assert pod["automountServiceAccountToken"] is False, path.name
        assert pod["securityContext"]["runAsNonRoot"] is True, path.name
        assert pod["securityContext"]["runAsUser"] == uid, path.name
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, path.name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, path.name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], path.name
            assert container["resources"]["requests"], path.name
            assert container["resources"]["limits"], path.name


def test_budget_and_service_select_the_bot_pods_only() -> None:
    pod_labels = _kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    job_labels = _kind("Job")["spec"]["template"]["metadata"]["labels"]
    budget = _kind("PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1
    for selector in (budget["spec"]["selector"]["matchLabels"], _kind("Service")["spec"]["selector"]):
        assert selector.items() <= pod_labels.items()
        assert not selector.items() <= job_labels.items()


def test_migration_job_runs_db_upgrade_with_the_bot_configuration() -> None:
    job = _kind("Job")["spec"]["template"]["spec"]
    (container,) = job["containers"]
    assert container["args"] == ["db", "upgrade"]
    assert job["restartPolicy"] == "Never"
    assert container["envFrom"] == _bot_container()["envFrom"]
    assert container["env"] == _bot_container()["env"]


# --- Docker -----------------------------------------------------------------------------------


def test_dockerfile_builds_in_two_slim_stages() -> None:
    parser = _dockerfile()
    images = parser.parent_images
    assert len(images) == 2
    assert all(re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", image) for image in images), images
    copies = [item["value"] for item in _final_stage(parser) if item["instruction"] == "COPY"]
    assert any(value.startswith("--from=build ") for value in copies)


def test_dockerfile_runs_as_a_non_root_user() -> None:
    user = _instruction(_final_stage(_dockerfile()), "USER")
    assert user.split(":")[0] not in {"", "0", "root"}
    assert user.split(":")[0].isdigit(), "numeric, so Kubernetes can verify runAsNonRoot"


def test_dockerfile_stops_gracefully_on_sigterm() -> None:
    stage = _final_stage(_dockerfile())
    assert _instruction(stage, "STOPSIGNAL") == "SIGTERM"
    # Exec form (JSON), so the bot is PID 1 and gets the signal, not a shell that ignores it.
    assert json.loads(_instruction(stage, "ENTRYPOINT")) == ["dispatchbot"]
    assert json.loads(_instruction(stage, "CMD")) == ["run"]
    assert _instruction(stage, "EXPOSE") == str(HttpSettings().port)


def test_dockerfile_healthcheck_runs_the_copied_script() -> None:
    stage = _final_stage(_dockerfile())
    options, _, command = _instruction(stage, "HEALTHCHECK").partition("CMD")
    assert "--timeout=" in options
    argv = json.loads(command)
    assert argv[0] == "python"
    copies = [item["value"].split() for item in stage if item["instruction"] == "COPY"]
    assert [str(HEALTHCHECK_SCRIPT.relative_to(REPO)), argv[1]] in copies


def test_build_context_sends_what_the_build_copies_and_no_secrets() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "an allowlist: whatever is not named stays out"
    included = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    sources = [
        source.rstrip("/")
        for item in _dockerfile().structure
        if item["instruction"] == "COPY" and not item["value"].startswith("--from")
        for source in item["value"].split()[:-1]
    ]
    assert sorted(set(sources)) == sorted(included)
    assert all((REPO / source).exists() for source in sources)
    assert [name for name in NOT_IN_IMAGE if any(fnmatch.fnmatch(name, p) for p in included)] == []


# --- the health-check script against a running bot -------------------------------------------


async def _healthcheck(port: int) -> tuple[int, str]:
    environment = {
        **os.environ,
        "DISPATCHBOT_HTTP__PORT": str(port),
        "HTTP_PROXY": DEAD_PROXY,  # the check must ignore proxies: it never leaves the container
        "http_proxy": DEAD_PROXY,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(HEALTHCHECK_SCRIPT), env=environment, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    return int(process.returncode or 0), output.decode()


async def test_healthcheck_script_follows_the_bots_healthz(tmp_path: Path) -> None:
    async with FakeSlack() as slack:
        bot = Bot(bot_settings(slack, f"sqlite+aiosqlite:///{tmp_path}/dispatchbot.db"))
        try:
            running = await bot.start()
            await slack.socket.wait_connected()
            status, output = await _healthcheck(running.port)
            assert status == 0, output
            assert json.loads(output)["status"] == "ok"

            running.web_state.draining = True  # what SIGTERM does first: /healthz answers 503
            status, output = await _healthcheck(running.port)
            assert status == 1
            assert "shutting down" in output
            port = running.port
        finally:
            await bot.stop()
        status, output = await _healthcheck(port)
        assert status == 1
        assert "refused" in output.lower()


# --- docker compose ---------------------------------------------------------------------------


def test_compose_file_matches_the_compose_specification() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
        # The schema is vendored in check-jsonschema; a dead proxy proves nothing is downloaded.
        env={**os.environ, "HTTPS_PROXY": DEAD_PROXY, "HTTP_PROXY": DEAD_PROXY},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_two_healthy_replicas_after_postgres() -> None:
    compose = _load(COMPOSE)
    postgres, bot = compose["services"]["postgres"], compose["services"]["bot"]
    assert postgres["healthcheck"]["test"]
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    _options, _, image_check = _instruction(_final_stage(_dockerfile()), "HEALTHCHECK").partition("CMD")
    assert bot["healthcheck"]["test"] == ["CMD", *json.loads(image_check)]
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    url = bot["environment"]["DISPATCHBOT_DATABASE__URL"]
    assert url.startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in url
    assert bot["read_only"] is True


def test_compose_stop_grace_covers_the_drain() -> None:
    bot = _load(COMPOSE)["services"]["bot"]
    drain = float(
        bot["environment"].get("DISPATCHBOT_RUNS__SHUTDOWN_TIMEOUT_SECONDS")
        or RunsSettings().shutdown_timeout_seconds
    )
    assert bot["stop_signal"] == "SIGTERM"
    low, high = DRAIN_MARGIN_SECONDS
    assert low <= _seconds(bot["stop_grace_period"]) - drain <= high


def test_compose_env_file_has_an_example_with_real_settings_and_is_git_ignored() -> None:
    bot = _load(COMPOSE)["services"]["bot"]
    env_file = bot["env_file"]
    example = DEPLOY / f"{env_file}.example"
    names = [
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {"DISPATCHBOT_SLACK__BOT_TOKEN", "DISPATCHBOT_SLACK__APP_TOKEN"} <= set(names)
    assert [name for name in [*names, *bot["environment"]] if not _names_a_setting(name)] == []
    assert env_file in (DEPLOY / ".gitignore").read_text().splitlines()


# --- Grafana and Prometheus -------------------------------------------------------------------


def _dashboard_expressions() -> list[tuple[str, str]]:
    dashboard = json.loads((DEPLOY / "grafana" / "dispatchbot.json").read_text())
    panels = [panel for top in dashboard["panels"] for panel in [top, *top.get("panels", [])]]
    return [
        (panel["title"], without_grafana_variables(target["expr"]))
        for panel in panels
        for target in panel.get("targets", [])
    ]


def _alert_rules() -> list[dict[str, Any]]:
    rules = _load(DEPLOY / "prometheus" / "alerts.yml")
    return [rule for group in rules["groups"] for rule in group["rules"]]


def test_dashboard_panels_query_only_what_the_bot_exports() -> None:
    series = exported_series()
    expressions = _dashboard_expressions()
    assert len(expressions) >= 8
    problems = [f"{title}: {p}" for title, expr in expressions for p in unknown_references(expr, series)]
    assert problems == []
    used = {name for _title, expr in expressions for name in series if re.search(rf"\b{name}\b", expr)}
    # Every metric of the bot is on the dashboard (histograms through their buckets).
    assert {name.removesuffix("_bucket").removesuffix("_total") for name in used} >= {
        name.removesuffix("_bucket").removesuffix("_total")
        for name in series
        if not name.endswith(("_created", "_count", "_sum")) and name != "up"
    }


def test_dashboard_is_importable_grafana_json() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dispatchbot.json").read_text())
    series = exported_series()
    assert dashboard["uid"] == "dispatchbot"
    assert dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
    query = re.fullmatch(r"label_values\((\w+), (\w+)\)", variables["job"]["query"]["query"])
    assert query is not None
    assert query[1] in series
    assert query[2] in series[query[1]]


def test_alert_rules_are_well_formed() -> None:
    rules = _alert_rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]
        if "for" in rule:
            assert _seconds(rule["for"]) > 0, rule["alert"]


def test_alert_rules_use_only_what_the_bot_exports() -> None:
    series = exported_series()
    problems = [
        f"{rule['alert']}: {p}" for rule in _alert_rules() for p in unknown_references(rule["expr"], series)
    ]
    assert problems == []
    expressions = [rule["expr"] for rule in _alert_rules()]
    statuses = {value for expr in expressions for value in label_values(expr, "status")}
    assert statuses <= {status.value for status in RunStatus}
    outcomes = {value for expr in expressions for value in label_values(expr, "outcome")}
    gateway = inspect.getsource(dispatchbot.providers.slack)
    assert [outcome for outcome in outcomes if f'"{outcome}"' not in gateway] == []


def test_alert_rules_cover_what_operators_page_on() -> None:
    by_metric = {
        name: [rule["alert"] for rule in _alert_rules() if re.search(rf"\b{name}\b", rule["expr"])]
        for name in (
            "up",
            "dispatchbot_slack_connected",
            "dispatchbot_flow_runs_total",
            "dispatchbot_ack_latency_seconds_bucket",
            "dispatchbot_slack_api_calls_total",
        )
    }
    assert [name for name, alerts in by_metric.items() if not alerts] == []
    (socket_rule,) = [rule for rule in _alert_rules() if rule["alert"] == "DispatchbotSocketModeDisconnected"]
    # Not before /healthz itself would call the disconnection unhealthy.
    assert _seconds(socket_rule["for"]) >= HealthSettings().slack_disconnect_grace_seconds
    ack_thresholds = [
        float(match)
        for rule in _alert_rules()
        if "ack_latency" in rule["expr"]
        for match in re.findall(r">\s*([0-9.]+)\s*$", rule["expr"])
    ]
    assert ack_thresholds
    assert max(ack_thresholds) < 3, "Slack gives up on an ack after 3 s"


def test_commands_in_comments_name_files_that_exist() -> None:
    comments = "\n".join(
        line
        for path in _yaml_files()
        for line in path.read_text().splitlines()
        if line.lstrip().startswith("#")
    )
    named = {match.rstrip(".,:;)") for match in re.findall(r"deploy/[\w./-]+", comments)}
    named -= {"deploy/dispatchbot.env", "deploy/.env"}  # files the operator writes
    assert named
    assert [path for path in sorted(named) if not (REPO / path).exists()] == []
