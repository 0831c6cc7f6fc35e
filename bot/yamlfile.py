"""YAML files people edit by hand, loaded with the position of every value.

Errors in postbot.yaml and schedule files are reported as ``file:line:col:
message``, so the loader keeps, for every value, where it was written. It
uses PyYAML's composer (which gives every node its start mark) and builds
plain Python data from the nodes: mappings, lists, strings, numbers, booleans
and null, with duplicate keys refused (a silent last-one-wins is a classic
hand-editing trap).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError

PathKey = tuple[str | int, ...]

# ``token: ${TOKEN}`` inside a flow mapping (``{platform: x, token: ${TOKEN}}``)
# is not valid YAML: the brace opens a nested mapping. We accept it, as
# postbot's docs write it, by swapping the braces of ``${NAME}`` for two
# look-alike characters of the same length before parsing (so every line and
# column stays true) and swapping them back in the loaded text.
_REFERENCE_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_OPEN, _CLOSE = "\u2983", "\u2984"  # ⦃ ⦄


def _protect_references(text: str) -> str:
    return _REFERENCE_RE.sub(lambda m: f"${_OPEN}{m.group(1)}{_CLOSE}", text)


def _restore(value: Any) -> Any:
    if isinstance(value, str) and _OPEN in value:
        return value.replace(f"${_OPEN}", "${").replace(_CLOSE, "}")
    return value


@dataclass
class Located:
    """Data loaded from a YAML file, and where each value and key was written."""

    path: Path
    data: Any
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, key: PathKey) -> tuple[int | None, int | None]:
        """(line, col) of the value at ``key``, or of its nearest parent."""
        while True:
            if key in self.positions:
                return self.positions[key]
            if not key:
                return None, None
            key = key[:-1]

    def where_key(self, key: PathKey) -> tuple[int | None, int | None]:
        """(line, col) of a mapping key itself (for "unknown key" errors)."""
        return self.key_positions.get(key) or self.where(key)

    def error(self, key: PathKey, message: str, at_key: bool = False) -> ConfigError:
        line, col = self.where_key(key) if at_key else self.where(key)
        return ConfigError(self.path, message, line, col)


def load_yaml(path: Path, text: str | None = None) -> Located:
    """Load one YAML document, or raise ConfigError saying where it is broken."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(path, "no such file") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(path, f"not UTF-8 text (bad byte at offset {exc.start})") from None
        except OSError as exc:
            raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    protected = _protect_references(text)
    try:
        node = _compose(protected)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise ConfigError(path, f"invalid YAML: {message}", line, col) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"invalid YAML: {exc}") from None
    located = Located(path, None)
    loader = yaml.SafeLoader("")
    try:
        located.data = _build(node, (), located, loader) if node is not None else None
    finally:
        loader.dispose()
    return located


def _compose(text: str) -> yaml.Node | None:
    """The node tree of ``text``, with the C parser (libyaml) when PyYAML has it.

    libyaml is twenty times faster (a daemon with thousands of schedule
    files loads each at start and on every change) and marks every node
    with the same line and column. Its error messages say less ("found
    character that cannot start any token", without the character), so a
    document it refuses is parsed again by the pure-Python parser, whose
    error is the one reported.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.compose(text, Loader=loader)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: yaml.Node, key: PathKey, located: Located, loader: yaml.SafeLoader) -> Any:
    located.positions[key] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(located.path, "keys must be plain text", *_mark(key_node))
            name = _restore(key_node.value)
            if name in out:
                raise ConfigError(located.path, f"duplicate key {name!r}", *_mark(key_node))
            located.key_positions[(*key, name)] = _mark(key_node)
            out[name] = _build(value_node, (*key, name), located, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*key, i), located, loader) for i, item in enumerate(node.value)]
    return _scalar(node, located, loader)


def _scalar(node: yaml.Node, located: Located, loader: yaml.SafeLoader) -> Any:
    # Resolve plain scalars the way SafeLoader would (ints, floats, bools,
    # null); timestamps stay text, since schedules read their own times.
    if node.tag == "tag:yaml.org,2002:timestamp":
        return str(node.value)
    try:
        return _restore(loader.construct_object(node, deep=True))
    except yaml.YAMLError as exc:
        raise ConfigError(located.path, f"invalid value: {exc}", *_mark(node)) from None
