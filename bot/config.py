"""postbot.yaml, the environment and .env: the only place settings are read.

Secrets never live in YAML: an account's credentials are written as
``${ENV_VAR}`` references and resolved from the environment or from a
``.env`` file beside postbot.yaml (the environment wins). A literal value
where a secret belongs is an error, not a warning. Resolved secrets are
``Secret`` objects that print as ``***``, so they cannot leak through a log
line, a traceback's locals or a repr by accident.

Errors name the file, line and column and the account: a missing variable or
key says which account needs it and how to provide it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.yamlfile import Located, load_yaml

DEFAULT_CONFIG = "postbot.yaml"
DEFAULT_DATABASE = "sqlite:///state/postbot.db"
_REFERENCE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Secret:
    """A credential. Prints as ``***``; ``reveal()`` is the only way in."""

    __slots__ = ("_value", "variable")

    def __init__(self, value: str, variable: str) -> None:
        self._value = value
        self.variable = variable

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret(${{{self.variable}}}=***)"

    def __str__(self) -> str:
        return "***"

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled or copied out of the process")

    def __eq__(self, other: object) -> bool:
        """Equal values are equal secrets (so an unchanged account keeps its session)."""
        import hmac

        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self.variable))


@dataclass(frozen=True)
class AccountSchema:
    """What an account of one platform needs."""

    required: tuple[str, ...]
    secrets: frozenset[str]
    optional: frozenset[str] = frozenset()
    base_url: str | None = None  # the platform's one public host, when it has one
    alternatives: tuple[tuple[str, ...], ...] = ()  # any one complete group will do


_COMMON = frozenset({"platform", "base_url", "limit", "language", "timeout"})
SCHEMAS: dict[str, AccountSchema] = {
    "mastodon": AccountSchema(
        ("base_url", "token"), frozenset({"token"}), frozenset({"visibility"})
    ),
    "bluesky": AccountSchema(
        ("handle", "app_password"), frozenset({"app_password"}), base_url="https://bsky.social"
    ),
    "x": AccountSchema(
        (),
        frozenset(
            {"token", "consumer_key", "consumer_secret", "access_token", "access_token_secret"}
        ),
        base_url="https://api.x.com",
        alternatives=(
            ("token",),
            ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
        ),
    ),
    "threads": AccountSchema(
        ("user_id", "token"),
        frozenset({"token"}),
        frozenset({"publish_delay"}),
        "https://graph.threads.net",
    ),
    "linkedin": AccountSchema(
        ("author", "token"),
        frozenset({"token"}),
        frozenset({"version"}),
        "https://api.linkedin.com",
    ),
    "telegram": AccountSchema(
        ("bot_token", "chat_id"),
        frozenset({"bot_token"}),
        frozenset({"thread_id"}),
        "https://api.telegram.org",
    ),
    "discord": AccountSchema(("webhook_url",), frozenset({"webhook_url"}), frozenset({"username"})),
    "slack": AccountSchema(("webhook_url",), frozenset({"webhook_url"})),
    "webhook": AccountSchema(
        ("url",),
        frozenset(),
        frozenset({"method", "headers", "body", "id_field", "url_field", "thread"}),
    ),
}


@dataclass(frozen=True)
class Account:
    """A resolved account: its settings and its secrets (as ``Secret``)."""

    name: str
    platform: str
    base_url: str | None
    options: Mapping[str, Any]
    secrets: Mapping[str, Secret]

    def secret(self, key: str) -> str:
        return self.secrets[key].reveal()

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def secret_values(self) -> list[str]:
        return [s.reveal() for s in self.secrets.values() if s.reveal()]


@dataclass(frozen=True)
class Settings:
    """Everything postbot.yaml says, with paths made absolute."""

    path: Path
    timezone: str = "UTC"
    database_url: str = DEFAULT_DATABASE
    schedules_dir: Path = Path("schedules")
    templates_dirs: tuple[Path, ...] = ()
    dry_run: bool = False
    network_guard: str | None = None
    log_format: str = "text"
    lease: float = 30.0  # seconds a daemon's claim on a post lasts before another may take over
    # A dry run may preview accounts whose secrets are not set yet.
    placeholder_secrets: bool = False
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)
    located: Located | None = field(default=None, repr=False)
    # Accounts already resolved: the daemon asks for one at every post, and
    # these settings (file and environment) never change; a reload makes new ones.
    _accounts: dict[str, Account] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def account_names(self) -> list[str]:
        raw = self.located.data.get("accounts") if self.located and self.located.data else None
        return list(raw or {})

    def account(self, name: str) -> Account:
        """The account ``name`` with its secrets resolved, or a ConfigError."""
        if (known := self._accounts.get(name)) is not None:
            return known
        account = self._resolve_account(name)
        self._accounts[name] = account
        return account

    def _resolve_account(self, name: str) -> Account:
        accounts = (self.located.data or {}).get("accounts") or {} if self.located else {}
        if name not in accounts:
            known = ", ".join(sorted(accounts)) or "none defined"
            raise ConfigError(self.path, f"unknown account {name!r} (accounts: {known})")
        assert self.located is not None
        env = self.environment
        if self.placeholder_secrets:
            env = _with_placeholders(accounts[name], env)
        return _account(name, accounts[name], self.located, env)

    def for_dry_run(self) -> Settings:
        """These settings, with unset secrets standing in as placeholders."""
        from dataclasses import replace

        return replace(self, placeholder_secrets=True)

    def all_secret_values(self) -> list[str]:
        """Every secret any account refers to (for redaction), skipping unset ones."""
        if self.placeholder_secrets:
            from dataclasses import replace

            return replace(self, placeholder_secrets=False).all_secret_values()
        values = []
        for name in self.account_names:
            try:
                values.extend(self.account(name).secret_values())
            except ConfigError:
                continue
        return values


def expand_references(text: str, env: Mapping[str, str]) -> tuple[str, list[str], list[str]]:
    """``text`` with its ``${VAR}`` references filled in from ``env``.

    Returns the expanded text, the variables it used, and those that are not
    set (left as written), for callers outside postbot.yaml (schedule files).
    """
    used = _REFERENCE_RE.findall(text)
    missing = [v for v in used if not env.get(v)]
    expanded = _REFERENCE_RE.sub(lambda m: env.get(m.group(1)) or m.group(0), text)
    return expanded, used, missing


def config_path(explicit: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """--config, else $POSTBOT_CONFIG, else ./postbot.yaml."""
    environ = os.environ if environ is None else environ
    return Path(explicit or environ.get("POSTBOT_CONFIG") or DEFAULT_CONFIG)


def environment(base: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment over the ``.env`` beside postbot.yaml."""
    from dotenv import dotenv_values

    merged: dict[str, str] = {}
    env_file = base / ".env"
    if env_file.is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return merged


def load_settings(
    path: str | Path, environ: Mapping[str, str] | None = None, required: bool = True
) -> Settings:
    """Read postbot.yaml (or defaults when it is absent and not required)."""
    path = Path(path)
    base = path.parent.resolve()
    env = environment(base, environ)
    if not path.exists():
        if required:
            raise ConfigError(path, "no such file (pass --config PATH or set POSTBOT_CONFIG)")
        return _settings(path, base, {}, env, None)
    located = load_yaml(path)
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        raise located.error((), "expected a mapping of settings")
    return _settings(path, base, data, env, located)


_TOP_KEYS = frozenset(
    {
        "timezone",
        "database_url",
        "schedules",
        "templates",
        "dry_run",
        "accounts",
        "log_format",
        "network_guard",
        "lease",
    }
)


def _settings(
    path: Path, base: Path, data: dict[str, Any], env: Mapping[str, str], located: Located | None
) -> Settings:
    for key in data:
        if key not in _TOP_KEYS and located is not None:
            known = ", ".join(sorted(_TOP_KEYS))
            raise located.error((key,), f"unknown setting {key!r} (known: {known})", at_key=True)
    timezone = str(data.get("timezone") or "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        if located is not None:
            raise located.error(("timezone",), f"unknown time zone {timezone!r}") from None
        raise
    database_url = env.get("POSTBOT_DATABASE_URL") or str(
        data.get("database_url") or DEFAULT_DATABASE
    )
    templates = data.get("templates")
    template_dir = base / str(templates) if templates else base / "templates"
    accounts = data.get("accounts") or {}
    if located is not None and not isinstance(accounts, dict):
        raise located.error(("accounts",), "accounts must be a mapping of name to settings")
    if located is not None:
        for name, raw in accounts.items():
            _check_account(name, raw, located)
    log_format = str(data.get("log_format") or "text")
    if log_format not in ("text", "json") and located is not None:
        raise located.error(("log_format",), "log_format must be text or json")
    lease = 30.0
    if data.get("lease") is not None:
        from bot.slots import RuleError, parse_duration

        try:
            lease = parse_duration(str(data["lease"])).total_seconds()
        except RuleError as exc:
            if located is not None:
                raise located.error(("lease",), str(exc)) from None
            raise
        if lease < 2 and located is not None:
            raise located.error(("lease",), "lease must be at least 2s")
    return Settings(
        lease=lease,
        path=path,
        timezone=timezone,
        database_url=_sqlite_relative_to(database_url, base),
        schedules_dir=base / str(data.get("schedules") or "schedules"),
        templates_dirs=(template_dir,) if template_dir.is_dir() else (),
        dry_run=bool(data.get("dry_run", False)),
        network_guard=env.get("POSTBOT_NETWORK_GUARD") or data.get("network_guard"),
        log_format=log_format,
        environment=env,
        located=located,
    )


def _sqlite_relative_to(url: str, base: Path) -> str:
    """``sqlite:///state/x.db`` is relative to postbot.yaml's folder, not the cwd."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str(base / url[len(prefix) :])
    return url


def _check_account(name: str, raw: Any, located: Located) -> None:
    key = ("accounts", name)
    if not isinstance(raw, dict):
        raise located.error(key, f"account {name}: expected a mapping of settings")
    platform = raw.get("platform")
    if platform not in SCHEMAS:
        known = ", ".join(SCHEMAS)
        raise located.error(
            (*key, "platform") if platform else key,
            f"account {name}: unknown platform {platform!r} (known: {known})"
            if platform
            else f"account {name}: missing platform (one of {known})",
        )
    schema = SCHEMAS[platform]
    allowed = _COMMON | set(schema.required) | schema.secrets | schema.optional
    for field_name in raw:
        if field_name not in allowed:
            raise located.error(
                (*key, field_name),
                f"account {name}: unknown key {field_name!r} for {platform} "
                f"(known: {', '.join(sorted(allowed))})",
                at_key=True,
            )
    for field_name in schema.secrets:
        value = raw.get(field_name)
        if value is not None and not _is_reference(value):
            raise located.error(
                (*key, field_name),
                f"account {name}: {field_name} must be an ${{ENV_VAR}} reference, "
                "not a literal secret (put the value in the environment or .env)",
            )
    missing = [k for k in schema.required if raw.get(k) in (None, "")]
    if schema.alternatives and not any(
        all(raw.get(k) for k in group) for group in schema.alternatives
    ):
        groups = " or ".join(", ".join(g) for g in schema.alternatives)
        missing.append(groups)
    if missing:
        raise located.error(key, f"account {name}: missing {missing[0]}")


_warned: set[str] = set()


def _with_placeholders(raw: dict[str, Any], env: Mapping[str, str]) -> Mapping[str, str]:
    """``env`` plus a visible placeholder for every variable the account needs but is unset."""
    import logging

    missing = {v for value in _flatten(raw) for v in _REFERENCE_RE.findall(value) if not env.get(v)}
    for variable in sorted(missing - _warned):
        logging.getLogger(__name__).warning(
            "dry run: ${%s} is not set; using a placeholder (a real run needs it)", variable
        )
        _warned.add(variable)
    return {**env, **{v: f"dry-run-{v.lower()}" for v in missing}}


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _flatten(v)]
    if isinstance(value, list):
        return [s for v in value for s in _flatten(v)]
    return [value] if isinstance(value, str) else []


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and _REFERENCE_RE.fullmatch(value.strip()) is not None


def _resolve_text(
    value: str,
    name: str,
    field_name: str,
    env: Mapping[str, str],
    where: tuple[Located, tuple[str, ...]],
) -> str:
    def lookup(m: re.Match[str]) -> str:
        variable = m.group(1)
        if variable not in env or env[variable] == "":
            located, key = where
            raise located.error(
                key,
                f"account {name}: {field_name} refers to ${{{variable}}}, which is not set "
                "(set it in the environment or in .env beside postbot.yaml)",
            )
        return env[variable]

    return _REFERENCE_RE.sub(lookup, value)


def _account(name: str, raw: dict[str, Any], located: Located, env: Mapping[str, str]) -> Account:
    schema = SCHEMAS[raw["platform"]]
    options: dict[str, Any] = {}
    secrets: dict[str, Secret] = {}
    for field_name, value in raw.items():
        key = ("accounts", name, field_name)
        if field_name in ("platform", "base_url"):
            continue
        if field_name in schema.secrets:
            variable = _REFERENCE_RE.fullmatch(value.strip()).group(1)  # type: ignore[union-attr]
            secrets[field_name] = Secret(
                _resolve_text(value, name, field_name, env, (located, key)), variable
            )
        elif field_name == "headers" and isinstance(value, dict):
            options["headers"], header_secrets = _resolve_headers(name, value, located, env)
            secrets.update(header_secrets)
        elif isinstance(value, str) and _REFERENCE_RE.search(value):
            # Only the variables' values are secret, not the text around them.
            options[field_name] = _resolve_text(value, name, field_name, env, (located, key))
            for variable in _REFERENCE_RE.findall(value):
                secrets[f"{field_name}:{variable}"] = Secret(env[variable], variable)
        else:
            options[field_name] = value
    base_url = raw.get("base_url") or schema.base_url
    if isinstance(base_url, str) and _REFERENCE_RE.search(base_url):
        base_url = _resolve_text(
            base_url, name, "base_url", env, (located, ("accounts", name, "base_url"))
        )
    return Account(
        name, raw["platform"], base_url.rstrip("/") if base_url else None, options, secrets
    )


def _resolve_headers(
    name: str, headers: dict[str, Any], located: Located, env: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, Secret]]:
    resolved: dict[str, str] = {}
    secrets: dict[str, Secret] = {}
    for header, value in headers.items():
        text = str(value)
        key = ("accounts", name, "headers", header)
        resolved[header] = _resolve_text(text, name, f"header {header}", env, (located, key))
        for variable in _REFERENCE_RE.findall(text):
            secrets[f"header {header}:{variable}"] = Secret(env[variable], variable)
    return resolved, secrets
