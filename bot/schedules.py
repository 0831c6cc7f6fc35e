"""Schedule files: ``schedules/*.yaml``, one schedule each.

Loading checks a file in two passes and reports every problem as
``file:line:col: message``:

1. the JSON Schema shipped in ``bot/schemas/schedule.schema.json`` (editors
   can use it too, with a ``# yaml-language-server: $schema=...`` line);
2. what a schema cannot check: the accounts exist in postbot.yaml, the
   templates exist for each account's platform, cron fields, times, zones
   and durations parse, quiet hours make sense, a source folder exists.

A file with problems yields no schedule; ``load_schedules`` returns the good
ones and the problems, so the daemon keeps running the last good version of a
file that someone broke while editing it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import SCHEMAS as ACCOUNT_SCHEMAS
from bot.config import Secret, Settings, expand_references
from bot.errors import ConfigError, TemplateError, shown_path
from bot.slots import (
    QuietHours,
    Rule,
    RuleError,
    jitter_offset,
    parse_duration,
    parse_rule,
    to_instant,
)
from bot.templates import environment
from bot.yamlfile import Located, PathKey, load_yaml

SCHEMA_PATH = Path(__file__).parent / "schemas" / "schedule.schema.json"
DEFAULT_CATCH_UP = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class PostSpec:
    """One ``posts:`` entry: which account, which template, how."""

    account: str
    template: str = "headline"
    thread: bool | None = None
    hashtags: int | None = None


# Most sources send no headers: they all share this one read-only mapping.
_NO_HEADERS: Mapping[str, str | Secret] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: str  # "folder" | "feed" | "http_json"
    location: str  # an absolute folder path or a URL
    # Header values that came from ${VAR} references are Secrets: never printed.
    headers: Mapping[str, str | Secret] = field(default_factory=lambda: _NO_HEADERS)
    max_bytes: int = 5 * 1024 * 1024
    timeout: float = 20.0

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.location}"

    def request_headers(self) -> dict[str, str]:
        return {k: v.reveal() if isinstance(v, Secret) else v for k, v in self.headers.items()}

    def secret_values(self) -> list[str]:
        return [v.reveal() for v in self.headers.values() if isinstance(v, Secret)]


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    path: str  # the file, as text: a daemon holds thousands, and a Path costs 400 bytes more
    timezone: str
    source: SourceSpec
    rules: tuple[Rule, ...]
    posts: tuple[PostSpec, ...]
    enabled: bool = True
    pick: str = "oldest"
    jitter: timedelta = timedelta(0)
    quiet: QuietHours | None = None
    catch_up: timedelta = DEFAULT_CATCH_UP
    repost_on_edit: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def slots(self, start: datetime, end: datetime) -> list[datetime]:
        """Slot instants (UTC) in [start, end), sorted, without quiet hours."""
        found = {i for rule in self.rules for i in rule.instants(start, end, self.zone)}
        zone = self.zone
        return sorted(
            i for i in found if not (self.quiet and self.quiet.contains(i.astimezone(zone).time()))
        )

    def next_slot(self, after: datetime) -> datetime | None:
        """The first slot strictly after ``after`` (within 800 days), outside quiet hours."""
        zone = self.zone
        limit = after + timedelta(days=800)
        cursor = after
        while True:
            found = [t for rule in self.rules if (t := rule.first_after(cursor, zone)) is not None]
            if not found or (slot := min(found)) > limit:
                return None
            wall = slot.astimezone(zone).replace(tzinfo=None)
            if not (self.quiet and self.quiet.contains(wall.time())):
                return slot
            # Skip the rest of the quiet window at once (an ``every: 10s`` would
            # otherwise be stepped through thousands of times).
            ends = to_instant(self.quiet.end_of(wall), zone) - timedelta(microseconds=1)
            cursor = max(slot, ends)

    def send_at(self, slot: datetime, account: str) -> datetime:
        """When the post of ``slot`` for ``account`` goes out: the slot plus its jitter."""
        return slot + jitter_offset(self.jitter, self.name, slot.isoformat(), account)


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def schedule_files(settings: Settings) -> list[Path]:
    return [Path(name) for name in sorted(schedule_file_mtimes(settings))]


def schedule_file_mtimes(settings: Settings) -> dict[str, int]:
    """Every schedule file (its path as text) and its modification time in ns.

    The daemon asks this every so often to notice edits. ``os.scandir`` and
    plain strings keep it cheap with thousands of files: one ``stat`` each,
    and no ``Path`` objects to build and hash.
    """
    found: dict[str, int] = {}
    try:
        with os.scandir(settings.schedules_dir) as entries:
            for entry in entries:
                if not entry.name.endswith((".yaml", ".yml")):
                    continue
                try:
                    if entry.is_file():
                        found[entry.path] = entry.stat().st_mtime_ns
                except OSError:
                    continue  # removed while we looked
    except (FileNotFoundError, NotADirectoryError):
        return {}
    return found


def load_schedules(
    settings: Settings, files: Iterable[Path] | None = None
) -> tuple[list[Schedule], list[ConfigError]]:
    """Every good schedule, and every problem of the bad ones."""
    schedules: list[Schedule] = []
    problems: list[ConfigError] = []
    names: dict[str, str] = {}
    for path in schedule_files(settings) if files is None else files:
        schedule, file_problems = load_schedule(Path(path), settings)
        problems += file_problems
        if schedule is None:
            continue
        if schedule.name in names:
            problems.append(
                ConfigError(
                    path,
                    f"schedule name {schedule.name!r} is already used by "
                    f"{shown_path(names[schedule.name])}",
                )
            )
            continue
        names[schedule.name] = schedule.path
        schedules.append(schedule)
    return schedules, problems


def load_schedule(
    path: Path | str, settings: Settings
) -> tuple[Schedule | None, list[ConfigError]]:
    """One schedule file, or the list of everything wrong with it.

    Given as text, that same string object becomes the schedule's ``path``
    (a daemon with thousands of files holds each path once, not twice).
    """
    text = str(path)
    try:
        located = load_yaml(Path(text))
    except ConfigError as exc:
        return None, [exc]
    data = located.data
    if not isinstance(data, dict):
        return None, [
            located.error(
                (), "a schedule file is a mapping of settings (source, slots, posts, ...)"
            )
        ]
    problems = [_schema_error(located, error) for error in _validator().iter_errors(data)]
    checker = _Checker(located, settings, text)
    schedule = checker.build()
    problems += checker.problems
    unique = {(p.line, p.col, p.message): p for p in problems}
    ordered = sorted(unique.values(), key=lambda p: (p.line or 0, p.col or 0))
    return (schedule if not ordered else None), ordered


def _schema_error(located: Located, error: Any) -> ConfigError:
    path: PathKey = tuple(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        if extra:
            known = ", ".join(sorted(error.schema.get("properties", {})))
            return located.error(
                (*path, extra[0]), f"unknown key {extra[0]!r} (known: {known})", at_key=True
            )
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return located.error(path, f"missing {missing!r}")
    if (
        error.validator in ("oneOf", "minProperties", "maxProperties")
        and path
        and path[-1] == "source"
    ):
        return located.error(path, "source needs exactly one of folder, feed or http_json")
    if error.validator in ("minProperties", "maxProperties"):
        return located.error(path, "each slot has exactly one of cron, weekly, every or at")
    if (
        error.validator == "pattern"
        and path
        and path[-1] in ("every", "jitter", "catch_up", "timeout")
    ):
        return located.error(
            path,
            f"cannot read {error.instance!r} as a duration (use a number and s, m, h or d: 90m)",
        )
    if error.validator == "pattern" and path and path[-1] == "quiet_hours":
        return located.error(
            path, f"quiet_hours {error.instance!r}: expected HH:MM-HH:MM, e.g. 22:00-07:00"
        )
    where = ".".join(str(p) for p in path) or "the file"
    return located.error(path, f"{where}: {message}")


class _Checker:
    """The checks a schema cannot make, collecting every problem found."""

    def __init__(self, located: Located, settings: Settings, path: str) -> None:
        self.located = located
        self.settings = settings
        self.path = path
        self.data: dict[str, Any] = located.data
        self.problems: list[ConfigError] = []

    def fail(self, key: PathKey, message: str) -> None:
        self.problems.append(self.located.error(key, message))

    def build(self) -> Schedule | None:
        data = self.data
        timezone = str(data.get("timezone") or self.settings.timezone)
        if not isinstance(data.get("timezone", ""), str):
            timezone = self.settings.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(
                ("timezone",),
                f"unknown time zone {timezone!r} (use an IANA name such as Europe/London)",
            )
        rules = self._rules()
        quiet = self._optional(("quiet_hours",), QuietHours.parse)
        jitter = self._optional(("jitter",), parse_duration) or timedelta(0)
        catch_up = self._optional(("catch_up",), parse_duration)
        source = self._source()
        posts = self._posts()
        if quiet is not None and rules and not self.problems:
            self._check_quiet_leaves_slots(rules, quiet, timezone)
        if self.problems or source is None:
            return None
        return Schedule(
            # The schema checked its type; the default is the file's stem.
            name=str(data.get("name") or os.path.splitext(os.path.basename(self.path))[0]),
            path=self.path,
            timezone=sys.intern(timezone),  # shared by thousands of schedules
            source=source,
            rules=tuple(rules),
            posts=tuple(posts),
            enabled=bool(data.get("enabled", True)),
            pick=str(data.get("pick", "oldest")),
            jitter=jitter,
            quiet=quiet,
            catch_up=DEFAULT_CATCH_UP if catch_up is None else catch_up,
            repost_on_edit=bool(data.get("repost_on_edit", False)),
        )

    def _optional(self, key: PathKey, parse: Any) -> Any:
        value: Any = self.data
        for part in key:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or not isinstance(value, str | int | float):
            return None
        try:
            return parse(str(value))
        except RuleError as exc:
            self.fail(key, str(exc))
            return None

    def _rules(self) -> list[Rule]:
        rules: list[Rule] = []
        slots = self.data.get("slots")
        for i, slot in enumerate(slots if isinstance(slots, list) else []):
            if not isinstance(slot, dict) or len(slot) != 1:
                continue  # the schema reports it
            ((kind, value),) = slot.items()
            if kind not in ("cron", "weekly", "every", "at") or not isinstance(value, str):
                continue
            try:
                rules += parse_rule(kind, value)
            except RuleError as exc:
                self.fail(("slots", i, kind), str(exc))
        return rules

    def _check_quiet_leaves_slots(
        self, rules: list[Rule], quiet: QuietHours, timezone: str
    ) -> None:
        zone = ZoneInfo(timezone)
        start = datetime.now(zone)
        window = [i for r in rules for i in r.instants(start, start + timedelta(days=14), zone)]
        if window and all(quiet.contains(i.astimezone(zone).time()) for i in window):
            self.fail(
                ("quiet_hours",),
                "quiet_hours cover every slot of the next two weeks: nothing would be posted",
            )

    def _source(self) -> SourceSpec | None:
        source = self.data.get("source")
        if not isinstance(source, dict):
            return None
        kinds = [k for k in ("folder", "feed", "http_json") if k in source]
        if len(kinds) != 1 or not isinstance(source[kinds[0]], str):
            return None  # the schema reports it
        kind = kinds[0]
        location = str(source[kind])
        if kind == "folder":
            folder = (self.settings.path.parent.resolve() / location).resolve()
            if not folder.is_dir():
                self.fail(
                    ("source", "folder"),
                    f"folder {location!r} does not exist (relative to {self.settings.path})",
                )
            location = sys.intern(str(folder))
        timeout = self._optional(("source", "timeout"), parse_duration)
        max_bytes = source.get("max_bytes", 5 * 1024 * 1024)
        return SourceSpec(
            kind,
            location,
            self._headers(source.get("headers")),
            max_bytes if isinstance(max_bytes, int) else 5 * 1024 * 1024,
            timeout.total_seconds() if timeout else 20.0,
        )

    def _headers(self, headers: Any) -> Mapping[str, str | Secret]:
        """Request headers, ``${VAR}`` references filled in from the environment."""
        resolved: dict[str, str | Secret] = {}
        for name, value in (headers or {}).items() if isinstance(headers, dict) else ():
            text, used, missing = expand_references(str(value), self.settings.environment)
            if missing:
                self.fail(
                    ("source", "headers", name),
                    f"header {name} refers to ${{{missing[0]}}}, which is not set "
                    "(set it in the environment or in .env beside postbot.yaml)",
                )
            resolved[str(name)] = Secret(text, used[0]) if used else text
        return resolved or _NO_HEADERS

    def _posts(self) -> list[PostSpec]:
        posts = []
        accounts = (
            (self.settings.located.data or {}).get("accounts") or {}
            if self.settings.located
            else {}
        )
        env = environment(tuple(str(d) for d in self.settings.templates_dirs))
        entries = self.data.get("posts")
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict) or not isinstance(entry.get("account"), str):
                continue  # the schema reports it
            spec = PostSpec(
                account=sys.intern(str(entry["account"])),
                template=sys.intern(str(entry.get("template", "headline"))),
                thread=entry.get("thread"),
                hashtags=entry.get("hashtags"),
            )
            raw = accounts.get(spec.account)
            if raw is None:
                known = ", ".join(sorted(accounts)) or f"none in {self.settings.path}"
                self.fail(
                    ("posts", i, "account"), f"unknown account {spec.account!r} (accounts: {known})"
                )
                continue
            platform = raw.get("platform") if isinstance(raw, dict) else None
            if platform in ACCOUNT_SCHEMAS:
                try:
                    env.get(platform, spec.template)
                except TemplateError as exc:
                    self.fail(
                        ("posts", i, "template"), f"template {spec.template!r}: {exc.message}"
                    )
            posts.append(spec)
        return posts
