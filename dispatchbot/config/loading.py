"""Loading the configuration: a TOML file overridden by `DISPATCHBOT_<SECTION>__<KEY>` variables.

Loading never raises a raw pydantic error: every problem becomes one line naming the key and how to
fix it, because the first person to read it is an operator at start-up, not a Python developer.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

from dispatchbot.config.sections import ENV_PREFIX, Settings, env_name

CONFIG_PATH_ENV = "DISPATCHBOT_CONFIG"
DEFAULT_CONFIG_FILE = Path("config.toml")
PLATFORM_DATABASE_URL_ENV = "DATABASE_URL"
"""The conventional variable Heroku, Render, Dokku and Fly set; `DISPATCHBOT_DATABASE__URL` wins over it."""
NON_SETTING_VARIABLES = frozenset({CONFIG_PATH_ENV})
"""`DISPATCHBOT_*` variables that are not settings; any other name with the prefix must name a setting."""
_SERVICE_LINK_SUFFIX = re.compile(r"SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?")
"""What Kubernetes adds after `<SERVICE>_` besides `SERVICE_HOST`, for every Service in the namespace."""


class ConfigError(Exception):
    """Configuration that cannot work; `problems` holds one operator-readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def resolve_config_path(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """`--config`, else `DISPATCHBOT_CONFIG`, else `./config.toml` when it exists."""
    if explicit is not None:
        return explicit
    from_env = environ.get(CONFIG_PATH_ENV)
    if from_env:
        return Path(from_env)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(path: Path | None = None) -> Settings:
    """Read the file and the process environment; raise `ConfigError` listing every problem at once.

    Precedence, highest first: `DISPATCHBOT_*` variables, `DATABASE_URL` (database.url only), the
    file, the defaults. `DATABASE_URL` beats the file because platforms set it and rotate its
    credentials, while a file baked into an image often carries a development URL.
    """
    environ = os.environ
    config_path = resolve_config_path(path, environ)
    unknown = unknown_variables(environ)
    problems = [_unknown_variable(name) for name in unknown]
    file_values: dict[str, Any] = {}
    if config_path is not None:
        origin = "--config" if path is not None else CONFIG_PATH_ENV if environ.get(CONFIG_PATH_ENV) else ""
        try:
            file_values = _read_toml(config_path, origin)
        except ConfigError as exc:
            raise ConfigError(exc.problems + problems) from None
    platform_url = _platform_database_url(environ)
    if platform_url is not None:
        file_values = _with_database_url(file_values, platform_url)
    source = f" (in {config_path} or the environment)" if config_path is not None else ""
    said = {tuple(name.lower().removeprefix(ENV_PREFIX.lower()).split("__")) for name in unknown}
    try:
        settings = Settings(**file_values)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "extra_forbidden" and tuple(error["loc"]) in said:
                continue  # an unknown variable, reported above with a did-you-mean
            if platform_url is not None and tuple(error["loc"]) == ("database", "url"):
                problems.append(f"{PLATFORM_DATABASE_URL_ENV}: {_message(error)}")
            else:
                problems.append(_describe(error, source))
    except SettingsError as exc:  # a whole section given as JSON that does not parse
        problems.append(f"environment: {exc} — a whole section set from the environment must be JSON")
    if problems:
        raise ConfigError(problems)
    return settings


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """`DISPATCHBOT_*` variables that name no setting.

    pydantic-settings silently ignores most of them, so `DISPATCHBOT_LOG_LEVEL=DEBUG` (one underscore)
    would leave the level unchanged with no hint. Names are compared case-insensitively, as they are read.
    """
    known, open_prefixes = _setting_variables()
    return sorted(
        name
        for name in environ
        if name.upper().startswith(ENV_PREFIX)
        and name.upper() not in known
        and not name.upper().startswith(open_prefixes)
        and not _kubernetes_service_link(name, environ)
    )


def _kubernetes_service_link(name: str, environ: Mapping[str, str]) -> bool:
    """`DISPATCHBOT_SERVICE_HOST`, `DISPATCHBOT_PORT_8080_TCP`, ...: injected into every pod for a Service
    named `dispatchbot` (or `dispatchbot-web`, ...) unless `enableServiceLinks: false`. They come with a
    `<SERVICE>_SERVICE_HOST`, which is how they are told from a typo such as `DISPATCHBOT_HTTP_PORT`."""
    for host in (other for other in environ if other.endswith("_SERVICE_HOST")):
        service = host.removesuffix("SERVICE_HOST")
        if name == host or (
            name.startswith(service) and _SERVICE_LINK_SUFFIX.fullmatch(name[len(service) :])
        ):
            return True
    return False


def _unknown_variable(name: str) -> str:
    known, _ = _setting_variables()
    stems = {candidate.removeprefix(ENV_PREFIX): candidate for candidate in known}
    close = difflib.get_close_matches(name.upper().removeprefix(ENV_PREFIX), list(stems), n=1, cutoff=0.75)
    hint = (
        f"did you mean {stems[close[0]]}?"
        if close
        else "unset it, or see config.example.toml: settings are DISPATCHBOT_<SECTION>__<KEY>"
    )
    return f"{name}: unknown environment variable — {hint}"


def _setting_variables() -> tuple[set[str], tuple[str, ...]]:
    """Every variable name that sets something, and the prefixes under which any name goes (free tables)."""
    known = set(NON_SETTING_VARIABLES)
    open_prefixes: list[str] = []
    for field_name, field in Settings.model_fields.items():
        section = ENV_PREFIX + field_name.upper()
        known.add(section)  # the whole section or list as JSON
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            known.update(f"{section}__{key.upper()}" for key in annotation.model_fields)
        elif getattr(annotation, "__origin__", None) is dict:
            open_prefixes.append(f"{section}__")
    return known, tuple(open_prefixes)


def _platform_database_url(environ: Mapping[str, str]) -> str | None:
    own = ENV_PREFIX + "DATABASE__URL"
    if any(name.upper() == own for name in environ):
        return None
    return environ.get(PLATFORM_DATABASE_URL_ENV) or None


def _with_database_url(file_values: dict[str, Any], url: str) -> dict[str, Any]:
    database = file_values.get("database", {})
    if not isinstance(database, dict):
        return file_values  # the file's own mistake is reported as it is
    return {**file_values, "database": {**database, "url": url}}


def _read_toml(path: Path, origin: str) -> dict[str, Any]:
    """The file's tables; every way reading it can fail becomes one line naming the file (and line)."""
    where = f"config file {path}"
    given = origin or "the config path"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problem = f"not found — {given} must name an existing file"
    except IsADirectoryError:
        problem = f"is a directory — {given} must name the TOML file itself, e.g. {path / 'config.toml'}"
    except PermissionError:
        problem = "permission denied — make it readable by the user that runs dispatchbot"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    else:
        return _parse_toml(raw, where)
    raise ConfigError([f"{where}: {problem}"])


def _parse_toml(raw: bytes, where: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (some Windows editors) is harmless
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            [f"{where}, line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x}) — save the file as UTF-8"]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{where}: invalid TOML ({exc}) — fix the syntax at that line"]) from None


def _describe(error: Any, source: str) -> str:
    key = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key{source} — remove it or check its spelling against config.example.toml"
    if kind == "model_type" or kind == "dict_type":
        return f"{key}: must be a table of settings{source} — see config.example.toml"
    message = _message(error)
    return f"{key}: {message}{source} (set {env_name(key)} or [{key.rsplit('.', 1)[0]}] in the config file)"


def _message(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")
